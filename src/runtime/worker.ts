// Starts a worker thread whose entry is a TypeScript module (run through tsx).

import { Worker } from 'node:worker_threads';

const LAUNCHER = new URL('./worker-entry.mjs', import.meta.url);

/** `entry` is the module URL (e.g. new URL('./writer.ts', import.meta.url)); it reads workerData.data. */
export function startTsWorker(entry: URL, data: unknown): Worker {
  return new Worker(LAUNCHER, { workerData: { entry: entry.href, data } });
}
