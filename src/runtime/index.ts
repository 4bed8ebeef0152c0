export { startTsWorker } from './worker.js';
export { RUNNING_FROM_SOURCE, runnableModule } from './modules.js';
export { uWS, type HttpRequest, type HttpResponse, type TemplatedApp, type WebSocket } from './uws.js';
export { createLog, logFromFunction, type Log, type LogOptions } from './log.js';
