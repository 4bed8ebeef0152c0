// The writer thread: a PlayerStore on its own connection to the same file, serving requests in
// the order they were posted (so commits happen in that order). Started by WorkerWriter.

import { parentPort, workerData } from 'node:worker_threads';
import { PlayerStore } from './playerStore.js';
import type { WireError, WriterInit, WriterReply, WriterRequest } from './protocol.js';

if (!parentPort) throw new Error('src/store/writer.ts is a worker entry; use WorkerWriter');
const port = parentPort;

function wire(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

function handle(store: PlayerStore, m: WriterRequest): unknown {
  switch (m.op) {
    case 'flush':
      return store.writeSnapshots({ data: m.data, count: m.count, zones: m.zones });
    case 'addItem':
      return store.addItem(m.playerId, m.itemType, m.quantity);
    case 'removeItem':
      return store.removeItem(m.playerId, m.itemType, m.quantity);
    case 'loadOrCreatePlayer':
      return store.loadOrCreatePlayer(m.name, m.spawn);
    case 'stats':
      return store.writeStats(m.set, m.add);
    case 'close':
      store.close();
      return undefined;
  }
}

function serve(store: PlayerStore, p: typeof port): void {
  p.on('message', (m: WriterRequest) => {
    let reply: WriterReply;
    try {
      reply = { id: m.id, ok: true, value: handle(store, m) };
    } catch (e) {
      reply = { id: m.id, ok: false, error: wire(e) };
    }
    p.postMessage(reply);
    // Without a listener the thread has nothing left to do and exits.
    if (m.op === 'close') p.close();
  });
}

const init = (workerData as { data: WriterInit }).data;
let opened: PlayerStore | undefined;
try {
  opened = PlayerStore.open(init.path, init.options);
} catch (e) {
  port.postMessage({ id: 0, ok: false, error: wire(e) } satisfies WriterReply);
  port.close();
}
if (opened) {
  port.postMessage({ id: 0, ok: true, value: opened.schemaVersion } satisfies WriterReply);
  serve(opened, port);
}
