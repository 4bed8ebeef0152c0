// The recording thread: runs a RecordingSink (with its replica of the world) on the batches of
// messages the tick thread posts, and answers through shared memory: syncs (the tick thread
// waits on them to see everything written), the replica's need of the live world, the ticks
// it has taken, and the first error (after which it only answers syncs).

import { parentPort, workerData } from 'node:worker_threads';
import { HELPER_THREAD_NICENESS, lowerThisThread } from '../runtime/threadPriority.js';
import { RecordingSink, type SinkMessage } from './sink.js';
import { NEED_WORLD, SYNC_ERROR, SYNC_SEQ, TICKS_TAKEN, syncState, writeSyncError } from './syncState.js';

const shared = (workerData as { data: { shared: SharedArrayBuffer } }).data.shared;
lowerThisThread(HELPER_THREAD_NICENESS);
const state = syncState(shared);
const sink = new RecordingSink(undefined, () => Atomics.store(state, NEED_WORLD, 1));

type Message = SinkMessage | { op: 'sync'; seq: number };

parentPort!.on('message', (batch: Message[]) => {
  for (const m of batch) {
    try {
      if (Atomics.load(state, SYNC_ERROR) === 0) sink.handle(m.op === 'sync' ? { op: 'flush' } : m);
    } catch (e) {
      writeSyncError(shared, (e as Error).stack ?? (e as Error).message);
    }
    if (m.op === 'tick') Atomics.add(state, TICKS_TAKEN, 1);
    else if (m.op === 'sync') {
      Atomics.store(state, SYNC_SEQ, m.seq);
      Atomics.notify(state, SYNC_SEQ);
    }
  }
});
