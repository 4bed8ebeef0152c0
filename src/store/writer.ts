// The writer thread: a PlayerStore on its own connection to the same file, serving requests in
// the order they were posted (so commits happen in that order). Started by WorkerWriter.

import { parentPort, workerData } from 'node:worker_threads';
import { PlayerStore } from './playerStore.js';
import type { WireError, WriterInit, WriterReply, WriterRequest } from './protocol.js';
import type { StoreFault } from './zoneStore.js';

if (!parentPort) throw new Error('src/store/writer.ts is a worker entry; use WorkerWriter');
const port = parentPort;

function wire(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

// Test-only fault injection. Running as root ignores file permissions, so faults are simulated
// on this connection, with SQLite's own errors raised inside the real statements (so a failed
// flush keeps its rows exactly as on a real fault):
//   'readonly': `PRAGMA query_only = 1`, so every write fails with SQLITE_READONLY;
//   'full':     `PRAGMA max_page_count` pinned to the file's size, plus TEMP triggers (this
//               connection only) that make every write to players, inventory or game_stats also
//               insert a row larger than the free space, so it fails with SQLITE_FULL and rolls
//               back (a rewrite of existing pages alone never grows the file, so the pin would not
//               bite; triggers do not fire for their own inserts, recursive_triggers being off).
// null clears it. Nothing of it is stored in the file.
let maxPages = 0;
const FULL_TRIGGERS = [
  'players AFTER INSERT', 'players AFTER UPDATE', 'inventory AFTER INSERT', 'inventory AFTER UPDATE', 'game_stats AFTER INSERT', 'game_stats AFTER UPDATE',
];

function injectFault(store: PlayerStore, f: StoreFault): void {
  const { db } = store;
  if (maxPages === 0) maxPages = db.pragma('max_page_count', { simple: true }) as number;
  db.pragma('query_only = 0');
  FULL_TRIGGERS.forEach((_, i) => db.exec(`DROP TRIGGER IF EXISTS temp.fault_full_${i}`));
  db.pragma(`max_page_count = ${maxPages}`);
  if (f === 'readonly') db.pragma('query_only = 1');
  if (f !== 'full') return;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const bytes = (free + 64) * pageSize; // more than every free page: the file has to grow
  FULL_TRIGGERS.forEach((t, i) => {
    const [table, when] = [t.split(' ')[0], t.slice(t.indexOf(' ') + 1)];
    db.exec(`CREATE TEMP TRIGGER fault_full_${i} ${when} ON main.${table} BEGIN
      INSERT INTO main.game_stats (name, value, updated_at) VALUES (hex(randomblob(${bytes >> 1})), 0, 0); END`);
  });
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
}

function handle(store: PlayerStore, m: WriterRequest): unknown {
  switch (m.op) {
    case 'fault':
      injectFault(store, m.fault);
      return undefined;
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
