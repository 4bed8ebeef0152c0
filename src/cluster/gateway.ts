// The gateway: logs players in and routes them to a server of the asked type with a signed,
// expiring, single-use join token.
//
// HTTP (mountGateway):
//   POST /login {name, password}
//     → 200 {accountId, playerId, name, created, token, expiresAt}   token = session token
//     400 {error, field} bad name/password shape · 401 wrong password · 409 name held by another
//     account · 429 too many wrong passwords for that name from this address, too many logins or
//     new accounts from this address · 503 the login queue is full (or a login for this name from
//     this address is in progress). 429 and 503 carry Retry-After (seconds).
//   POST /route {type, region?}   with header  Authorization: Bearer <session token>
//     → 200 {endpoint: 'ws://host:port/', token, expiresAt, serverId, region}   token = join token
//     401 missing/invalid/expired session · 400 bad type/region · 503 no server available (or a
//     remote registry unreachable)
// Bodies: JSON objects of at most 16 KiB (413), malformed → 400, unknown fields → 400.

import type { KeyObject } from 'node:crypto';
import type { TemplatedApp } from 'uWebSockets.js';
import type { AuthStore, Spawn } from './auth.js';
import { addressList, clientSource } from './clientAddress.js';
import { onlyFields, own, required } from './fields.js';
import { HashPool } from './hashPool.js';
import { HttpError, bearer, newApp, notFound, postJson, type JsonRouteOptions } from './http.js';
import { LoginGate, type GateFailure, type SourceLimits } from './loginGate.js';
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

/** Which zone a player is online in right now; OnlineLeases fits it. */
export interface OnlinePlayers {
  holder(playerId: number): string | undefined;
}

export interface GatewayOptions {
  store: AuthStore;
  /** Where servers are found: a LocalDirectory, or a RegistryClient for a remote master. */
  directory: Directory;
  /** Signs and checks session tokens (the gateway's own). ≥ 16 bytes. */
  secret: Secret;
  /** Ed25519 private key that signs join tokens: servers verify them with its public key and cannot make one. */
  joinKey: KeyObject;
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
  /** Where players are online: one already playing is routed to that zone, never to a second one. */
  online?: OnlinePlayers;
  /** Session token lifetime. Default 1 h. */
  sessionTtlMs?: number;
  /** Where a player created at first login starts. Default {x: 0, y: 0, zone: ''}. */
  spawn?: Spawn;
  /** Logins queued or hashing at once; more are refused as 'busy' (503). Default 1024. */
  maxPendingLogins?: number;
  /** Wrong passwords one source may try for one name before it is 'throttled'; regained over failureWindowMs. Default 5. */
  maxFailures?: number;
  /** Default 60 s. */
  failureWindowMs?: number;
  /** Per-source limits on logins and new accounts (see loginGate.ts for the defaults). */
  sourceLimits?: SourceLimits;
  /** Where passwords are hashed. Default a pool of its own (cores − 1 threads, started on first use). */
  hashPool?: HashPool;
}

export type GatewayLoginFailure = GateFailure;

export type GatewayLogin =
  | { ok: true; accountId: number; playerId: number; name: string; created: boolean; token: string; expiresAt: number }
  | { ok: false; reason: GatewayLoginFailure; message: string; retryAfterS?: number };

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

/** ws://host:port/ with an IPv6 literal bracketed. */
export function endpointOf(s: { host: string; port: number }): string {
  return `ws://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/`;
}

export class Gateway {
  private readonly clock: () => number;
  private readonly joinTtlMs: number;
  private readonly sessionTtlMs: number;
  private readonly pool: HashPool;
  private readonly logins: LoginGate;
  private readonly balancers = new Map<ServerType, LoadBalancer>();
  /** Players routed since their server's last heartbeat, so a burst does not herd. */
  private readonly reservations: Reservations;

  constructor(private readonly options: GatewayOptions) {
    this.clock = options.clock ?? Date.now;
    this.joinTtlMs = options.joinTtlMs ?? 30_000;
    this.sessionTtlMs = options.sessionTtlMs ?? 3_600_000;
    this.pool = options.hashPool ?? new HashPool();
    this.logins = new LoginGate({ ...options, pool: this.pool, limits: options.sourceLimits });
    this.reservations = new Reservations(this.joinTtlMs);
    // Fail at start, not at the first login, on a short secret.
    signSessionToken({ accountId: 1, playerId: 1, name: 'x', expiresAt: 0, nonce: newNonce() }, options.secret);
    signJoinToken({ accountId: 1, playerId: 1, name: 'x', expiresAt: 0, nonce: newNonce() }, options.joinKey);
  }

  /**
   * Checks the password (creating the account on a first login) and issues a session token.
   * `source` is the client's address (see clientAddress.ts): limits and throttles apply per source.
   */
  async login(name: unknown, password: unknown, source: string, now = this.clock()): Promise<GatewayLogin> {
    const r = await this.logins.login(name, password, source, now);
    if (!r.ok) return r;
    const expiresAt = now + this.sessionTtlMs;
    const token = signSessionToken({ accountId: r.accountId, playerId: r.playerId, name: r.name, expiresAt, nonce: newNonce() }, this.options.secret);
    return { ...r, token, expiresAt };
  }

  /** Stops the hashing threads of a pool the gateway made itself. */
  async close(): Promise<void> {
    if (!this.options.hashPool) await this.pool.close();
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
   * the one the player is online in (where a second join is then refused: one player, one
   * place), else the one holding its saved position when it can take the player; otherwise by the
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
    }, this.options.joinKey);
    return { endpoint: endpointOf(server), token, expiresAt, server };
  }

  /**
   * The zone server the player is online in, when it is among `servers`; else the one holding
   * its saved position, when it is among `servers` and can take one more.
   */
  private home(who: Identity, servers: readonly ServerInfo[]): ServerInfo | undefined {
    const online = this.options.online?.holder(who.playerId);
    const playing = online === undefined ? undefined : servers.find((s) => s.id === online);
    if (playing) return playing;
    const zones = this.options.zones;
    if (zones === undefined) return undefined;
    const saved = this.options.positions?.player(who.playerId);
    if (saved === undefined) return undefined;
    const owner = zones.find((z) => inRect(z.bounds, saved.x, saved.y));
    return owner && servers.find((s) => s.id === owner.serverId && canTake(s));
  }
}

const LOGIN_STATUS: Record<GatewayLoginFailure, number> = {
  bad_name: 400, bad_password: 400, wrong_password: 401, name_taken: 409,
  throttled: 429, too_many_attempts: 429, too_many_accounts: 429, busy: 503,
};

export interface GatewayHttpOptions extends JsonRouteOptions {
  /** Prepended to both paths. Default ''. */
  prefix?: string;
  /**
   * Reverse proxies (addresses or CIDR subnets) whose X-Forwarded-For names the client, for
   * per-source limits. Default none: the connection's own address is the source.
   */
  trustedProxies?: readonly string[];
}

function gatewayErrorToHttp(e: unknown): HttpError | undefined {
  if (e instanceof NoServerError) return new HttpError(503, e.message);
  if (e instanceof RegistryError && e.code === 'unavailable') return new HttpError(503, 'server registry unavailable; try again');
  return undefined;
}

/** Mounts POST /login and POST /route on `app`. */
export function mountGateway(app: TemplatedApp, gateway: Gateway, options: GatewayHttpOptions = {}): TemplatedApp {
  const prefix = options.prefix ?? '';
  const proxies = options.trustedProxies?.length ? addressList(options.trustedProxies, 'trusted proxy') : undefined;
  postJson(app, `${prefix}/login`, options, async (body, ctx) => {
    onlyFields(body, ['name', 'password']);
    const source = clientSource(ctx.peer, ctx.forwardedFor, proxies);
    const r = await gateway.login(required(body, 'name'), required(body, 'password'), source, ctx.now);
    if (!r.ok) {
      const field = r.reason === 'bad_name' ? { field: 'name' } : r.reason === 'bad_password' ? { field: 'password' } : {};
      const retry: Record<string, string> = r.retryAfterS === undefined ? {} : { 'Retry-After': String(r.retryAfterS) };
      throw new HttpError(LOGIN_STATUS[r.reason], r.message, { reason: r.reason, ...field }, retry);
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
