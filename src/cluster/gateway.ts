// The gateway: logs players in and routes them to a server of the asked type with a signed,
// expiring, single-use join token.
//
// HTTP (mountGateway):
//   POST /login {name, password}
//     → 200 {accountId, playerId, name, created, token, expiresAt}   token = session token
//     400 {error, field} bad name/password shape · 401 wrong password · 409 name held by another
//     account · 429 too many wrong passwords for that name · 503 too many logins in progress (or
//     one for this name already)
//   POST /route {type, region?}   with header  Authorization: Bearer <session token>
//     → 200 {endpoint: 'ws://host:port/', token, expiresAt, serverId, region}   token = join token
//     401 missing/invalid/expired session · 400 bad type/region · 503 no server available (or a
//     remote registry unreachable)
// Bodies: JSON objects of at most 16 KiB (413), malformed → 400, unknown fields → 400.

import type { TemplatedApp } from 'uWebSockets.js';
import { login, type AuthStore, type LoginFailure, type Spawn } from './auth.js';
import { onlyFields, own, required } from './fields.js';
import { HttpError, bearer, newApp, notFound, postJson, type JsonRouteOptions } from './http.js';
import type { Directory } from './directory.js';
import { LoadBalancer, NoServerError, canTake, type RandomSource, type Strategy } from './loadBalancer.js';
import { RegistryError, checkRegion, checkServerType, type ServerInfo, type ServerType } from './registry.js';
import { Reservations } from './reservations.js';
import { inRect, type Rect } from '../sim/index.js';
import {
  newNonce, signJoinToken, signSessionToken, verifySessionToken, type Secret, type SessionPayload, type TokenResult,
} from './tokens.js';

/** Where each zone server's part of the map is, so a returning player goes back to it. */
export interface ZoneBounds {
  serverId: string;
  bounds: Rect;
}

/** Where players were saved; PlayerStore fits it. */
export interface SavedPositions {
  player(playerId: number): { x: number; y: number } | undefined;
}

export interface GatewayOptions {
  store: AuthStore;
  /** Where servers are found: a LocalDirectory, or a RegistryClient for a remote master. */
  directory: Directory;
  /** Signs session and join tokens; servers verifying join tokens need the same one. ≥ 16 bytes. */
  secret: Secret;
  /** Used by the 'weighted' and 'random' strategies. */
  rng?: RandomSource;
  /** One strategy for every type, or per type. Default 'geographic' (region tag, else least loaded). */
  strategy?: Strategy | Partial<Record<ServerType, Strategy>>;
  clock?: () => number;
  /** Join token lifetime, and the longest a routed player counts on its server's load. Default 30 s. */
  joinTtlMs?: number;
  /** The world's zones: a player whose saved position lies in an active one is routed there. */
  zones?: readonly ZoneBounds[];
  /** Saved positions of players (read with `zones`). */
  positions?: SavedPositions;
  /** Session token lifetime. Default 1 h. */
  sessionTtlMs?: number;
  /** Where a player created at first login starts. Default {x: 0, y: 0, zone: ''}. */
  spawn?: Spawn;
  /** Logins hashing at once (scrypt uses the libuv pool); more are refused as 'busy'. Default 32. */
  maxPendingLogins?: number;
  /** Wrong passwords for one name within failureWindowMs before it is 'throttled'. Default 5. */
  maxFailures?: number;
  failureWindowMs?: number;
}

export type GatewayLoginFailure = LoginFailure | 'throttled' | 'busy';

export type GatewayLogin =
  | { ok: true; accountId: number; playerId: number; name: string; created: boolean; token: string; expiresAt: number }
  | { ok: false; reason: GatewayLoginFailure; message: string };

export interface Identity {
  accountId: number;
  playerId: number;
  name: string;
}

export interface Route {
  /** Where the client opens its WebSocket. */
  endpoint: string;
  /** Join token to send in Hello. */
  token: string;
  expiresAt: number;
  /** The chosen server; its load counts the players routed there since its last heartbeat. */
  server: ServerInfo;
}

const MAX_THROTTLED_NAMES = 10_000;

/** ws://host:port/ with an IPv6 literal bracketed. */
export function endpointOf(s: { host: string; port: number }): string {
  return `ws://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/`;
}

export class Gateway {
  private readonly clock: () => number;
  private readonly joinTtlMs: number;
  private readonly sessionTtlMs: number;
  private readonly maxPending: number;
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;
  private readonly balancers = new Map<ServerType, LoadBalancer>();
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly inFlight = new Set<string>();
  private pending = 0;
  /** Players routed since their server's last heartbeat, so a burst does not herd. */
  private readonly reservations: Reservations;

  constructor(private readonly options: GatewayOptions) {
    this.clock = options.clock ?? Date.now;
    this.joinTtlMs = options.joinTtlMs ?? 30_000;
    this.sessionTtlMs = options.sessionTtlMs ?? 3_600_000;
    this.maxPending = options.maxPendingLogins ?? 32;
    this.maxFailures = options.maxFailures ?? 5;
    this.failureWindowMs = options.failureWindowMs ?? 60_000;
    this.reservations = new Reservations(this.joinTtlMs);
    // Fail at start, not at the first login, on a short secret.
    signSessionToken({ accountId: 1, playerId: 1, name: 'x', expiresAt: 0, nonce: newNonce() }, options.secret);
  }

  /** Checks the password (creating the account on a first login) and issues a session token. */
  async login(name: unknown, password: unknown, now = this.clock()): Promise<GatewayLogin> {
    const key = typeof name === 'string' ? name.normalize('NFC') : '';
    const f = this.failures.get(key);
    if (f && now - f.since < this.failureWindowMs && f.count >= this.maxFailures) {
      return { ok: false, reason: 'throttled', message: `too many wrong passwords; try again in ${Math.ceil((f.since + this.failureWindowMs - now) / 1000)} s` };
    }
    if (this.pending >= this.maxPending) return { ok: false, reason: 'busy', message: 'too many logins in progress; try again' };
    // One attempt per name at a time, so parallel guesses cannot outrun the failure count.
    if (this.inFlight.has(key)) return { ok: false, reason: 'busy', message: 'a login for this name is in progress; try again' };
    this.pending++;
    this.inFlight.add(key);
    let r;
    try {
      r = await login(this.options.store, name, password, this.options.spawn);
    } finally {
      this.pending--;
      this.inFlight.delete(key);
    }
    if (!r.ok) {
      if (r.reason === 'wrong_password') this.failed(key, now);
      return r;
    }
    this.failures.delete(key);
    const expiresAt = now + this.sessionTtlMs;
    const token = signSessionToken({ accountId: r.accountId, playerId: r.playerId, name: r.name, expiresAt, nonce: newNonce() }, this.options.secret);
    return { ...r, token, expiresAt };
  }

  private failed(key: string, now: number): void {
    const f = this.failures.get(key);
    if (f && now - f.since < this.failureWindowMs) {
      f.count++;
      return;
    }
    this.failures.delete(key);
    if (this.failures.size >= MAX_THROTTLED_NAMES) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(key, { count: 1, since: now });
  }

  /** Who a session token belongs to. */
  session(token: unknown, now = this.clock()): TokenResult<SessionPayload> {
    return verifySessionToken(token, this.options.secret, now);
  }

  private balancer(type: ServerType): LoadBalancer {
    let b = this.balancers.get(type);
    if (!b) {
      const s = this.options.strategy;
      b = new LoadBalancer((typeof s === 'string' ? s : s?.[type]) ?? 'geographic', this.options.rng);
      this.balancers.set(type, b);
    }
    return b;
  }

  /**
   * Picks an active, non-full server of `type` and signs a join token bound to it: for a zone,
   * the one holding the player's saved position when it can take the player; otherwise by the
   * strategy (near `region` for 'geographic'), counting the players it routed since each
   * server's last heartbeat. Throws NoServerError when there is none, FieldError on a bad type
   * or region, RegistryError('unavailable') when a remote registry cannot be reached.
   */
  async route(who: Identity, type: ServerType, region?: string, now = this.clock()): Promise<Route> {
    const t = checkServerType(type);
    const r = region === undefined ? undefined : checkRegion(region);
    const servers = this.reservations.adjust(await this.options.directory.query(t), now);
    const server = (t === 'zone' ? this.home(who, servers) : undefined) ?? this.balancer(t).pick(servers, r);
    this.reservations.add(server.id, now);
    const expiresAt = now + this.joinTtlMs;
    const token = signJoinToken({
      accountId: who.accountId, playerId: who.playerId, name: who.name, serverId: server.id, expiresAt, nonce: newNonce(),
    }, this.options.secret);
    return { endpoint: endpointOf(server), token, expiresAt, server };
  }

  /** The zone server holding the player's saved position, when it is among `servers` and can take one more. */
  private home(who: Identity, servers: readonly ServerInfo[]): ServerInfo | undefined {
    const zones = this.options.zones;
    if (zones === undefined) return undefined;
    const saved = this.options.positions?.player(who.playerId);
    if (saved === undefined) return undefined;
    const owner = zones.find((z) => inRect(z.bounds, saved.x, saved.y));
    return owner && servers.find((s) => s.id === owner.serverId && canTake(s));
  }
}

const LOGIN_STATUS: Record<GatewayLoginFailure, number> = {
  bad_name: 400, bad_password: 400, wrong_password: 401, name_taken: 409, throttled: 429, busy: 503,
};

export interface GatewayHttpOptions extends JsonRouteOptions {
  /** Prepended to both paths. Default ''. */
  prefix?: string;
}

function gatewayErrorToHttp(e: unknown): HttpError | undefined {
  if (e instanceof NoServerError) return new HttpError(503, e.message);
  if (e instanceof RegistryError && e.code === 'unavailable') return new HttpError(503, 'server registry unavailable; try again');
  return undefined;
}

/** Mounts POST /login and POST /route on `app`. */
export function mountGateway(app: TemplatedApp, gateway: Gateway, options: GatewayHttpOptions = {}): TemplatedApp {
  const prefix = options.prefix ?? '';
  postJson(app, `${prefix}/login`, options, async (body, ctx) => {
    onlyFields(body, ['name', 'password']);
    const r = await gateway.login(required(body, 'name'), required(body, 'password'), ctx.now);
    if (!r.ok) {
      const field = r.reason === 'bad_name' ? { field: 'name' } : r.reason === 'bad_password' ? { field: 'password' } : {};
      throw new HttpError(LOGIN_STATUS[r.reason], r.message, { reason: r.reason, ...field });
    }
    return { accountId: r.accountId, playerId: r.playerId, name: r.name, created: r.created, token: r.token, expiresAt: r.expiresAt };
  }, gatewayErrorToHttp);

  postJson(app, `${prefix}/route`, options, async (body, ctx) => {
    const presented = bearer(ctx.authorization);
    if (presented === '') {
      throw new HttpError(401, 'missing session token: send Authorization: Bearer <token from /login>', { reason: 'missing' }, { 'WWW-Authenticate': 'Bearer' });
    }
    const s = gateway.session(presented, ctx.now);
    if (!s.ok) throw new HttpError(401, `session refused: ${s.message}`, { reason: s.reason }, { 'WWW-Authenticate': 'Bearer' });
    onlyFields(body, ['type', 'region']);
    const region = own(body, 'region');
    const r = await gateway.route(s.payload, checkServerType(required(body, 'type')), region === undefined ? undefined : checkRegion(region), ctx.now);
    return { endpoint: r.endpoint, token: r.token, expiresAt: r.expiresAt, serverId: r.server.id, region: r.server.region };
  }, gatewayErrorToHttp);
  return app;
}

/** A uWS app serving only the gateway (404 elsewhere). */
export function createGatewayApp(gateway: Gateway, options: GatewayHttpOptions = {}): TemplatedApp {
  const app = newApp();
  mountGateway(app, gateway, options);
  notFound(app);
  return app;
}
