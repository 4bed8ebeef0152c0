// The zone's HTTP endpoints: /health, /status, /metrics, /players and the live viewer, each
// answering GET and HEAD (the same status and headers, no body), under a path prefix so a
// shared front can mount several zones on one port.

import type { HttpResponse, TemplatedApp } from '../runtime/index.js';
import { VIEWER_BUNDLE_PATH, viewerBundle, viewerHtml } from '../viewer/index.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';

/** What an endpoint answers. */
interface Reply {
  body: string;
  type: string;
  /** Default 200 OK. */
  status?: string;
}

/** What the endpoints read from the zone. */
export interface ZoneHttpSource {
  health(): 'ok' | 'draining';
  status(): unknown;
  players(): Record<string, string[]>;
  names(): Record<number, string>;
  metricsText(): Promise<string>;
}

const json = (body: unknown): Reply => ({ body: JSON.stringify(body), type: 'application/json' });

/** Mounts the endpoints on `app` under `prefix` ('' for a zone's own port). */
export function mountZoneHttp(app: TemplatedApp, prefix: string, zone: ZoneHttpSource): TemplatedApp {
  const page = viewerHtml({ scriptSrc: `${prefix}${VIEWER_BUNDLE_PATH}` });
  serve(app, `${prefix}/health`, () => json({ status: zone.health() }));
  serve(app, `${prefix}/status`, () => json(zone.status()));
  serve(app, `${prefix}/players`, () => json(zone.players()));
  serve(app, `${prefix}/names`, () => json(zone.names()));
  serve(app, `${prefix}/metrics`, async () => ({ body: await zone.metricsText(), type: METRICS_CONTENT_TYPE }));
  serve(app, `${prefix}/viewer`, () => ({ body: page, type: 'text/html; charset=utf-8' }));
  serve(app, `${prefix}${VIEWER_BUNDLE_PATH}`, async () => ({ body: await viewerBundle(), type: 'application/javascript' }));
  return app;
}

/** A zone in a /zones list: where its routes are and what it covers. */
export interface ZoneListing {
  zoneId: number;
  name: string;
  /** Path prefix of its routes ('' at the root). */
  prefix: string;
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

/** GET /zones: the zones this port serves (the viewer's zone chooser). */
export function mountZoneList(app: TemplatedApp, zones: () => ZoneListing[]): TemplatedApp {
  serve(app, '/zones', () => json({ zones: zones() }));
  return app;
}

/** The 404 of a zone's own port, for every path no endpoint took. */
export function notFound(app: TemplatedApp): TemplatedApp {
  return app.any('/*', (res) => write(res, { status: '404 Not Found', ...json({ error: 'not found' }) }, true));
}

/** One endpoint, for GET and HEAD alike. */
function serve(app: TemplatedApp, path: string, reply: () => Reply | Promise<Reply>): void {
  app.get(path, (res) => answer(res, reply, true)).head(path, (res) => answer(res, reply, false));
}

/** Answers now, or when the reply is ready unless the client went away (uWS then forbids writing). */
function answer(res: HttpResponse, reply: () => Reply | Promise<Reply>, withBody: boolean): void {
  const r = reply();
  if (!(r instanceof Promise)) return write(res, r, withBody);
  let aborted = false;
  res.onAborted(() => { aborted = true; });
  r.then((ready) => {
    if (!aborted) write(res, ready, withBody);
  }, (e: Error) => {
    if (!aborted) write(res, { status: '500 Internal Server Error', body: e.message, type: 'text/plain' }, withBody);
  });
}

/** The reply, or for HEAD its status and headers with the length the body would have. */
function write(res: HttpResponse, r: Reply, withBody: boolean): void {
  res.cork(() => {
    if (r.status) res.writeStatus(r.status);
    res.writeHeader('Content-Type', r.type);
    if (withBody) res.end(r.body);
    // endWithoutBody(length) aborts the process in this uWS build; the header by hand does not.
    else res.writeHeader('Content-Length', String(Buffer.byteLength(r.body))).endWithoutBody();
  });
}
