// The registry over the bus: the same four calls as the HTTP API (registryHttp.ts), as
// request/reply messages (schemas/cluster.fbs: RegistryRegister, RegistryHeartbeat,
// RegistryQuery, RegistryDeregister -> RegistryReply).
//
//   // master
//   const service = serveRegistry(bus, registry);          // answers on registry.request
//   // any server
//   const client = new BusRegistryClient(bus, { timeoutMs: 2000, registryId: 'master' });
//   await client.register({ type: 'zone', host: '10.0.0.5', port: 9001, capacity: 200 });
//   await client.heartbeat({ load: 17, players: 17 });      // every < 30 s
//   const { servers } = await client.query('zone');        // active, least loaded first
//   await client.deregister();
//
// Requests go to `registry.request`; the registry answers each with one RegistryReply (same
// request_id) on `registry.reply.<sender>`, refusals included (ok = false, with the
// RegistryError's code, message and field), so a handler never throws at the bus.
//
// Identity: the server a request is about is ALWAYS the authenticated sender (MessageMeta.from,
// established by the bus handshake and per-message MAC). No request carries a server id, so a
// server can neither register, heartbeat nor deregister another one, and replies go only to the
// subject of the server that asked.
//
// The older fire-and-forget heartbeat stays: servers publish LoadReport on `registry.load`
// (publishLoad) and the master applies them with bridgeLoadReports.

import {
  BusClosedError,
  BusEncodeError,
  REPLY_MAX_SERVERS,
  RegistryErrorCode as WireErrorCode,
  ServerType as BusServerType,
  type Bus,
  type BusPayload,
  type MessageMeta,
  type RegistryReplyBody,
  type ServerRecordObj,
  type Unsubscribe,
} from '../bus/index.js';
import {
  Registry,
  RegistryError,
  SERVER_TYPES,
  type RegistryErrorCode,
  type ServerInfo,
  type ServerType,
} from './registry.js';

export const LOAD_SUBJECT = 'registry.load';
/** Where registry requests are published. */
export const REGISTRY_REQUEST_SUBJECT = 'registry.request';

/** Where the registry answers `serverId`'s requests. */
export function registryReplySubject(serverId: string): string {
  return `registry.reply.${serverId}`;
}

// ------------------------------------------------------------------ load reports (fire and forget)

/** Applies verified load reports to the registry; unknown or mismatched senders are counted and dropped. */
export function bridgeLoadReports(bus: Bus, registry: Registry, clock: () => number = Date.now): { stop: Unsubscribe; dropped: () => number } {
  let dropped = 0;
  const stop = bus.subscribe(LOAD_SUBJECT, (msg, meta) => {
    if (msg.type !== 'loadReport' || msg.serverId !== meta.from) {
      dropped++;
      return;
    }
    try {
      registry.heartbeat(meta.from, { load: Math.round(msg.load * msg.capacity) }, clock());
    } catch {
      dropped++; // not registered (yet): it registers first
    }
  });
  return { stop, dropped: () => dropped };
}

/** What a server publishes: its load as a share of its capacity. */
export function publishLoad(bus: Bus, players: number, capacity: number): void {
  bus.publish(LOAD_SUBJECT, { type: 'loadReport', serverId: bus.serverId, load: capacity > 0 ? players / capacity : 0, capacity });
}

// ------------------------------------------------------------------ server types

/** Registry type names by bus ServerType ('gateway' is not a registry type: it is refused there). */
const TYPE_NAMES: Record<BusServerType, string> = {
  [BusServerType.None]: 'none',
  [BusServerType.Login]: 'login',
  [BusServerType.World]: 'world',
  [BusServerType.Zone]: 'zone',
  [BusServerType.Chat]: 'chat',
  [BusServerType.Database]: 'database',
  [BusServerType.Master]: 'master',
  [BusServerType.Gateway]: 'gateway',
};

/** The registry's type name for a bus ServerType. */
export function registryTypeName(t: BusServerType): string {
  return TYPE_NAMES[t] ?? String(t);
}

/** The bus ServerType for a type name ('zone', 'gateway', ...), or undefined. */
export function busServerType(name: string): BusServerType | undefined {
  for (const [k, v] of Object.entries(TYPE_NAMES)) if (v === name && v !== 'none') return Number(k) as BusServerType;
  return undefined;
}

// ------------------------------------------------------------------ serving

const ERROR_CODES: Record<RegistryErrorCode, WireErrorCode> = {
  invalid: WireErrorCode.Invalid,
  not_found: WireErrorCode.NotFound,
  conflict: WireErrorCode.Conflict,
  full: WireErrorCode.Full,
};

/** Makes a string fit a reply text field: no control characters, well-formed, at most `max` code points. */
function clip(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.toWellFormed().replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const cps = Array.from(clean);
  return cps.length <= max ? clean : `${cps.slice(0, max - 1).join('')}…`;
}

function record(s: ServerInfo): ServerRecordObj {
  return {
    id: s.id,
    serverType: busServerType(s.type) ?? BusServerType.None,
    host: s.host,
    port: s.port,
    region: s.region,
    load: s.load,
    capacity: s.capacity,
    active: s.active,
    players: s.players,
  };
}

type Answer = Pick<RegistryReplyBody, 'servers' | 'total'>;

export interface RegistryServiceStats {
  /** Requests answered (ok or not). */
  requests: number;
  /** Of those, answered with ok = false. */
  refused: number;
  /** Messages on the request subject that are not registry requests. */
  dropped: number;
  /** Replies that could not be published (bus closed, ...). */
  replyFailures: number;
}

export interface RegistryService {
  stop: Unsubscribe;
  stats(): RegistryServiceStats;
}

/**
 * Answers registry requests arriving on `registry.request` with a RegistryReply on
 * `registry.reply.<sender>`. The server every request is about is the authenticated sender.
 * `clock` (ms) is read once per request.
 */
export function serveRegistry(bus: Bus, registry: Registry, clock: () => number = Date.now): RegistryService {
  const stats: RegistryServiceStats = { requests: 0, refused: 0, dropped: 0, replyFailures: 0 };

  const handle = (msg: BusPayload, from: string): Answer => {
    const now = clock();
    switch (msg.type) {
      case 'registryRegister': {
        registry.register(
          {
            id: from,
            type: registryTypeName(msg.serverType) as ServerType,
            host: msg.host,
            port: msg.port,
            region: msg.region,
            capacity: msg.capacity,
          },
          now,
        );
        return { servers: [record(registry.server(from, now))], total: 1 };
      }
      case 'registryHeartbeat':
        return { servers: [record(registry.heartbeat(from, { load: msg.load, players: msg.players }, now))], total: 1 };
      case 'registryQuery': {
        const all = registry.query(registryTypeName(msg.serverType) as ServerType, now);
        return { servers: all.slice(0, REPLY_MAX_SERVERS).map(record), total: all.length };
      }
      case 'registryDeregister':
        registry.deregister(from);
        return { servers: [], total: 0 };
      default:
        throw new Error('unreachable');
    }
  };

  const onRequest = (msg: BusPayload, meta: MessageMeta): void => {
    if (
      msg.type !== 'registryRegister' &&
      msg.type !== 'registryHeartbeat' &&
      msg.type !== 'registryQuery' &&
      msg.type !== 'registryDeregister'
    ) {
      stats.dropped++;
      return;
    }
    let reply: RegistryReplyBody;
    try {
      const a = handle(msg, meta.from);
      reply = { type: 'registryReply', requestId: msg.requestId, ok: true, code: WireErrorCode.None, error: '', field: '', ...a };
    } catch (e) {
      const known = e instanceof RegistryError;
      reply = {
        type: 'registryReply',
        requestId: msg.requestId,
        ok: false,
        code: known ? ERROR_CODES[e.code] : WireErrorCode.Internal,
        error: clip(known ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`, 256),
        field: known ? clip(e.field ?? '', 64) : '',
        servers: [],
        total: 0,
      };
      stats.refused++;
    }
    stats.requests++;
    try {
      bus.publish(registryReplySubject(meta.from), reply);
    } catch {
      stats.replyFailures++;
    }
  };

  const stop = bus.subscribe(REGISTRY_REQUEST_SUBJECT, onRequest);
  return { stop, stats: () => ({ ...stats }) };
}

// ------------------------------------------------------------------ client

/** Why a bus registry call failed: the registry's refusal, or a local failure. */
export type BusRegistryErrorCode = RegistryErrorCode | 'internal' | 'timeout' | 'closed';

export class BusRegistryError extends Error {
  override name = 'BusRegistryError';
  constructor(
    readonly code: BusRegistryErrorCode,
    message: string,
    /** The offending field, as the registry names it ('type', 'host', 'port', 'id', ...). */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const CODE_NAMES: Record<WireErrorCode, BusRegistryErrorCode> = {
  [WireErrorCode.None]: 'internal',
  [WireErrorCode.Invalid]: 'invalid',
  [WireErrorCode.NotFound]: 'not_found',
  [WireErrorCode.Conflict]: 'conflict',
  [WireErrorCode.Full]: 'full',
  [WireErrorCode.Internal]: 'internal',
};

/** A type as the registry names it ('zone') or as the bus does (ServerType.Zone). */
export type AnyServerType = ServerType | 'gateway' | BusServerType;

export interface BusRegisterInput {
  type: AnyServerType;
  host: string;
  port: number;
  /** '' (default) for none. */
  region?: string;
  capacity: number;
}

export interface BusHeartbeatInput {
  /** Current players or connections, compared with capacity. */
  load: number;
  /** Players connected now; default 0. */
  players?: number;
}

export interface BusRegistryClientOptions {
  /** Per request; the promise rejects with code 'timeout' after it. Default 5000. */
  timeoutMs?: number;
  /** Take replies only from this server (the registry's bus id). Default: any authenticated server. */
  registryId?: string;
}

interface Pending {
  resolve(reply: RegistryReplyBody): void;
  reject(err: BusRegistryError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Request ids per bus, so that several clients on one bus never share one. */
const nextIds = new WeakMap<Bus, number>();

/**
 * Registry calls over the bus for the server this bus belongs to. Every call resolves with the
 * registry's reply (ok = true), or rejects with a BusRegistryError: the registry's refusal
 * (code, message, field), 'timeout' when no reply came in time, 'closed' after close() or when
 * the bus is closed, 'invalid' when the request does not fit the wire (e.g. port 0).
 */
export class BusRegistryClient {
  readonly timeoutMs: number;
  readonly registryId: string | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly unsubscribe: Unsubscribe;
  private closed = false;
  private ignored = 0;

  constructor(private readonly bus: Bus, options: BusRegistryClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.registryId = options.registryId;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError('timeoutMs must be > 0');
    this.unsubscribe = bus.subscribe(registryReplySubject(bus.serverId), (msg, meta) => this.onReply(msg, meta));
  }

  /** Registers this server (id: the bus's server id). The reply holds its record. */
  register(input: BusRegisterInput): Promise<RegistryReplyBody> {
    const t = this.typeOf(input?.type);
    if (t === undefined) return this.invalidType(input?.type);
    return this.request((requestId) => ({
      type: 'registryRegister',
      requestId,
      serverType: t,
      host: input.host,
      port: input.port,
      region: input.region ?? '',
      capacity: input.capacity,
    }));
  }

  /** Heartbeats this server. The reply holds its record. */
  heartbeat(stats: BusHeartbeatInput): Promise<RegistryReplyBody> {
    return this.request((requestId) => ({ type: 'registryHeartbeat', requestId, load: stats?.load, players: stats?.players ?? 0 }));
  }

  /** Active servers of a type, least loaded first (at most 64; `total` counts them all). */
  query(type: AnyServerType): Promise<RegistryReplyBody> {
    const t = this.typeOf(type);
    if (t === undefined) return this.invalidType(type);
    return this.request((requestId) => ({ type: 'registryQuery', requestId, serverType: t }));
  }

  /** Removes this server from the registry. */
  deregister(): Promise<RegistryReplyBody> {
    return this.request((requestId) => ({ type: 'registryDeregister', requestId }));
  }

  /** Requests waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Replies ignored: late (after their timeout), unknown, or not from registryId. */
  get ignoredReplies(): number {
    return this.ignored;
  }

  /** Stops listening; pending calls reject with 'closed'. Idempotent. Does not close the bus. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new BusRegistryError('closed', 'registry client closed'));
    }
  }

  private typeOf(t: unknown): BusServerType | undefined {
    if (typeof t === 'string') return busServerType(t);
    if (typeof t === 'number' && t !== BusServerType.None && TYPE_NAMES[t as BusServerType] !== undefined) return t as BusServerType;
    return undefined;
  }

  private invalidType(t: unknown): Promise<never> {
    const names = [...SERVER_TYPES, 'gateway'].join(', ');
    return Promise.reject(new BusRegistryError('invalid', `type: must be one of ${names}, got ${JSON.stringify(t)}`, 'type'));
  }

  private request(build: (requestId: number) => BusPayload): Promise<RegistryReplyBody> {
    if (this.closed) return Promise.reject(new BusRegistryError('closed', 'registry client closed'));
    const requestId = nextIds.get(this.bus) ?? 1;
    nextIds.set(this.bus, requestId + 1);
    try {
      this.bus.publish(REGISTRY_REQUEST_SUBJECT, build(requestId));
    } catch (e) {
      if (e instanceof BusClosedError) return Promise.reject(new BusRegistryError('closed', e.message, undefined, { cause: e }));
      if (e instanceof BusEncodeError) return Promise.reject(new BusRegistryError('invalid', e.message, undefined, { cause: e }));
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new BusRegistryError('timeout', `no registry reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
  }

  private onReply(msg: BusPayload, meta: MessageMeta): void {
    if (msg.type !== 'registryReply' || (this.registryId !== undefined && meta.from !== this.registryId)) {
      this.ignored++;
      return;
    }
    const p = this.pending.get(msg.requestId);
    if (p === undefined) {
      this.ignored++;
      return;
    }
    this.pending.delete(msg.requestId);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg);
    else p.reject(new BusRegistryError(CODE_NAMES[msg.code] ?? 'internal', msg.error, msg.field === '' ? undefined : msg.field));
  }
}
