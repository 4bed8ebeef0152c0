// A replay thread: replays the stretch of a recording it is given and posts the result.

import { parentPort, workerData } from 'node:worker_threads';
import type { Recording } from './format.js';
import { replay } from './replayer.js';

const { rec, to } = (workerData as { data: { rec: Recording; to: number } }).data;
parentPort!.postMessage(replay(rec, { to }));
