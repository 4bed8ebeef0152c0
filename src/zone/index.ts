export { Fanout, newViewer, type Viewer } from './fanout.js';
export { TickDriver, realClock, type DriverClock } from './driver.js';
export { DEFAULT_OPTIONS, resolveOptions, type ZoneServerInit, type ZoneServerOptions } from './options.js';
export { ZoneServer, startZoneServer, type ZoneStatus } from './server.js';
export { SharedFront } from './front.js';
