export { startTsWorker } from './worker.js';
export { uWS, type HttpRequest, type HttpResponse, type TemplatedApp, type WebSocket } from './uws.js';
