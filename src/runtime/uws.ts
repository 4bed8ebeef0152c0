// Loads uWebSockets.js and refuses to run on its silent JavaScript fallback: the fork prints a
// warning and carries on ~10× slower when the native binary does not load.

import { createRequire } from 'node:module';
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
