// Starts a worker thread on a module named by its TypeScript source: from the sources through
// the tsx launcher (workers do not inherit the parent's loader), from a build on the compiled
// .js directly, with no TypeScript compiled at run time.

import { Worker } from 'node:worker_threads';
import { RUNNING_FROM_SOURCE, runnableModule } from './modules.js';

const LAUNCHER = new URL('./worker-entry.mjs', import.meta.url);

/** `entry` is the module's source URL (e.g. new URL('./writer.ts', import.meta.url)); it reads workerData.data. */
export function startTsWorker(entry: URL, data: unknown): Worker {
  if (RUNNING_FROM_SOURCE) return new Worker(LAUNCHER, { workerData: { entry: entry.href, data } });
  return new Worker(runnableModule(entry), { workerData: { data } });
}
