// The recording thread: runs a RecordingSink (with its replica of the world) on the batches of
// messages the tick thread posts, and answers through shared memory: syncs (the tick thread
// waits on them to see everything written), the replica's need of the live world, the ticks
// it has taken, and the first error (after which it only answers syncs). Given up by the tick
// thread (a failed recording), it closes its file and ends at its next message.

import { parentPort, workerData } from 'node:worker_threads';
import { HELPER_THREAD_NICENESS, lowerThisThread } from '../runtime/threadPriority.js';
import { RecordingSink, type SinkMessage } from './sink.js';
import { ABANDONED, NEED_WORLD, SYNC_ERROR, SYNC_SEQ, TICKS_TAKEN, syncState, writeSyncError } from './syncState.js';

const shared = (workerData as { data: { shared: SharedArrayBuffer } }).data.shared;
lowerThisThread(HELPER_THREAD_NICENESS);
const state = syncState(shared);
const sink = new RecordingSink(undefined, () => Atomics.store(state, NEED_WORLD, 1));

type Message = SinkMessage | { op: 'sync'; seq: number };

parentPort!.on('message', (batch: Message[]) => {
  if (Atomics.load(state, ABANDONED) === 1) {
    try {
      sink.handle({ op: 'abandon' });
    } finally {
      process.exit(0); // in a worker: ends this thread only
    }
  }
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
