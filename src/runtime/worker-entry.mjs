// Worker launcher: registers tsx inside the worker thread, then loads the TypeScript entry
// named in workerData. (A .ts entry cannot be given to new Worker() directly, and workers do
// not inherit the parent's tsx loader.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
