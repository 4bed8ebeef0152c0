// The recording thread: runs a RecordingSink on the messages the tick thread sends, finds each
// frame in the ring of shared memory, says which frames it is done with, and answers "sync"
// through shared memory (the tick thread waits on it to see everything written). After a
// failure it only answers syncs, with the error in shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import { RecordingSink, type SinkMessage } from './sink.js';
import { RELEASED, SYNC_ERROR, SYNC_SEQ, writeSyncError } from './syncState.js';

const shared = (workerData as { data: { shared: SharedArrayBuffer } }).data.shared;
const state = new Int32Array(shared, 0, 4);
let ring: Uint8Array<ArrayBufferLike> = new Uint8Array(0), slotBytes = 0;
const sink = new RecordingSink((frame) => {
  Atomics.store(state, RELEASED, frame.seq);
  Atomics.notify(state, RELEASED);
});

type Message = SinkMessage | { op: 'sync'; seq: number } | { op: 'ring'; ring: SharedArrayBuffer; slotBytes: number };

function handle(m: Message): void {
  if (m.op === 'sync') return sink.handle({ op: 'flush' });
  if (m.op === 'ring') {
    ring = new Uint8Array(m.ring);
    slotBytes = m.slotBytes;
    return;
  }
  if ((m.op === 'tick' || m.op === 'open') && m.frame) m.frame.bytes = ring.subarray(m.frame.slot * slotBytes, (m.frame.slot + 1) * slotBytes);
  sink.handle(m);
}

parentPort!.on('message', (m: Message) => {
  try {
    if (Atomics.load(state, SYNC_ERROR) === 0) handle(m);
  } catch (e) {
    writeSyncError(shared, (e as Error).message);
  }
  if (m.op === 'sync') {
    Atomics.store(state, SYNC_SEQ, m.seq);
    Atomics.notify(state, SYNC_SEQ);
  }
});
