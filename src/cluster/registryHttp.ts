// The registry's HTTP JSON API, mountable on any uWS app (so `mmo world` serves the registry
// and the gateway on one port):
//
//   POST /register    {type, host, port, capacity, region?, id?}  → {id, timeoutMs}
//   POST /heartbeat   {id, load, players?, cpu?, memoryMB?, zones?} → {server}
//   POST /query       {type}                                        → {servers}  (active, least loaded first)
//   POST /deregister  {id}                                          → {ok: true}
//   GET  /servers                                                   → [server]   (all, with `active`; no secret needed)
//   GET  /stats                                                     → {rejections: {total, byStatus, byReason}}
//
// 400 {error, field} for malformed JSON or bad fields, 404 unknown id, 409 endpoint taken,
// 413 body over the cap, 503 registry full, 401 when a secret is set and not presented as
// `Authorization: Bearer <secret>`.

import { timingSafeEqual, createHash } from 'node:crypto';
import type { TemplatedApp } from 'uWebSockets.js';
import { onlyFields, required } from './fields.js';
import { HttpError, bearer, getJson, newApp, notFound, postJson, rejectionsOf, type JsonRouteOptions, type RequestContext } from './http.js';
import { Registry, RegistryError, checkServerId, checkServerType, type HeartbeatInput, type RegisterInput } from './registry.js';

export interface RegistryHttpOptions extends JsonRouteOptions {
  /** Prepended to every path, e.g. '/registry'. Default ''. */
  prefix?: string;
  /**
   * Shared secret of the cluster's servers. When set, every request must carry
   * `Authorization: Bearer <secret>`; without it anyone who can reach the port can register.
   */
  secret?: string;
}

const STATUS_OF: Record<RegistryError['code'], number> = { invalid: 400, not_found: 404, conflict: 409, full: 503 };

export function registryErrorToHttp(e: unknown): HttpError | undefined {
  if (!(e instanceof RegistryError)) return undefined;
  return new HttpError(STATUS_OF[e.code], e.message, e.field ? { field: e.field } : {});
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Mounts the registry endpoints on `app`. */
export function mountRegistry(app: TemplatedApp, registry: Registry, options: RegistryHttpOptions = {}): TemplatedApp {
  const prefix = options.prefix ?? '';
  const secret = options.secret === undefined ? undefined : digest(options.secret);
  if (options.secret !== undefined && options.secret.length < 16) throw new RangeError('registry secret must be at least 16 characters');
  const authorize = (ctx: RequestContext) => {
    if (!secret) return;
    // Hashing both sides gives equal lengths, so the comparison is constant-time.
    if (!timingSafeEqual(digest(bearer(ctx.authorization)), secret)) {
      throw new HttpError(401, 'missing or wrong registry secret (Authorization: Bearer <secret>)', {}, { 'WWW-Authenticate': 'Bearer' });
    }
  };
  const map = registryErrorToHttp;

  postJson(app, `${prefix}/register`, options, (body, ctx) => {
    authorize(ctx);
    const id = registry.register(body as unknown as RegisterInput, ctx.now);
    return { id, timeoutMs: registry.timeoutMs };
  }, map);

  postJson(app, `${prefix}/heartbeat`, options, (body, ctx) => {
    authorize(ctx);
    const id = checkServerId(required(body, 'id'));
    const stats: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (k !== 'id') stats[k] = v;
    return { server: registry.heartbeat(id, stats as unknown as HeartbeatInput, ctx.now) };
  }, map);

  postJson(app, `${prefix}/query`, options, (body, ctx) => {
    authorize(ctx);
    onlyFields(body, ['type']);
    return { servers: registry.query(checkServerType(required(body, 'type')), ctx.now) };
  }, map);

  postJson(app, `${prefix}/deregister`, options, (body, ctx) => {
    authorize(ctx);
    onlyFields(body, ['id']);
    registry.deregister(checkServerId(required(body, 'id')));
    return { ok: true };
  }, map);

  // Reading the list is open (operators, dashboards); every write needs the secret.
  getJson(app, `${prefix}/servers`, options, (ctx) => registry.servers(ctx.now), map);
  // Refused requests on this app (registry, gateway, 404s) by status and reason; open like /servers.
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
