// The recording thread: runs a RecordingSink on the messages the tick thread sends, and
// answers "sync" through shared memory (the tick thread waits on it to see everything written).
// After a failure it only answers syncs, with the error in shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import { RecordingSink, type SinkMessage } from './sink.js';
import { SYNC_ERROR, SYNC_SEQ, writeSyncError } from './syncState.js';

const shared = (workerData as { data: { shared: SharedArrayBuffer } }).data.shared;
const state = new Int32Array(shared, 0, 2);
const sink = new RecordingSink();

parentPort!.on('message', (m: SinkMessage | { op: 'sync'; seq: number }) => {
  try {
    if (m.op === 'sync') {
      if (Atomics.load(state, SYNC_ERROR) === 0) sink.handle({ op: 'flush' });
    } else if (Atomics.load(state, SYNC_ERROR) === 0) {
      sink.handle(m);
    }
  } catch (e) {
    writeSyncError(shared, (e as Error).message);
  }
  if (m.op === 'sync') {
    Atomics.store(state, SYNC_SEQ, m.seq);
    Atomics.notify(state, SYNC_SEQ);
  }
});
