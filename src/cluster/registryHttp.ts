// The registry's HTTP JSON API, mountable on any uWS app (so `mmo world` serves the registry
// and the gateway on one port):
//
//   POST /register    {type, host, port, capacity, region?, id?}  → {id, timeoutMs}
//   POST /heartbeat   {id, load, players?, cpu?, memoryMB?, zones?} → {server}
//   POST /deregister  {id}                                          → {ok: true}
//   POST /query       {type}                                        → {servers}  (active, least loaded first)
//   GET  /servers                                                   → [server]   (all, with `active`)
//   GET  /stats                                                     → {rejections: {total, byStatus, byReason}}
//
// Writes carry the writing server's own key as `Authorization: Bearer <key>`; a registry with
// `serverKeys` lets only the holder of id X's key change X (401 without a key, 403 with another
// one). Reads are open. Refusals are {error, reason: RegistryErrorCode, field?}: 400 malformed
// JSON or bad fields, 404 unknown id, 409 endpoint taken, 413 body over the cap, 503 full.

import type { TemplatedApp } from 'uWebSockets.js';
import { onlyFields, required } from './fields.js';
import { HttpError, bearer, getJson, newApp, notFound, postJson, rejectionsOf, type JsonRouteOptions, type RequestContext } from './http.js';
import { Registry, RegistryError, checkServerId, checkServerType, type HeartbeatInput, type RegisterInput } from './registry.js';

export interface RegistryHttpOptions extends JsonRouteOptions {
  /** Prepended to every path, e.g. '/registry'. Default ''. */
  prefix?: string;
}

const STATUS_OF: Record<RegistryError['code'], number> = {
  invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409, full: 503, unavailable: 503,
};

/** A RegistryError as an HTTP refusal carrying its code (so a RegistryClient rebuilds the same error). */
export function registryErrorToHttp(e: unknown): HttpError | undefined {
  if (!(e instanceof RegistryError)) return undefined;
  const headers: Record<string, string> = e.code === 'unauthorized' ? { 'WWW-Authenticate': 'Bearer' } : {};
  return new HttpError(STATUS_OF[e.code], e.message, { reason: e.code, ...(e.field ? { field: e.field } : {}) }, headers);
}

/** The writer's server key from the Authorization header (undefined when none was sent). */
function keyOf(ctx: RequestContext): string | undefined {
  return bearer(ctx.authorization) || undefined;
}

/** Mounts the registry endpoints on `app`. */
export function mountRegistry(app: TemplatedApp, registry: Registry, options: RegistryHttpOptions = {}): TemplatedApp {
  const prefix = options.prefix ?? '';
  const map = registryErrorToHttp;

  postJson(app, `${prefix}/register`, options, (body, ctx) => {
    const id = registry.register(body as unknown as RegisterInput, ctx.now, keyOf(ctx));
    return { id, timeoutMs: registry.timeoutMs };
  }, map);

  postJson(app, `${prefix}/heartbeat`, options, (body, ctx) => {
    const id = checkServerId(required(body, 'id'));
    const stats: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (k !== 'id') stats[k] = v;
    return { server: registry.heartbeat(id, stats as unknown as HeartbeatInput, ctx.now, keyOf(ctx)) };
  }, map);

  postJson(app, `${prefix}/deregister`, options, (body, ctx) => {
    onlyFields(body, ['id']);
    registry.deregister(checkServerId(required(body, 'id')), keyOf(ctx));
    return { ok: true };
  }, map);

  postJson(app, `${prefix}/query`, options, (body, ctx) => {
    onlyFields(body, ['type']);
    return { servers: registry.query(checkServerType(required(body, 'type')), ctx.now) };
  }, map);

  getJson(app, `${prefix}/servers`, options, (ctx) => registry.servers(ctx.now), map);
  // Refused requests on this app (registry, gateway, 404s) by status and reason.
  getJson(app, `${prefix}/stats`, options, () => ({ rejections: rejectionsOf(app).snapshot() }), map);

  return app;
}

/** A uWS app serving only the registry (404 elsewhere). Listen with `listen(app, host, port)`. */
export function createRegistryApp(registry: Registry, options: RegistryHttpOptions = {}): TemplatedApp {
  const app = newApp();
  mountRegistry(app, registry, options);
  notFound(app);
  return app;
}
