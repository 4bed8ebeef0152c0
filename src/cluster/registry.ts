// The master's server registry: servers register, heartbeat their load, and are found by type.
// Pure logic: the caller passes the time (`now`, ms) into every call that needs it, so tests
// drive it with a fake clock and the HTTP layer reads its clock once per request.
//
// Trust: with `serverKeys` (server id → that server's own random key, provisioned by whoever
// starts the world) a registration may only be made, refreshed or removed by the holder of its
// id's key; without them the registry is open (tests, a single trusted host).
//
// A server whose last heartbeat (or registration) is `timeoutMs` old or older is inactive: it
// is never returned by `query`, and `servers` shows it with `active: false` until it heartbeats
// again, deregisters, or `sweep` forgets it after `forgetAfterMs`.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { FieldError, int, isRecord, num, onlyFields, oneOf, own, pattern, required, text } from './fields.js';

export const SERVER_TYPES = ['login', 'world', 'zone', 'chat', 'database', 'master'] as const;
export type ServerType = (typeof SERVER_TYPES)[number];

/** Heartbeat timeout from the design: 30 s without one and a server is inactive. */
export const HEARTBEAT_TIMEOUT_MS = 30_000;

/** Server ids: 1..64 of letters, digits, `_` and `-` (the bus's server id rule too). */
export const SERVER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Host: 1..253 characters that RFC 3986 allows in a host (unreserved, sub-delims, `%`), plus
 * `:` for an IPv6 literal (written without brackets). No whitespace, `/`, `?`, `#`, `@`, so the
 * endpoint built from it cannot point at another host or path.
 */
export const HOST_RE = /^[A-Za-z0-9._~!$&'()*+,;=:%-]{1,253}$/;
export const MAX_CAPACITY = 1_000_000;
export const MAX_LOAD = 1e9;
export const REGION_RULE = { min: 0, max: 64 } as const;
export const ZONE_NAME_RULE = { min: 1, max: 64 } as const;
export const MAX_ZONES_PER_SERVER = 256;

export interface RegisterInput {
  type: ServerType;
  host: string;
  port: number;
  /** Region tag for geographic balancing, matched exactly; '' (the default) means none. */
  region?: string;
  /** Most players (or connections) the server takes; load ≥ capacity means full. */
  capacity: number;
  /** A server re-registering after a restart passes its id back; otherwise one is assigned. */
  id?: string;
}

export interface HeartbeatInput {
  /** Current players or connections, compared with capacity. */
  load: number;
  players?: number;
  /** Process CPU, percent of one core (may exceed 100 on several cores). */
  cpu?: number;
  memoryMB?: number;
  /** Names of the zones this server runs. */
  zones?: string[];
}

export interface ServerInfo {
  id: string;
  type: ServerType;
  host: string;
  port: number;
  region: string;
  capacity: number;
  load: number;
  players: number;
  cpu: number | null;
  memoryMB: number | null;
  zones: string[];
  registeredAt: number;
  lastHeartbeat: number;
  active: boolean;
}

export interface RegistryOptions {
  /** No heartbeat for this long (inclusive) and a server is inactive. Default 30 000. */
  timeoutMs?: number;
  /** `sweep` forgets a server inactive this long after its timeout. Default 10 minutes. */
  forgetAfterMs?: number;
  /** Most servers held at once (registration beyond it is refused). Default 4096. */
  maxServers?: number;
  /**
   * Server id → the key only that server holds (≥ 16 characters). When given, register,
   * heartbeat and deregister of id X need X's key, and ids without a key are refused.
   */
  serverKeys?: Readonly<Record<string, string>>;
}

/**
 * `unauthorized`: no key presented where one is needed; `forbidden`: a key that is not the
 * id's; `unavailable`: the registry could not be reached (clients only).
 */
export type RegistryErrorCode = 'invalid' | 'not_found' | 'conflict' | 'full' | 'unauthorized' | 'forbidden' | 'unavailable';

/** Shortest per-server key accepted. */
export const MIN_SERVER_KEY_LENGTH = 16;

/** Refused input. `field` names the offending field for `invalid`. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(readonly code: RegistryErrorCode, message: string, readonly field?: string) {
    super(message);
  }
}

interface Entry extends Omit<ServerInfo, 'active'> {
  /** Set by sweep so it reports each server going inactive once. */
  swept: boolean;
}

const REGISTER_FIELDS = ['type', 'host', 'port', 'region', 'capacity', 'id'] as const;
const HEARTBEAT_FIELDS = ['load', 'players', 'cpu', 'memoryMB', 'zones'] as const;

/** Runs validation, turning a FieldError into RegistryError('invalid'). */
function validated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FieldError) throw new RegistryError('invalid', e.message, e.field);
    throw e;
  }
}

/** A fresh random key for each server id, for whoever starts the world to hand out (each server gets only its own). */
export function newServerKeys(ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, randomBytes(24).toString('base64url')]));
}

/** SHA-256 of a key: equal-length digests make the comparison constant-time, and no key is kept. */
function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function checkNow(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`now must be a finite number of ms, got ${now}`);
}

export function checkServerType(v: unknown, field = 'type'): ServerType {
  return oneOf(v, field, SERVER_TYPES);
}

export function checkServerId(v: unknown, field = 'id'): string {
  return pattern(v, field, SERVER_ID_RE, '1..64 characters of A-Z a-z 0-9 _ -');
}

export function checkRegion(v: unknown, field = 'region'): string {
  return text(v, field, REGION_RULE);
}

function parseRegister(input: unknown): Required<Omit<RegisterInput, 'id'>> & { id: string | undefined } {
  if (!isRecord(input)) throw new FieldError('body', 'must be a JSON object');
  onlyFields(input, REGISTER_FIELDS);
  const id = own(input, 'id');
  const region = own(input, 'region');
  return {
    type: checkServerType(required(input, 'type')),
    host: pattern(required(input, 'host'), 'host', HOST_RE,
      "1..253 characters of A-Z a-z 0-9 . _ ~ ! $ & ' ( ) * + , ; = : % - (a host name or IP address, no spaces)"),
    port: int(required(input, 'port'), 'port', 1, 65535),
    region: region === undefined ? '' : checkRegion(region),
    capacity: int(required(input, 'capacity'), 'capacity', 1, MAX_CAPACITY),
    id: id === undefined ? undefined : checkServerId(id),
  };
}

function parseHeartbeat(input: unknown): HeartbeatInput {
  if (!isRecord(input)) throw new FieldError('body', 'must be a JSON object');
  onlyFields(input, HEARTBEAT_FIELDS);
  const out: HeartbeatInput = { load: num(required(input, 'load'), 'load', 0, MAX_LOAD) };
  const players = own(input, 'players');
  if (players !== undefined) out.players = int(players, 'players', 0, MAX_LOAD);
  const cpu = own(input, 'cpu');
  if (cpu !== undefined) out.cpu = num(cpu, 'cpu', 0, 1e6);
  const mem = own(input, 'memoryMB');
  if (mem !== undefined) out.memoryMB = num(mem, 'memoryMB', 0, 1e9);
  const zones = own(input, 'zones');
  if (zones !== undefined) {
    if (!Array.isArray(zones)) throw new FieldError('zones', 'must be an array of zone names');
    if (zones.length > MAX_ZONES_PER_SERVER) throw new FieldError('zones', `has ${zones.length} entries, at most ${MAX_ZONES_PER_SERVER}`);
    out.zones = zones.map((z: unknown, i) => text(z, `zones[${i}]`, ZONE_NAME_RULE));
  }
  return out;
}

/** Lower is less loaded: load as a fraction of capacity. */
export function loadRatio(s: { load: number; capacity: number }): number {
  return s.load / s.capacity;
}

/** Least loaded first, ties by id (code-unit order, the same everywhere). */
export function byLoad(a: { id: string; load: number; capacity: number }, b: { id: string; load: number; capacity: number }): number {
  return loadRatio(a) - loadRatio(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Digests of the provisioned keys; refuses bad ids and short keys at start. */
function digestKeys(serverKeys: Readonly<Record<string, string>>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [id, key] of Object.entries(serverKeys)) {
    validated(() => checkServerId(id, 'serverKeys'));
    if (typeof key !== 'string' || key.length < MIN_SERVER_KEY_LENGTH) {
      throw new RangeError(`serverKeys[${JSON.stringify(id)}] must be a string of at least ${MIN_SERVER_KEY_LENGTH} characters`);
    }
    out.set(id, keyDigest(key));
  }
  return out;
}

export class Registry {
  readonly timeoutMs: number;
  readonly forgetAfterMs: number;
  readonly maxServers: number;
  private readonly entries = new Map<string, Entry>();
  /** type + host:port → ids registered there (several zones of one process may share a port). */
  private readonly endpoints = new Map<string, Set<string>>();
  private nextId = 1;
  /** Server id → digest of its key; undefined: an open registry. */
  private readonly keys: Map<string, Buffer> | undefined;

  constructor(options: RegistryOptions = {}) {
    this.keys = options.serverKeys === undefined ? undefined : digestKeys(options.serverKeys);
    this.timeoutMs = options.timeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    this.forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
    this.maxServers = options.maxServers ?? 4096;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError('timeoutMs must be > 0');
    if (!Number.isFinite(this.forgetAfterMs) || this.forgetAfterMs < 0) throw new RangeError('forgetAfterMs must be ≥ 0');
    if (!Number.isSafeInteger(this.maxServers) || this.maxServers < 1) throw new RangeError('maxServers must be an integer ≥ 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether writes need a per-server key. */
  get keyed(): boolean {
    return this.keys !== undefined;
  }

  /** Refuses a write to `id` (undefined: an anonymous registration) by anyone but the holder of its key. */
  private authorize(id: string | undefined, key: string | undefined): void {
    if (this.keys === undefined) return;
    if (key === undefined || key === '') throw new RegistryError('unauthorized', 'missing server key (Authorization: Bearer <this server\'s key>)');
    if (id === undefined) throw new RegistryError('forbidden', 'registration needs the id the key was provisioned for', 'id');
    const expected = this.keys.get(id);
    if (expected === undefined || !timingSafeEqual(keyDigest(key), expected)) {
      throw new RegistryError('forbidden', `this key may not change server ${JSON.stringify(id)}`, 'id');
    }
  }

  /**
   * Registers a server (registration counts as its first heartbeat, load 0) and returns its id.
   * The same id registering again replaces its record (a restart, maybe on a new port). An
   * anonymous registration (no id) of a type + host:port someone holds is a conflict (likely a
   * restarted server that lost its id); servers with their own ids may share an endpoint (a
   * process serving several zones on one port routes connections by join token).
   * `key`: the caller's server key, checked when the registry has `serverKeys`.
   */
  register(input: RegisterInput, now: number, key?: string): string {
    checkNow(now);
    const r = validated(() => parseRegister(input));
    this.authorize(r.id, key);
    const endpoint = `${r.type} ${r.host}:${r.port}`;
    const holders = this.endpoints.get(endpoint);
    if (r.id === undefined && holders !== undefined && holders.size > 0) {
      throw new RegistryError('conflict', `${r.type} server ${r.host}:${r.port} is already registered as ${[...holders].join(', ')}`, 'port');
    }
    const previous = r.id === undefined ? undefined : this.entries.get(r.id);
    if (!previous && this.entries.size >= this.maxServers) {
      throw new RegistryError('full', `registry holds ${this.maxServers} servers, the most it takes`);
    }
    const id = r.id ?? this.newId(r.type);
    if (previous) this.endpoints.get(`${previous.type} ${previous.host}:${previous.port}`)?.delete(id);
    this.entries.set(id, {
      id, type: r.type, host: r.host, port: r.port, region: r.region, capacity: r.capacity,
      load: 0, players: 0, cpu: null, memoryMB: null, zones: [],
      registeredAt: now, lastHeartbeat: now, swept: false,
    });
    if (!this.endpoints.has(endpoint)) this.endpoints.set(endpoint, new Set());
    this.endpoints.get(endpoint)!.add(id);
    return id;
  }

  private newId(type: ServerType): string {
    for (;;) {
      const id = `${type}-${this.nextId++}`;
      if (!this.entries.has(id)) return id;
    }
  }

  /** Records a heartbeat: the server is active again and its load is current. */
  heartbeat(id: string, stats: HeartbeatInput, now: number, key?: string): ServerInfo {
    checkNow(now);
    this.authorize(validated(() => checkServerId(id)), key);
    const e = this.entry(id);
    const h = validated(() => parseHeartbeat(stats));
    e.load = h.load;
    e.players = h.players ?? e.players;
    if (h.cpu !== undefined) e.cpu = h.cpu;
    if (h.memoryMB !== undefined) e.memoryMB = h.memoryMB;
    if (h.zones !== undefined) e.zones = h.zones;
    e.lastHeartbeat = now;
    e.swept = false;
    return this.info(e, now);
  }

  /** Removes a server; unknown ids throw. */
  deregister(id: string, key?: string): void {
    this.authorize(validated(() => checkServerId(id)), key);
    this.forget(this.entry(id));
  }

  private forget(e: Entry): void {
    this.entries.delete(e.id);
    this.endpoints.get(`${e.type} ${e.host}:${e.port}`)?.delete(e.id);
  }

  /** One server (active or not); unknown ids throw. */
  server(id: string, now: number): ServerInfo {
    checkNow(now);
    return this.info(this.entry(id), now);
  }

  /** Active servers of a type, least loaded (load / capacity) first, ties by id. Full ones included. */
  query(type: ServerType, now: number): ServerInfo[] {
    checkNow(now);
    const t = validated(() => checkServerType(type));
    const out: ServerInfo[] = [];
    for (const e of this.entries.values()) if (e.type === t && this.isActive(e, now)) out.push(this.info(e, now));
    return out.sort(byLoad);
  }

  /** Every server, active or not, by id. */
  servers(now: number): ServerInfo[] {
    checkNow(now);
    return [...this.entries.values()].map((e) => this.info(e, now)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Marks timed-out servers inactive and forgets those inactive for longer than forgetAfterMs.
   * Returns the ids that went inactive since the last sweep, and the ids forgotten.
   */
  sweep(now: number): { inactive: string[]; removed: string[] } {
    checkNow(now);
    const inactive: string[] = [];
    const removed: string[] = [];
    for (const e of [...this.entries.values()]) {
      if (this.isActive(e, now)) continue;
      if (now - e.lastHeartbeat >= this.timeoutMs + this.forgetAfterMs) {
        this.forget(e);
        removed.push(e.id);
      } else if (!e.swept) {
        e.swept = true;
        inactive.push(e.id);
      }
    }
    return { inactive, removed };
  }

  isActive(e: { lastHeartbeat: number }, now: number): boolean {
    return now - e.lastHeartbeat < this.timeoutMs;
  }

  private entry(id: string): Entry {
    const key = validated(() => checkServerId(id));
    const e = this.entries.get(key);
    if (!e) throw new RegistryError('not_found', `no server with id ${JSON.stringify(key)}`, 'id');
    return e;
  }

  private info(e: Entry, now: number): ServerInfo {
    return {
      id: e.id, type: e.type, host: e.host, port: e.port, region: e.region, capacity: e.capacity,
      load: e.load, players: e.players, cpu: e.cpu, memoryMB: e.memoryMB, zones: [...e.zones],
      registeredAt: e.registeredAt, lastHeartbeat: e.lastHeartbeat, active: this.isActive(e, now),
    };
  }
}
