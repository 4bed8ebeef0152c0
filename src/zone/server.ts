// The zone server: uWS WebSocket endpoint and HTTP endpoints around one zone's tick.
// Adapters only decode, validate and enqueue; the tick drains the queue, steps the world
// and sends each client one frame. Nothing here ever waits on a socket.

import { randomBytes } from 'node:crypto';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { SampleWindow, type Percentiles } from '../metrics/index.js';
import {
  Encoder, ErrorCode, MAX_CLIENT_FRAME_BYTES, type HelloMsg, PROTOCOL_VERSION, decodeClientMessage, errorCodeName, errorPolicy,
} from '../protocol/index.js';
import { Recorder } from '../replay/index.js';
import {
  EventKind, codePointLength, generateZone, liveCount, readPlayerState, rules, stateHash, stepZone,
  type PlayerState, type Rejection, type SimEvent, type SimInput, type ZoneWorld,
} from '../sim/index.js';
import { TickDriver } from './driver.js';
import { Fanout, newViewer } from './fanout.js';
import { countersFrom, createZoneMetrics, type ZoneMetrics } from './metrics.js';
import { resolveOptions, type ZoneServerInit, type ZoneServerOptions } from './options.js';
import { ReplayGuard, verifyJoinToken } from '../cluster/tokens.js';
import { Handoffs, type ZoneEntry } from './handoff.js';
import { VIEWER_BUNDLE_PATH, viewerBundle, viewerHtml } from '../viewer/index.js';
import { ZonePersistence } from './persistence.js';
import { Session } from './session.js';
import { createLog, logFromFunction, uWS, type HttpRequest, type HttpResponse, type Log, type TemplatedApp, type WebSocket } from '../runtime/index.js';

interface Conn {
  session: Session;
  ws: WebSocket<SocketData>;
}

export interface SocketData {
  conn?: Conn;
  /** Opened with `?observer=1`: watches the zone from a point it moves, has no entity. */
  observer?: boolean;
  /** The zone whose session this socket is: it changes when a local handoff moves it. */
  owner?: ZoneServer;
}

/** WebSocket settings of a zone endpoint; handlers go through the socket's owner. */
export function zoneSocketBehavior(sendBudgetBytes: number, open: (ws: WebSocket<SocketData>) => void, unowned?: (ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean) => void) {
  return {
    compression: uWS.DISABLED,
    // Above the protocol cap, so a frame a little too big still reaches the decoder and gets
    // Error{TooLarge} + 1009; only grossly oversized ones are cut off by uWS itself.
    maxPayloadLength: MAX_CLIENT_FRAME_BYTES * 4,
    maxBackpressure: sendBudgetBytes * 4,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    upgrade: (res: HttpResponse, req: HttpRequest, context: unknown) => {
      const data: SocketData = { observer: req.getQuery('observer') === '1' };
      res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'), context as never);
    },
    open,
    message: (ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean) => {
      const owner = ws.getUserData().owner;
      if (owner) owner.onMessage(ws, message, isBinary);
      else unowned?.(ws, message, isBinary);
    },
    close: (ws: WebSocket<SocketData>, code: number) => ws.getUserData().owner?.onClose(ws, code),
  };
}

export interface ZoneStatus {
  zone: { id: number; name: string };
  tick: number;
  tickRate: number;
  players: number;
  entities: number;
  connections: number;
  tickMs: Percentiles;
  missedTicks: number;
  catchUps: number;
  framesOut: number;
  bytesOut: number;
  uptimeS: number;
  memory: { rssMB: number; heapUsedMB: number };
  store?: ZonePersistence['stats'];
  /** Where tick time goes: mean ms per tick over the status window, and GC since start. */
  profile: { stepMs: number; indexMs: number; encodeMs: number; sendMs: number; gcMs: number; gcCount: number };
}

/** Mean ms per tick of each part of the tick. */
class TickProfile {
  readonly step = new SampleWindow(1200);
  readonly index = new SampleWindow(1200);
  readonly encode = new SampleWindow(1200);
  readonly send = new SampleWindow(1200);
  gcMs = 0;
  gcCount = 0;
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcMs += e.duration;
      this.gcCount++;
    }
  });

  start(): void {
    this.gc.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.gc.disconnect();
  }
}

/** Sim rejection reasons that mean the join failed: the connection cannot go on. */
const JOIN_FAILURE: Partial<Record<Rejection['reason'], ErrorCode>> = {
  zone_full: ErrorCode.ServerFull,
  bad_name: ErrorCode.BadString,
  duplicate_session: ErrorCode.AlreadyJoined,
  bad_input: ErrorCode.BadFrame,
};

/** `/g text` is said on the main global channel, `/c NAME text` on channel NAME, in every zone. */
const GLOBAL_CHAT = /^\/(?:g|c ([A-Za-z0-9_-]{1,32})) (.+)$/su;

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

export class ZoneServer {
  readonly options: ZoneServerOptions;
  readonly world: ZoneWorld;
  readonly metrics: ZoneMetrics;
  port = 0;
  private readonly app: TemplatedApp;
  private listenSocket: unknown;
  private readonly conns = new Map<number, Conn>();
  private nextSession = 1;
  private inbound: SimInput[] = [];
  private readonly encoder = new Encoder();
  private readonly fanout: Fanout;
  private readonly driver: TickDriver;
  private readonly recorder: Recorder | undefined;
  private readonly tickTimes = new SampleWindow(1200);
  private readonly profile = new TickProfile();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  private framesOut = 0;
  private bytesOut = 0;
  private stopped = false;
  private store: ZonePersistence | undefined;
  /** Names of players loading or online, when the store makes a name an identity. */
  private readonly names = new Map<string, Session>();
  /** Join tokens already used here (each works once). */
  private readonly replay = new ReplayGuard();
  /** Sessions in 'loading' or 'joining' (kept by setStage, not scanned for on every Hello). */
  private pendingJoins = 0;
  private handoffs: Handoffs | undefined;
  /** Global chat heard since the last tick, told to every client in the next snapshot. */
  private globalEvents: SimEvent[] = [];
  private unsubscribeChat: (() => void) | undefined;
  /** Structured log: one line per session event. */
  readonly logger: Log;

  constructor(options: ZoneServerInit = {}, log?: Log | ((line: string) => void)) {
    this.options = resolveOptions(options);
    this.logger = typeof log === 'function' ? logFromFunction(log) : log ?? createLog({ base: { zone: this.options.zone.name } });
    const o = this.options;
    this.world = generateZone(o.zone, o.seed);
    this.metrics = createZoneMetrics(o.zone.name);
    this.fanout = new Fanout(this.world, this.encoder, rules.VIEW_RADIUS, o.tickRate / rules.TICK_RATE);
    this.recorder = o.record ? new Recorder(o.record, o.seed, this.world.config, 'mmo zone') : undefined;
    this.driver = new TickDriver(1000 / o.tickRate, () => this.tick(), o.maxCatchUp);
    this.app = o.front ? this.mountHttp(o.front.app, o.front.prefix) : this.buildApp();
  }

  /** Opens the store, listens, starts the tick, and resolves with the bound port. */
  async start(): Promise<number> {
    if (this.options.db) {
      this.store = await ZonePersistence.open(this.options.db, this.world.config.name, (m) => this.logger.warn({ event: 'store' }, m), (s) => this.metrics.storeFlush.observe(s));
    }
    if (this.options.cluster) this.joinCluster();
    if (this.options.front) {
      this.port = this.options.front.port;
      this.begin();
      return this.port;
    }
    return new Promise((resolve, reject) => {
      this.app.listen(this.options.host, this.options.port, (socket) => {
        if (!socket) {
          reject(new Error(`cannot listen on ${this.options.host}:${this.options.port}`));
          return;
        }
        this.listenSocket = socket;
        this.port = uWS.us_socket_local_port(socket);
        this.begin();
        resolve(this.port);
      });
    });
  }

  private begin(): void {
    this.profile.start();
    this.driver.start();
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(this.options.idleCheckMs, this.options.helloTimeoutMs));
  }

  /**
   * Takes over a live socket handed over by a zone of this process: a new session here, joined
   * with the handoff token as if the client had sent Hello. The client sees a new Welcome and
   * a keyframe on the same connection.
   */
  adopt(ws: unknown, token: string): void {
    const socket = ws as WebSocket<SocketData>;
    if (!this.onOpen(socket)) return;
    this.hello(socket.getUserData().conn!, { type: 'hello', protocolVersion: PROTOCOL_VERSION, token, name: 'handoff' }, performance.now());
  }

  private buildApp(): TemplatedApp {
    return this.mountHttp(uWS.App().ws<SocketData>('/*', zoneSocketBehavior(this.options.sendBudgetBytes, (ws) => this.onOpen(ws))), '')
      .any('/*', (res) => {
        res.cork(() => res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end('{"error":"not found"}'));
      });
  }

  /** The HTTP endpoints, under `prefix` (a shared front mounts each zone under /zone-N). */
  mountHttp(app: TemplatedApp, prefix: string): TemplatedApp {
    return app
      .get(`${prefix}/health`, (res) => this.json(res, { status: this.stopped ? 'draining' : 'ok' }))
      .get(`${prefix}/status`, (res) => this.json(res, this.status()))
      .get(`${prefix}/metrics`, (res) => this.metricsText(res))
      .get(`${prefix}/players`, (res) => this.json(res, this.sessionsByStage()))
      .get(`${prefix}/viewer`, (res) => {
        res.cork(() => res.writeHeader('Content-Type', 'text/html; charset=utf-8').end(viewerHtml({ scriptSrc: `${prefix}${VIEWER_BUNDLE_PATH}` })));
      })
      .get(`${prefix}${VIEWER_BUNDLE_PATH}`, (res) => {
        let aborted = false;
        res.onAborted(() => { aborted = true; });
        viewerBundle().then((js) => {
          if (!aborted) res.cork(() => res.writeHeader('Content-Type', 'application/javascript').end(js));
        }, (e: Error) => {
          if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(e.message));
        });
      });
  }

  private json(res: HttpResponse, body: unknown): void {
    res.cork(() => res.writeHeader('Content-Type', 'application/json').end(JSON.stringify(body)));
  }

  private metricsText(res: HttpResponse): void {
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    this.refreshGauges();
    this.metrics.registry.metrics().then((text) => {
      if (!aborted) res.cork(() => res.writeHeader('Content-Type', this.metrics.registry.contentType).end(text));
    }, (e: Error) => {
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(e.message));
    });
  }

  private refreshGauges(): void {
    this.metrics.players.set(this.world.sessions.size);
    this.metrics.entities.set(liveCount(this.world));
    this.metrics.connections.set(this.conns.size);
    this.metrics.missedTicks.set(this.driver.missedTicks);
  }

  status(): ZoneStatus {
    return {
      zone: { id: this.world.config.id, name: this.world.config.name },
      tick: this.world.tick,
      tickRate: this.options.tickRate,
      players: this.world.sessions.size,
      entities: liveCount(this.world),
      connections: this.conns.size,
      tickMs: this.tickTimes.summary(),
      missedTicks: this.driver.missedTicks,
      catchUps: this.driver.catchUps,
      framesOut: this.framesOut,
      bytesOut: this.bytesOut,
      uptimeS: Math.round((performance.now() - this.startedAt) / 100) / 10,
      memory: { rssMB: mb(process.memoryUsage.rss()), heapUsedMB: mb(process.memoryUsage().heapUsed) },
      ...(this.store ? { store: { ...this.store.stats } } : {}),
      profile: {
        stepMs: this.profile.step.summary().mean, indexMs: this.profile.index.summary().mean,
        encodeMs: this.profile.encode.summary().mean, sendMs: this.profile.send.summary().mean,
        gcMs: Math.round(this.profile.gcMs), gcCount: this.profile.gcCount,
      },
    };
  }

  // ------------------------------------------------------------------ connections

  /** A new connection of this zone (from its own endpoint, a shared front, or a local handoff). */
  onOpen(ws: WebSocket<SocketData>): boolean {
    if (this.stopped) { // no new players while stopping
      ws.end(1001, 'server draining');
      return false;
    }
    const o = this.options;
    if (this.conns.size >= o.maxConnections) {
      this.metrics.rejected.inc({ reason: 'too_many_connections' });
      this.metrics.closed.inc({ reason: 'too_many_connections' });
      ws.end(1013, 'too many connections; try again later');
      return false;
    }
    const number = this.nextSession++;
    const session = new Session(number, randomBytes(8).toString('hex'), performance.now(), o.inputRate, o.inputBurst);
    const conn: Conn = { session, ws };
    ws.getUserData().conn = conn;
    ws.getUserData().owner = this;
    this.conns.set(number, conn);
    return true;
  }

  onClose(ws: WebSocket<SocketData>, code: number): void {
    const conn = ws.getUserData().conn;
    if (!conn) return;
    const s = conn.session;
    // A join already queued is followed by the leave, so the sim never keeps a ghost.
    if (!s.observer && (s.stage === 'joining' || s.stage === 'joined')) this.inbound.push({ type: 'leave', session: s.number });
    if (s.stage === 'joined' && s.playerId > 0 && this.store && !this.stopped) this.store.leave(this.world, s.eid, s.playerId);
    if (this.names.get(s.name) === s) this.names.delete(s.name);
    if (s.stage !== 'connecting') {
      this.logger.info({ event: 'leave', session: s.id, name: s.name, code, by: s.closedByServer ? 'server' : 'client', reason: s.closeReason }, 'connection closed');
    }
    this.setStage(s, 'closed');
    this.conns.delete(s.number);
    if (!s.closedByServer) this.metrics.closed.inc({ reason: `peer_${code}` });
  }

  private send(conn: Conn, bytes: Uint8Array): void {
    if (conn.session.stage === 'closed') return;
    conn.ws.send(bytes, true);
    this.framesOut++;
    this.bytesOut += bytes.length;
    this.metrics.framesOut.inc();
    this.metrics.bytesOut.inc(bytes.length);
  }

  /** Sends Error and closes the connection if the code is fatal or the error budget is spent. */
  private refuse(conn: Conn, code: ErrorCode, text: string, now: number, counted = true): void {
    if (conn.session.stage === 'closed') return;
    this.metrics.rejected.inc({ reason: errorCodeName(code) });
    this.send(conn, this.encoder.error({ code, text: text.slice(0, 200) }));
    const policy = errorPolicy(code);
    if (policy.fatal) this.close(conn, policy.closeCode, `${errorCodeName(code)}: ${text}`);
    else if (counted && conn.session.softError(now)) this.close(conn, 1008, 'too many bad frames');
  }

  private close(conn: Conn, code: number, reason: string): void {
    if (conn.session.stage === 'closed') return;
    this.metrics.closed.inc({ reason: reason.split(':')[0] });
    conn.session.closedByServer = true;
    conn.session.closeReason = reason;
    conn.ws.end(code, reason.slice(0, 120)); // runs onClose synchronously
  }

  onMessage(ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean): void {
    const conn = ws.getUserData().conn;
    if (!conn || conn.session.stage === 'closed') return;
    const s = conn.session;
    const now = performance.now();
    this.metrics.framesIn.inc();
    if (!isBinary) return this.refuse(conn, ErrorCode.BadFrame, 'text frames are not accepted', now);
    if (!s.bucket.take(now)) return this.refuse(conn, ErrorCode.RateLimited, 'too many frames; dropped', now);
    const decoded = decodeClientMessage(new Uint8Array(message));
    if (!decoded.ok) return this.refuse(conn, decoded.code, decoded.reason, now);
    s.lastActivity = now;
    const msg = decoded.msg;
    switch (msg.type) {
      case 'ping':
        return this.send(conn, this.encoder.pong({ clientTime: msg.clientTime, serverTick: this.world.tick }));
      case 'hello':
        return this.hello(conn, msg, now);
      default:
        if (s.stage === 'transferring') return; // on its way to another zone
        if (s.stage !== 'joined') return this.refuse(conn, ErrorCode.NotJoined, 'send Hello first', now);
        if (s.observer) {
          if (msg.type !== 'move') return this.refuse(conn, ErrorCode.InputRejected, `${msg.type} #${msg.seq}: observers only move their view`, now);
          const b = this.world.worldBounds;
          s.viewer!.x = Math.min(b.maxX, Math.max(b.minX, msg.x));
          s.viewer!.y = Math.min(b.maxY, Math.max(b.minY, msg.y));
          return;
        }
        if (msg.type === 'chat' && this.handoffs) {
          const global = GLOBAL_CHAT.exec(msg.text);
          if (global) return this.globalChat(conn, msg.seq, global[1] ?? 'main', global[2], now);
        }
        this.inbound.push({ ...msg, session: s.number });
    }
  }

  /** Handshake: who the player is (token or guest name), then load it (with a store) and queue the join. */
  private hello(conn: Conn, msg: HelloMsg, now: number): void {
    const s = conn.session;
    if (s.stage !== 'connecting') return this.refuse(conn, ErrorCode.AlreadyJoined, 'already joined', now);
    if (conn.ws.getUserData().observer) return this.observe(conn, msg.name, now);
    let name = msg.name, tokenPlayer = 0;
    if (msg.token !== '' || !this.guestsAllowed()) {
      const who = this.identify(msg.token);
      if (typeof who === 'string') return this.refuse(conn, ErrorCode.BadToken, who, now);
      // The identity is the token's, never the name the client sent.
      name = who.name;
      tokenPlayer = who.playerId;
      // A player handed over by another zone: its state came with the transfer.
      const reserved = this.handoffs?.claim(who.nonce, Date.now());
      if (reserved) {
        s.name = name;
        s.playerId = this.store ? reserved.playerId : 0;
        if (this.store) this.names.set(name, s);
        this.setStage(s, 'joining');
        this.inbound.push({ type: 'join', session: s.number, name, state: reserved.state });
        return;
      }
    }
    if (this.world.sessions.size + this.joinsInProgress() >= this.options.maxClients) {
      return this.refuse(conn, ErrorCode.ServerFull, 'server full', now);
    }
    s.name = name;
    if (!this.store) {
      this.setStage(s, 'joining');
      this.inbound.push({ type: 'join', session: s.number, name });
      return;
    }
    if (this.names.has(name)) return this.refuse(conn, ErrorCode.AlreadyJoined, 'that name is already playing', now);
    this.names.set(name, s);
    this.setStage(s, 'loading');
    this.store.loadPlayer(name, this.spawnPoint(), tokenPlayer !== 0 ? 'account' : 'guest').then((row) => {
      if (s.stage !== 'loading') return; // gone while loading
      if (tokenPlayer !== 0 && row.id !== tokenPlayer) {
        return this.refuse(conn, ErrorCode.BadToken, 'join token names another player', performance.now());
      }
      s.playerId = row.id;
      this.setStage(s, 'joining');
      this.inbound.push({ type: 'join', session: s.number, name, state: ZonePersistence.joinState(row) });
    }, (e: Error) => {
      this.logger.error({ event: 'load_failed', name, error: e.message }, 'loading a player failed');
      this.refuse(conn, ErrorCode.Internal, 'could not load the player', performance.now());
    });
  }

  /**
   * Where a new saved player starts: around the spawn point. Drawn here, outside the sim, and
   * passed in the join input, so a recording still replays exactly.
   */
  private spawnPoint(): { x: number; y: number } {
    const { spawn, spawnRadius: r } = this.world.config;
    return { x: spawn.x + (Math.random() * 2 - 1) * r, y: spawn.y + (Math.random() * 2 - 1) * r };
  }

  private guestsAllowed(): boolean {
    return this.options.allowGuests ?? this.options.tokenSecret === undefined;
  }

  /** The player a join token names, or why it is refused. */
  private identify(token: string): { name: string; playerId: number; nonce: string } | string {
    const secret = this.options.tokenSecret;
    if (token === '') return 'this zone requires a join token from the gateway';
    if (secret === undefined) return 'this zone accepts guests only (empty token)';
    const r = verifyJoinToken(token, secret, Date.now(), { serverId: this.options.serverId, replay: this.replay });
    return r.ok ? { name: r.payload.name, playerId: r.payload.playerId, nonce: r.payload.nonce } : `join token refused: ${r.reason}`;
  }

  // ------------------------------------------------------------------ the cluster

  private joinCluster(): void {
    const cluster = this.options.cluster!;
    countersFrom(this.metrics, 'mmo_bus_messages_total', 'Bus messages published, received, delivered to handlers, dropped', 'kind', () => {
      const s = cluster.bus.stats();
      return { published: s.published, received: s.received, delivered: s.delivered, dropped: Object.values(s.dropped).reduce((a, b) => a + b, 0) };
    });
    countersFrom(this.metrics, 'mmo_handoffs_total', 'Handoffs this zone started or received, by outcome', 'outcome', () => {
      const h = this.handoffs!.stats;
      return { completed: h.completed, refused: h.refused, timed_out: h.timedOut, received: h.received, admitted: h.admitted };
    });
    this.handoffs = new Handoffs(cluster, {
      zoneId: this.world.config.id,
      complete: (session, target, token) => this.handedOver(session, target, token),
      abort: (session, reason) => this.recall(session, reason),
      hasRoom: () => this.world.sessions.size + this.joinsInProgress() + this.handoffs!.pendingReservations < this.options.maxClients,
      log: (m) => this.logger.warn({ event: 'handoff' }, m),
    });
    this.unsubscribeChat = cluster.bus.subscribe('chat.global.*', (msg) => {
      if (msg.type !== 'globalChat') return;
      const channel = msg.channel === 'main' ? '' : `[${msg.channel}] `;
      this.globalEvents.push({ kind: EventKind.Chat, source: 0, target: 0, x: 0, y: 0, radius: Infinity, value: 1, text: `${channel}${msg.sender}: ${msg.text}` });
    });
  }

  /** Said to every player of every zone on a named channel, through the bus (not the simulation). */
  private globalChat(conn: Conn, seq: number, channel: string, said: string, now: number): void {
    const shown = `${channel === 'main' ? '' : `[${channel}] `}${conn.session.name}: ${said}`;
    if (codePointLength(shown) > rules.CHAT_MAX_CHARS) {
      return this.refuse(conn, ErrorCode.InputRejected, `chat #${seq}: global chat must fit 256 characters with channel and name`, now);
    }
    this.options.cluster!.bus.publish(`chat.global.${channel}`, { type: 'globalChat', channel, sender: conn.session.name, text: said });
  }

  private playerState(eid: number): PlayerState {
    return readPlayerState(this.world, eid, { x: 0, y: 0, level: 0, hp: 0, maxHp: 0, mana: 0, maxMana: 0 });
  }

  /** Players this tick's step reported outside the zone: offered to the zone they are in. */
  private startHandoffs(): void {
    for (const h of this.world.handoffs) {
      const conn = this.conns.get(h.session);
      if (!conn || conn.session.stage !== 'joined' || !this.handoffs) continue;
      const s = conn.session;
      if (this.handoffs.begin(s.number, s.playerId || s.number, s.name, this.playerState(s.eid))) {
        this.setStage(s, 'transferring');
        this.logger.info({ event: 'handoff_start', session: s.id, name: s.name, x: h.x, y: h.y }, 'handing the player over');
      }
      else this.recall(s.number, 'no zone there');
    }
  }

  /** The target took the player: save it, remove it here, send the client on. */
  private handedOver(session: number, target: ZoneEntry, token: string): void {
    const conn = this.conns.get(session);
    if (!conn || conn.session.stage !== 'transferring') return; // left meanwhile: the reservation expires
    const s = conn.session;
    if (this.store && s.playerId > 0) this.store.leave(this.world, s.eid, s.playerId);
    this.inbound.push({ type: 'leave', session });
    this.logger.info({ event: 'handoff_done', session: s.id, name: s.name, to: target.serverId }, 'player handed over');
    const local = this.options.localZone?.(target.serverId);
    if (local) {
      // Same process: the socket itself moves; the client never reconnects.
      this.setStage(s, 'closed');
      this.conns.delete(session);
      if (this.names.get(s.name) === s) this.names.delete(s.name);
      local.adopt(conn.ws, token);
      return;
    }
    this.send(conn, this.encoder.zoneChange({ endpoint: target.endpoint, token, zoneId: target.zoneId }));
    this.close(conn, 1000, 'zone change');
  }

  /** The handoff failed: the player stays, put back just inside the border. */
  private recall(session: number, reason: string): void {
    const conn = this.conns.get(session);
    if (!conn) return;
    const s = conn.session;
    if (s.stage === 'transferring') this.setStage(s, 'joined');
    if (s.stage !== 'joined') return;
    const b = this.world.config.bounds, margin = 0.5;
    const { x, y } = this.playerState(s.eid);
    this.logger.warn({ event: 'handoff_aborted', session: s.id, name: s.name, reason }, 'handoff aborted; player recalled');
    this.inbound.push({
      type: 'recall', session,
      x: Math.min(b.maxX - margin, Math.max(b.minX + margin, x)), y: Math.min(b.maxY - margin, Math.max(b.minY + margin, y)),
    });
  }

  /** Names of the connections by stage (for operators and tests). */
  sessionsByStage(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const { session: s } of this.conns.values()) (out[s.stage] ??= []).push(s.name);
    return out;
  }

  get handoffStats() {
    return this.handoffs?.stats;
  }

  /**
   * An observer (the viewer): no entity, no inputs into the simulation; its view starts at the
   * spawn point and moves where it sends Move. Allowed where guests are.
   */
  private observe(conn: Conn, name: string, now: number): void {
    if (!this.guestsAllowed()) return this.refuse(conn, ErrorCode.BadToken, 'this zone takes no observers', now);
    const s = conn.session, w = this.world;
    s.name = name;
    s.observer = true;
    this.setStage(s, 'joined');
    s.viewer = newViewer(-1, w.config.spawn.x, w.config.spawn.y);
    this.send(conn, this.encoder.welcome({
      protocolVersion: PROTOCOL_VERSION, sessionId: s.id, netId: 0, zoneId: w.config.id, zoneName: w.config.name,
      bounds: w.config.bounds, tickRate: this.options.tickRate, tick: w.tick,
    }));
    this.logger.info({ event: 'observe', session: s.id, name }, 'observer joined');
  }

  /** Hellos accepted but not yet in the world (their join is loading or queued). */
  private joinsInProgress(): number {
    return this.pendingJoins;
  }

  /** Every stage change goes through here, so the count of joins in progress stays exact. */
  private setStage(s: Session, stage: Session['stage']): void {
    const pending = (st: Session['stage']) => (st === 'loading' || st === 'joining' ? 1 : 0);
    this.pendingJoins += pending(stage) - pending(s.stage);
    s.stage = stage;
  }

  private *onlinePlayers(): Generator<{ eid: number; playerId: number }> {
    for (const conn of this.conns.values()) {
      const s = conn.session;
      if (s.stage === 'joined' && s.playerId > 0) yield { eid: s.eid, playerId: s.playerId };
    }
  }

  /** Store id of the player with this NetId, if it is online here. */
  private playerOf = (netId: number): number | undefined => {
    const eid = this.world.netToEid.get(netId);
    if (eid === undefined) return undefined;
    const id = this.conns.get(this.world.c.Player.session[eid])?.session.playerId;
    return id ? id : undefined;
  };

  /** Closes connections that never said Hello or went quiet. */
  private sweep(): void {
    const now = performance.now();
    for (const conn of [...this.conns.values()]) {
      const s = conn.session;
      if (s.stage === 'connecting' && now - s.openedAt > this.options.helloTimeoutMs) {
        this.refuse(conn, ErrorCode.IdleTimeout, 'no Hello in time', now);
      } else if (s.stage === 'joined' && now - s.lastActivity > this.options.idleTimeoutMs) {
        this.refuse(conn, ErrorCode.IdleTimeout, `idle for ${Math.round((now - s.lastActivity) / 1000)} s`, now);
      }
    }
  }

  // ------------------------------------------------------------------ the tick

  /** One step: drain the inputs, step the world, record, publish. */
  tick(): void {
    const start = performance.now();
    const inputs = this.inbound;
    this.inbound = [];
    stepZone(this.world, inputs);
    this.recorder?.record(this.world.tick, inputs, stateHash(this.world));
    this.profile.step.add(performance.now() - start);
    this.publish(start);
    this.startHandoffs();
    this.store?.afterTick(this.world, this.onlinePlayers(), this.options.flushTicks);
    const ms = performance.now() - start;
    this.tickTimes.add(ms);
    this.metrics.tickDuration.observe(ms / 1000);
    this.metrics.ticks.inc();
  }

  private publish(now: number): void {
    const { world } = this;
    for (const j of world.joined) {
      const conn = this.conns.get(j.session);
      if (!conn || conn.session.stage !== 'joining') continue; // left before joining: its leave is queued
      const s = conn.session;
      this.setStage(s, 'joined');
      s.netId = j.netId;
      s.eid = world.netToEid.get(j.netId)!;
      s.viewer = newViewer(s.eid);
      this.logger.info({ event: 'join', session: s.id, name: s.name, netId: j.netId, playerId: s.playerId || undefined }, 'player joined');
      const b = world.config.bounds;
      this.send(conn, this.encoder.welcome({
        protocolVersion: PROTOCOL_VERSION, sessionId: s.id, netId: j.netId, zoneId: world.config.id,
        zoneName: world.config.name, bounds: b, tickRate: this.options.tickRate, tick: world.tick,
      }));
    }
    for (const r of world.rejections) {
      const conn = this.conns.get(r.session);
      if (!conn) continue;
      this.metrics.rejected.inc({ reason: `input_${r.reason}` });
      const joinFailure = r.input === 'join' ? JOIN_FAILURE[r.reason] ?? ErrorCode.BadFrame : undefined;
      if (joinFailure !== undefined) this.refuse(conn, joinFailure, `join refused: ${r.reason}`, now);
      else this.send(conn, this.encoder.error({ code: ErrorCode.InputRejected, text: `${r.input} #${r.seq}: ${r.reason}` }));
    }
    const t0 = performance.now();
    // Pickups are told once durable: held back this tick, told in the snapshot after the commit.
    const store = this.store;
    const globals = this.globalEvents;
    this.globalEvents = [];
    this.fanout.index(store ? [...store.holdPickups(world.events, this.playerOf), ...store.takeConfirmed()] : world.events, globals);
    const t1 = performance.now();
    let encodeMs = 0, sendMs = 0;
    const { sendBudgetBytes, laggardMs } = this.options;
    for (const conn of this.conns.values()) {
      const s = conn.session;
      if (s.stage !== 'joined' || !s.viewer) continue;
      if (conn.ws.getBufferedAmount() > sendBudgetBytes) {
        s.behindSince ??= now;
        s.viewer.keyframe = true; // what it missed is resent whole once it drains
        this.metrics.skippedFrames.inc();
        if (now - s.behindSince > laggardMs) this.refuse(conn, ErrorCode.TooSlow, 'not reading fast enough', now);
        continue;
      }
      s.behindSince = undefined;
      const a = performance.now();
      const frame = this.fanout.frame(s.viewer, s.observer ? 0 : world.c.Player.lastSeq[s.eid]);
      const b = performance.now();
      this.send(conn, frame);
      encodeMs += b - a;
      sendMs += performance.now() - b;
    }
    this.profile.index.add(t1 - t0);
    this.profile.encode.add(encodeMs);
    this.profile.send.add(sendMs);
  }

  /**
   * Graceful stop: draining (health says so, new connections are refused), ticking stops,
   * every player is saved, clients are told (ShuttingDown), the recording is closed, and last
   * the listen socket. `beforeClose` runs just before that (e.g. deregistering).
   */
  async stop(beforeClose?: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.driver.stop();
    this.profile.stop();
    this.handoffs?.close();
    this.unsubscribeChat?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    // Save everyone before telling them, so nothing acknowledged is lost on the way out.
    if (this.store) {
      try {
        await this.store.close(this.world, this.onlinePlayers());
      } catch (e) {
        this.logger.error({ event: 'store_close_failed', error: (e as Error).message }, 'store close failed');
      }
    }
    const now = performance.now();
    for (const conn of [...this.conns.values()]) this.refuse(conn, ErrorCode.ShuttingDown, 'server shutting down', now);
    this.recorder?.close();
    if (beforeClose) await beforeClose().catch((e: Error) => this.logger.error({ event: 'stop_failed', error: e.message }, 'while stopping'));
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket as never); // a shared front closes its own
    this.listenSocket = undefined;
  }
}

/** Creates a zone server and starts it; resolves once it listens. */
export async function startZoneServer(options: ZoneServerInit = {}, log?: (msg: string) => void): Promise<ZoneServer> {
  const server = new ZoneServer(options, log);
  await server.start();
  return server;
}
