// Loads uWebSockets.js and refuses to run on its silent JavaScript fallback: the fork prints a
// warning and carries on ~10× slower when the native binary does not load. Also the one way a
// uWS app listens here: exclusively, so a second server on a busy port fails instead of
// sharing it.

import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type * as UWS from 'uWebSockets.js';

const require = createRequire(import.meta.url);

function loadNative(): typeof UWS {
  const uws = require('uWebSockets.js') as typeof UWS;
  const cached = Object.keys(require.cache);
  const native = cached.some((k) => /[\\/]binaries[\\/]uws_[^\\/]+\.node$/.test(k));
  const fallback = cached.some((k) => /uWebSockets\.js[\\/]dist[\\/]index\.js$/.test(k));
  if (!native || fallback) {
    throw new Error(`uWebSockets.js native binary did not load for ${process.platform}-${process.arch} ` +
      `(Node ABI ${process.versions.modules}); refusing the slow JavaScript fallback`);
  }
  return uws;
}

export const uWS = loadNative();
export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket } from 'uWebSockets.js';

/** How long a server that stops gives its connections to finish (a close handshake, a request in flight) before it cuts them. */
export const CLOSE_GRACE_MS = 2_000;

/**
 * Closes every socket of `app`, its listen sockets and HTTP connections included. An idle
 * keep-alive HTTP connection has no handle to close it by, and uWS keeps one 10 s: it would
 * hold a stopping process that long, and a worker thread ended by force with a uWS socket open
 * aborts the whole process. The native build has App.close(); its typings do not say so.
 */
export function closeApp(app: UWS.TemplatedApp): void {
  const close = (app as UWS.TemplatedApp & { close?: () => void }).close;
  if (typeof close !== 'function') throw new Error('this uWebSockets.js build has no App.close()');
  close.call(app);
}

/** For a server that has closed its listen socket: whatever connection is left after CLOSE_GRACE_MS is cut. */
export function closeAppAfterGrace(app: UWS.TemplatedApp): void {
  setTimeout(() => closeApp(app), CLOSE_GRACE_MS).unref();
}

/** A listening socket of a uWS app and the port it got (useful when 0 was asked for). */
export interface ListenSocket {
  readonly socket: UWS.us_listen_socket;
  readonly port: number;
}

/** The port is taken (by another process or server); the message is one line for a user. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use`);
  }
}

// The typings lack the (host, port, options, cb) overload and the option's value the native
// module has.
const EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: UWS.us_listen_socket | false) => void) => unknown;

/**
 * Listens without SO_REUSEPORT (uWS's default would let two servers share a port and split
 * its clients). Rejects with PortInUseError when the port is taken, or with why else it failed.
 */
export function listenExclusive(app: UWS.TemplatedApp, host: string, port: number): Promise<ListenSocket> {
  return new Promise((resolve, reject) => {
    (app.listen as unknown as ListenWithOptions).call(app, host, port, EXCLUSIVE_PORT, (socket) => {
      if (socket) resolve({ socket, port: uWS.us_socket_local_port(socket) });
      else whyNotListening(host, port).then(reject);
    });
  });
}

/** uWS says only "no": a plain bind of the same address names the reason. */
function whyNotListening(host: string, port: number): Promise<Error> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code === 'EADDRINUSE' ? new PortInUseError(host, port) : new Error(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(new Error(`cannot listen on ${host}:${port}`))));
  });
}
