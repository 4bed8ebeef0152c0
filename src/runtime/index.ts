export { startTsWorker } from './worker.js';
