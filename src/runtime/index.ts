export { startTsWorker } from './worker.js';
export { RUNNING_FROM_SOURCE, runnableModule } from './modules.js';
export { CLOSE_GRACE_MS, PortInUseError, closeApp, closeAppAfterGrace, listenExclusive, uWS, type ListenSocket, type HttpRequest, type HttpResponse, type TemplatedApp, type WebSocket } from './uws.js';
export { createLog, logFromFunction, type Log, type LogOptions } from './log.js';
export { HELPER_THREAD_NICENESS, lowerRuntimeThreads, lowerThisThread, restoreRuntimeThreads } from './threadPriority.js';
export { BetweenTicksGc } from './youngGc.js';
