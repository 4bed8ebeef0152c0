// ZoneClient: one player's WebSocket connection to a zone (PROTOCOL.md §3).
//
// Works in browsers and in Node: it never imports a WebSocket implementation. Pass the
// browser's `WebSocket`, or in Node the `ws` package's `WebSocket` class, or a factory
// (`createSocket`) for anything else (options, a proxy, a fake in tests). The only clock is
// `now()` (default performance.now); timers are used only for the connect timeout.
//
//   const client = new ZoneClient({ name: 'ann', WebSocket });
//   client.on('snapshot', (s) => ...);
//   const welcome = await client.connect('ws://127.0.0.1:7777');
//   const seq = client.move(10, 20);
//
// Server frames are decoded and applied to `world` (ClientWorld) and `clock` (ServerClock)
// before listeners run. A malformed frame is counted and reported on 'error' (kind 'decode');
// it never throws out of the socket's message handler. Unknown message types are ignored
// (PROTOCOL.md §5). A listener that throws is reported on 'error' (kind 'listener').

import {
  ErrorCode,
  PROTOCOL_VERSION,
  ProtocolDecodeError,
  decodeServerMessage,
  encodeAttack,
  encodeChat,
  encodeHello,
  encodeMove,
  encodePing,
  encodeUseItem,
  errorCodeName,
  type ErrorMsg,
  type EventObj,
  type PongMsg,
  type ServerMsg,
  type SnapshotMsg,
  type WelcomeMsg,
  type ZoneChangeMsg,
} from '../protocol/index.js';
import { RttEstimator, ServerClock, type ServerClockOptions } from './clock.js';
import type { InterpolatedState } from './interpolation.js';
import { Predictor, type PredictionOptions } from './prediction.js';
import { ClientWorld, type ClientWorldOptions, type SnapshotChanges } from './world.js';

// ---------------------------------------------------------------- WebSocket abstraction

/**
 * The part of the WHATWG WebSocket API the client uses. Both the browser's WebSocket and the
 * `ws` package's WebSocket satisfy it. Handler parameters are `any` so that either's event
 * types fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((ev: any) => unknown) | null;
  onmessage: ((ev: any) => unknown) | null;
  onclose: ((ev: any) => unknown) | null;
  onerror: ((ev: any) => unknown) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** A WebSocket class: `WebSocket` in browsers, `import { WebSocket } from 'ws'` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/** Opens a socket for a URL (for constructor options, proxies, fakes). */
export type WebSocketFactory = (url: string) => WebSocketLike;

const WS_OPEN = 1;

// ---------------------------------------------------------------- errors and events

export type ZoneClientErrorKind =
  /** An Error frame from the server (`code`, `serverText`). */
  | 'server'
  /** A frame that is not a well-formed ServerMessage (`code` = the decoder's ErrorCode). */
  | 'decode'
  /** A text frame, a message before Welcome that needs one, or another protocol breach. */
  | 'protocol'
  /** The socket reported an error (connection refused, reset, ...). */
  | 'socket'
  /** The connection closed, or was closed by the client, before Welcome. */
  | 'closed'
  /** No Welcome within the connect timeout. */
  | 'timeout'
  /** A listener threw (`cause`). */
  | 'listener';

export class ZoneClientError extends Error {
  readonly kind: ZoneClientErrorKind;
  /** ErrorCode for 'server' and 'decode', else 0. */
  readonly code: ErrorCode;
  /** Error.text from the server ('' if none or not a server error). */
  readonly serverText: string;
  /** WebSocket close code for 'closed', else 0. */
  readonly closeCode: number;

  constructor(
    kind: ZoneClientErrorKind,
    message: string,
    extra: { code?: ErrorCode; serverText?: string; closeCode?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ZoneClientError';
    this.kind = kind;
    this.code = extra.code ?? ErrorCode.None;
    this.serverText = extra.serverText ?? '';
    this.closeCode = extra.closeCode ?? 0;
  }

  /** The ErrorCode's name ("BadToken"), or '' when there is no code. */
  get codeName(): string {
    return this.code === ErrorCode.None ? '' : errorCodeName(this.code);
  }
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** True if the close was asked for by this client (close() or a new connect()). */
  readonly byClient: boolean;
}

export interface PongInfo {
  readonly pong: PongMsg;
  /** This round trip, ms. */
  readonly rttMs: number;
  /** Moving average, ms. */
  readonly rttAverageMs: number;
}

/** Listener signatures, by event type. */
export interface ZoneClientEvents {
  welcome: (welcome: WelcomeMsg) => void;
  /** After the snapshot was applied to `world`. */
  snapshot: (snapshot: SnapshotMsg, changes: SnapshotChanges) => void;
  /** Each event of a snapshot, in order, after the 'snapshot' listeners. */
  event: (event: EventObj, tick: number) => void;
  pong: (info: PongInfo) => void;
  zoneChange: (change: ZoneChangeMsg) => void;
  error: (error: ZoneClientError) => void;
  close: (info: CloseInfo) => void;
}
export type ZoneClientEventType = keyof ZoneClientEvents;

export type ZoneClientState = 'idle' | 'connecting' | 'joined' | 'closed';

export interface ZoneClientStats {
  /** Frames received (any kind, also undecodable ones). */
  framesReceived: number;
  bytesReceived: number;
  framesSent: number;
  bytesSent: number;
  snapshots: number;
  /** Local ms between the last two snapshots; NaN until two have arrived. */
  lastSnapshotIntervalMs: number;
  /** Local time of the last snapshot; NaN before the first. */
  lastSnapshotAtMs: number;
  /** Error frames from the server. */
  serverErrors: number;
  /** Frames that failed to decode (unknown message types not included). */
  decodeErrors: number;
  /** Frames of a message type this version does not know (ignored). */
  unknownMessages: number;
}

// ---------------------------------------------------------------- options

export interface ZoneClientOptions {
  /** Display name sent in Hello. */
  readonly name: string;
  /** Join token ('' or absent: guest). */
  readonly token?: string;
  /** WebSocket class; defaults to globalThis.WebSocket when there is one. */
  readonly WebSocket?: WebSocketConstructor;
  /** Socket factory; takes precedence over `WebSocket`. */
  readonly createSocket?: WebSocketFactory;
  /** Local clock in ms. Default performance.now. */
  readonly now?: () => number;
  /** Reject connect() if no Welcome arrives within this many ms (0: never). Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Hello.protocol_version. Default PROTOCOL_VERSION (tests may send another). */
  readonly protocolVersion?: number;
  readonly world?: ClientWorldOptions;
  readonly clock?: Omit<ServerClockOptions, 'tickMs'>;
  /** RTT moving-average gain. Default 0.125. */
  readonly rttAlpha?: number;
  /**
   * On ZoneChange, connect to the new zone with its token at once (keeping the counters), so a
   * handoff between zones needs nothing from the application. Default false.
   */
  readonly followZoneChange?: boolean;
  /**
   * Predict the player's own entity (see prediction.ts): moves take effect at once and are
   * reconciled with the server's acks. Off by default (bots need no rendering). While on, the
   * client pings once a second to know how far ahead to run.
   */
  readonly prediction?: PredictionOptions | boolean;
}

/** Overrides for one connect() (e.g. the token of a ZoneChange). */
export interface ConnectOverrides {
  /** Keep the traffic counters (a handoff continues the same session). */
  readonly keepStats?: boolean;
  readonly name?: string;
  readonly token?: string;
}

type ListenerMap = { [K in ZoneClientEventType]: Array<ZoneClientEvents[K]> };

interface PendingConnect {
  resolve: (w: WelcomeMsg) => void;
  reject: (e: ZoneClientError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function defaultNow(): number {
  return performance.now();
}

function asFrameBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function checkNetId(what: string, id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > 0xffff_ffff) throw new RangeError(`${what} must be a NetId 1..2^32-1, got ${id}`);
}

// ---------------------------------------------------------------- the client

export class ZoneClient {
  readonly world: ClientWorld;
  readonly clock: ServerClock;
  readonly rtt: RttEstimator;
  /** Prediction of the own entity; null unless options.prediction. */
  readonly predictor: Predictor | null;
  readonly stats: ZoneClientStats = ZoneClient.emptyStats();
  /** The Welcome of the current connection, null before it. */
  welcomeMsg: WelcomeMsg | null = null;
  /** The last ZoneChange received, null if none. */
  lastZoneChange: ZoneChangeMsg | null = null;

  private readonly options: ZoneClientOptions;
  private readonly now: () => number;
  private readonly listeners: ListenerMap = {
    welcome: [], snapshot: [], event: [], pong: [], zoneChange: [], error: [], close: [],
  };
  private socket: WebSocketLike | null = null;
  private stateValue: ZoneClientState = 'idle';
  private seq = 0;
  private pending: PendingConnect | null = null;
  private closingByClient = false;

  /** Constructs and connects; resolves with the joined client. */
  static async connect(url: string, options: ZoneClientOptions): Promise<ZoneClient> {
    const client = new ZoneClient(options);
    await client.connect(url);
    return client;
  }

  constructor(options: ZoneClientOptions) {
    this.options = options;
    this.now = options.now ?? defaultNow;
    this.world = new ClientWorld(options.world);
    this.clock = new ServerClock({ ...options.clock, tickMs: this.world.tickMs });
    this.rtt = new RttEstimator(options.rttAlpha);
    const p = options.prediction;
    this.predictor = p ? new Predictor(p === true ? {} : p) : null;
  }

  private static emptyStats(): ZoneClientStats {
    return {
      framesReceived: 0, bytesReceived: 0, framesSent: 0, bytesSent: 0, snapshots: 0,
      lastSnapshotIntervalMs: NaN, lastSnapshotAtMs: NaN,
      serverErrors: 0, decodeErrors: 0, unknownMessages: 0,
    };
  }

  get state(): ZoneClientState {
    return this.stateValue;
  }

  /** True between Welcome and close. */
  get joined(): boolean {
    return this.stateValue === 'joined';
  }

  /** Own NetId (0 before Welcome). */
  get netId(): number {
    return this.world.ownNetId;
  }

  /** Seq of the last input sent on this connection (0: none). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Inputs sent but not yet acknowledged by a snapshot's ack_seq. */
  get unackedInputs(): number {
    return Math.max(0, this.seq - this.world.ackSeq);
  }

  // ------------------------------------------------------------ listeners

  /** Adds a listener; returns a function that removes it. */
  on<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): () => void {
    (this.listeners[type] as Array<ZoneClientEvents[K]>).push(fn);
    return () => this.off(type, fn);
  }

  /** Adds a listener that runs once. */
  once<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): () => void {
    const off = this.on(type, ((...args: unknown[]) => {
      off();
      (fn as (...a: unknown[]) => void)(...args);
    }) as ZoneClientEvents[K]);
    return off;
  }

  off<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): void {
    const list = this.listeners[type] as Array<ZoneClientEvents[K]>;
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  }

  private emit<K extends ZoneClientEventType>(type: K, ...args: Parameters<ZoneClientEvents[K]>): void {
    const list = this.listeners[type];
    if (list.length === 0) return;
    for (const fn of list.slice()) {
      try {
        (fn as (...a: unknown[]) => void)(...args);
      } catch (err) {
        if (type === 'error') {
          // Nowhere left to report it without looping.
          console.error('ZoneClient: error listener threw', err);
        } else {
          this.emit('error', new ZoneClientError('listener', `a '${type}' listener threw: ${(err as Error)?.message ?? err}`, { cause: err }));
        }
      }
    }
  }

  // ------------------------------------------------------------ connection

  /**
   * Opens the WebSocket, sends Hello on open and resolves with the Welcome. Rejects with a
   * ZoneClientError: kind 'server' (an Error frame before Welcome: `code`, `serverText`),
   * 'closed' (closed before Welcome: `closeCode`), 'socket', 'timeout'. A client that is
   * connected is first closed (e.g. to follow a ZoneChange:
   * `client.connect(zc.endpoint, { token: zc.token })`).
   */
  connect(url: string, overrides: ConnectOverrides = {}): Promise<WelcomeMsg> {
    if (this.socket !== null) this.detachAndClose(1000, 'reconnect');
    this.failPending(new ZoneClientError('closed', 'superseded by a new connect()'));
    const name = overrides.name ?? this.options.name;
    const token = overrides.token ?? this.options.token ?? '';

    this.seq = 0;
    this.welcomeMsg = null;
    this.world.reset();
    this.clock.reset();
    this.rtt.reset();
    if (!overrides.keepStats) Object.assign(this.stats, ZoneClient.emptyStats());
    this.closingByClient = false;
    this.stateValue = 'connecting';

    return new Promise<WelcomeMsg>((resolve, reject) => {
      const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
      const pending: PendingConnect = { resolve, reject, timer: undefined };
      this.pending = pending;
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          if (this.pending !== pending) return;
          this.failPending(new ZoneClientError('timeout', `no Welcome within ${timeoutMs} ms`));
          this.close(1000, 'connect timeout');
        }, timeoutMs);
      }
      let socket: WebSocketLike;
      try {
        socket = this.openSocket(url);
      } catch (err) {
        this.stateValue = 'closed';
        this.failPending(new ZoneClientError('socket', `cannot open ${url}: ${(err as Error)?.message ?? err}`, { cause: err }));
        return;
      }
      this.socket = socket;
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => {
        if (this.socket !== socket) return;
        this.sendFrame(encodeHello({
          name,
          token,
          protocolVersion: this.options.protocolVersion ?? PROTOCOL_VERSION,
        }));
      };
      socket.onmessage = (ev: { data: unknown }) => {
        if (this.socket !== socket) return;
        this.onFrame(ev.data);
      };
      socket.onerror = (ev: unknown) => {
        if (this.socket !== socket) return;
        // Closing a still-connecting socket makes some implementations report an error too.
        if (this.closingByClient) return;
        const detail = (ev as { message?: unknown; error?: unknown } | null)?.message;
        const err = new ZoneClientError('socket', `WebSocket error${typeof detail === 'string' && detail !== '' ? `: ${detail}` : ''}`, { cause: ev });
        this.failPending(err);
        this.emit('error', err);
      };
      socket.onclose = (ev: { code?: number; reason?: string }) => {
        if (this.socket !== socket) return;
        this.onSocketClose(ev?.code ?? 1006, ev?.reason ?? '');
      };
    });
  }

  private openSocket(url: string): WebSocketLike {
    if (this.options.createSocket !== undefined) return this.options.createSocket(url);
    const Ctor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new Error('no WebSocket implementation: pass options.WebSocket (in Node: the ws package\'s WebSocket)');
    return new Ctor(url);
  }

  /** Closes the connection (default code 1000). 'close' is emitted when the socket closes. */
  close(code = 1000, reason = ''): void {
    const socket = this.socket;
    this.failPending(new ZoneClientError('closed', 'closed by the client before Welcome', { closeCode: code }));
    if (socket === null) {
      this.stateValue = this.stateValue === 'idle' ? 'idle' : 'closed';
      return;
    }
    this.closingByClient = true;
    try {
      socket.close(code, reason);
    } catch {
      // An invalid code or a socket already gone: treat as closed now.
      this.onSocketClose(code, reason);
    }
  }

  private detachAndClose(code: number, reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  private onSocketClose(code: number, reason: string): void {
    const byClient = this.closingByClient;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.socket = null;
    this.stateValue = 'closed';
    this.failPending(new ZoneClientError('closed', `connection closed before Welcome (${code}${reason === '' ? '' : ` ${reason}`})`, { closeCode: code }));
    this.emit('close', { code, reason, byClient });
  }

  private failPending(err: ZoneClientError): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.reject(err);
  }

  // ------------------------------------------------------------ inbound

  private onFrame(data: unknown): void {
    const stats = this.stats;
    stats.framesReceived++;
    const bytes = asFrameBytes(data);
    if (bytes === null) {
      if (typeof data === 'string') stats.bytesReceived += data.length;
      stats.decodeErrors++;
      this.emit('error', new ZoneClientError('protocol', typeof data === 'string' ? 'text frame from the server' : 'frame is not binary data', { code: ErrorCode.BadFrame }));
      return;
    }
    stats.bytesReceived += bytes.byteLength;
    let msg: ServerMsg;
    try {
      msg = decodeServerMessage(bytes);
    } catch (err) {
      if (err instanceof ProtocolDecodeError && err.code === ErrorCode.UnknownMessage) {
        stats.unknownMessages++;
        return;
      }
      stats.decodeErrors++;
      const code = err instanceof ProtocolDecodeError ? err.code : ErrorCode.BadFrame;
      this.emit('error', new ZoneClientError('decode', `undecodable server frame: ${(err as Error)?.message ?? err}`, { code, cause: err }));
      return;
    }
    const arrival = this.now();
    switch (msg.type) {
      case 'welcome': return this.onWelcome(msg, arrival);
      case 'snapshot': return this.onSnapshot(msg, arrival);
      case 'pong': return this.onPong(msg, arrival);
      case 'error': return this.onServerError(msg);
      case 'zoneChange':
        this.lastZoneChange = msg;
        this.emit('zoneChange', msg);
        if (this.options.followZoneChange) {
          this.connect(msg.endpoint, { token: msg.token, keepStats: true }).catch((e: ZoneClientError) => this.emit('error', e));
        }
        return;
    }
  }

  private onWelcome(w: WelcomeMsg, arrival: number): void {
    if (this.stateValue === 'joined' && this.welcomeMsg !== null) {
      // Moved to another zone on the same connection (a handoff inside one server process):
      // a new zone, a new NetId, the world starts over from the keyframe that follows.
      this.welcomeMsg = w;
      this.world.reset();
      this.world.welcome(w);
      this.predictor?.reset(w.tickRate > 0 ? w.tickRate : undefined);
      this.clock.reset();
      if (w.tickRate > 0) this.clock.setTickRate(w.tickRate);
      this.clock.observeTick(w.tick, arrival);
      this.emit('welcome', w);
      return;
    }
    if (this.stateValue !== 'connecting' || this.welcomeMsg !== null) {
      this.emit('error', new ZoneClientError('protocol', 'unexpected Welcome (ignored)'));
      return;
    }
    this.welcomeMsg = w;
    this.world.welcome(w);
    if (w.tickRate > 0) this.clock.setTickRate(w.tickRate);
    this.clock.observeTick(w.tick, arrival);
    this.stateValue = 'joined';
    if (this.predictor) this.startPredicting(w);
    const p = this.pending;
    this.pending = null;
    if (p !== null) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.resolve(w);
    }
    this.emit('welcome', w);
  }

  private onSnapshot(s: SnapshotMsg, arrival: number): void {
    if (this.welcomeMsg === null) {
      this.emit('error', new ZoneClientError('protocol', `Snapshot (tick ${s.tick}) before Welcome (ignored)`));
      return;
    }
    const stats = this.stats;
    if (stats.snapshots > 0) stats.lastSnapshotIntervalMs = arrival - stats.lastSnapshotAtMs;
    stats.lastSnapshotAtMs = arrival;
    stats.snapshots++;
    const changes = this.world.applySnapshot(s);
    this.clock.observeTick(s.tick, arrival);
    const own = this.predictor ? this.world.own() : undefined;
    if (own) this.predictor!.reconcile(s.tick, s.ackSeq, own.record, own.recordTick, arrival);
    this.emit('snapshot', s, changes);
    if (this.listeners.event.length > 0) for (const e of s.events) this.emit('event', e, s.tick);
  }

  private onPong(p: PongMsg, arrival: number): void {
    const rttMs = this.rtt.observe(p.clientTime, arrival);
    if (this.welcomeMsg !== null) this.clock.observeTick(p.serverTick, arrival);
    this.emit('pong', { pong: p, rttMs, rttAverageMs: this.rtt.averageMs });
  }

  private onServerError(e: ErrorMsg): void {
    this.stats.serverErrors++;
    const name = errorCodeName(e.code);
    const err = new ZoneClientError('server', `server error ${name}${e.text === '' ? '' : `: ${e.text}`}`, { code: e.code, serverText: e.text });
    if (this.pending !== null) {
      // Before Welcome every error is final for this attempt (even a non-fatal BadString
      // leaves us unjoined): reject and close.
      this.failPending(err);
      this.emit('error', err);
      this.close(1000, name);
      return;
    }
    this.emit('error', err);
  }

  // ------------------------------------------------------------ outbound

  private sendFrame(bytes: Uint8Array): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WS_OPEN) return false;
    socket.send(bytes);
    this.stats.framesSent++;
    this.stats.bytesSent += bytes.byteLength;
    return true;
  }

  private sendInput(encode: (seq: number) => Uint8Array): number {
    if (this.stateValue !== 'joined') return 0;
    const seq = this.seq + 1;
    if (!this.sendFrame(encode(seq))) return 0;
    this.seq = seq;
    return seq;
  }

  /**
   * Walk toward (x, y). Returns the input's seq, or 0 if nothing was sent (not joined).
   * Throws RangeError for non-finite coordinates.
   */
  move(x: number, y: number): number {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`move target must be finite, got (${x}, ${y})`);
    const p = this.predictor;
    if (p === null) return this.sendInput((seq) => encodeMove({ seq, x, y }));
    // Predicted: tagged with the tick it lands at, and walked from that same tick locally.
    const applyTick = p.applyTickFor(this.serverTick(), this.predictionRttMs());
    const seq = this.sendInput((n) => encodeMove({ seq: n, x, y, applyTick }));
    if (seq !== 0) p.move(seq, x, y, applyTick);
    return seq;
  }

  /** Say `text` (1..256 characters, checked by the server). Returns the seq, or 0. */
  chat(text: string): number {
    if (typeof text !== 'string' || text.length === 0) throw new RangeError('chat text must be a non-empty string');
    return this.sendInput((seq) => encodeChat({ seq, text }));
  }

  /** Attack entity `target`. Returns the seq, or 0. */
  attack(target: number): number {
    checkNetId('attack target', target);
    return this.sendInput((seq) => encodeAttack({ seq, target }));
  }

  /** Pick up ground item `item`. Returns the seq, or 0. */
  useItem(item: number): number {
    checkNetId('item', item);
    return this.sendInput((seq) => encodeUseItem({ seq, item }));
  }

  /**
   * Sends a Ping stamped with now() (allowed before Welcome too). Returns the stamp, or NaN
   * if the socket is not open. The Pong updates `rtt` and emits 'pong'.
   */
  ping(): number {
    const t = this.now();
    return this.sendFrame(encodePing({ clientTime: t })) ? t : NaN;
  }

  // ------------------------------------------------------------ time and rendering

  /** Estimated server time now, ms (NaN before Welcome). */
  serverTimeMs(): number {
    return this.clock.serverTimeMs(this.now());
  }

  /** Where to sample interpolation buffers now: server time − interpolation delay. */
  renderTimeMs(): number {
    return this.clock.renderTimeMs(this.now());
  }

  /**
   * Where to draw the player's own entity now: its prediction (what the server will have once
   * this client's moves land) plus a fading correction. null without prediction or before the
   * first record of it.
   */
  predictedPosition(): { x: number; y: number } | null {
    const p = this.predictor;
    if (p === null || !p.ready) return null;
    p.advanceTo(p.applyTickFor(this.serverTick(), this.predictionRttMs()) - 1);
    return p.displayed(this.now());
  }

  /** The newest server tick this client could be receiving now (fractional; NaN before Welcome). */
  private serverTick(): number {
    return this.serverTimeMs() / this.clock.tickMs;
  }

  /** Round trip used to run ahead: the measured average, 100 ms until the first Pong. */
  private predictionRttMs(): number {
    return Number.isFinite(this.rtt.averageMs) ? this.rtt.averageMs : 100;
  }

  private pingTimer: ReturnType<typeof setInterval> | undefined;

  /** A predicting client measures its round trip from the start, and once a second after. */
  private startPredicting(w: WelcomeMsg): void {
    this.predictor!.reset(w.tickRate > 0 ? w.tickRate : undefined);
    this.ping();
    if (this.pingTimer === undefined) this.pingTimer = setInterval(() => this.ping(), 1000);
  }

  /** Interpolated state of a known entity at the current render time; null if unknown. */
  sampleEntity(netId: number, out?: InterpolatedState): InterpolatedState | null {
    return this.world.sample(netId, this.renderTimeMs(), out);
  }
}
