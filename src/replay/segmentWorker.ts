// A replay thread: replays the stretch of a recording it is given and posts the result.

import { parentPort, workerData } from 'node:worker_threads';
import { ReplayFileError, type Recording } from './format.js';
import { replay } from './replayer.js';

const { rec, to, checkEvery } = (workerData as { data: { rec: Recording; to: number; checkEvery?: number } }).data;
try {
  parentPort!.postMessage({ result: replay(rec, { to, checkEvery }) });
} catch (e) {
  // A damaged file is an answer, not a crash: it goes back as one.
  if (!(e instanceof ReplayFileError)) throw e;
  parentPort!.postMessage({ fileError: e.message });
}
