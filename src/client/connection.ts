// ZoneClient: one player's WebSocket connection to a zone (PROTOCOL.md §3).
//
// Works in browsers and in Node: it never imports a WebSocket implementation. Pass the
// browser's `WebSocket`, or in Node the `ws` package's `WebSocket` class, or a factory
// (`createSocket`) for anything else (options, a proxy, a fake in tests). The only clock is
// `now()` (default performance.now); timers serve only the connect timeout and the prediction ping.
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
//
// This file keeps the connection's lifecycle and the handling of inbound messages. Elsewhere:
// public types (types.ts, errors.ts), listeners (listeners.ts), the raw socket (socket.ts),
// frame decoding (frames.ts), outbound inputs (inputs.ts).

import {
  PROTOCOL_VERSION,
  encodeHello,
  encodePing,
  errorCodeName,
  type ErrorMsg,
  type PongMsg,
  type SnapshotMsg,
  type WelcomeMsg,
  type ZoneChangeMsg,
} from '../protocol/index.js';
import { RttEstimator, ServerClock } from './clock.js';
import { ZoneClientError } from './errors.js';
import { readServerFrame } from './frames.js';
import { InputSender } from './inputs.js';
import type { InterpolatedState } from './interpolation.js';
import { ZoneClientEmitter } from './listeners.js';
import { Predictor } from './prediction.js';
import { WS_OPEN, detachAndClose, openSocket, wireSocket } from './socket.js';
import {
  emptyZoneClientStats,
  type ConnectOverrides,
  type WebSocketLike,
  type ZoneClientOptions,
  type ZoneClientState,
  type ZoneClientStats,
} from './types.js';
import { ClientWorld } from './world.js';

interface PendingConnect {
  resolve: (w: WelcomeMsg) => void;
  reject: (e: ZoneClientError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// The default local clock: monotonic, unlike Date.now.
function defaultNow(): number {
  return performance.now();
}

export class ZoneClient extends ZoneClientEmitter {
  readonly world: ClientWorld;
  readonly clock: ServerClock;
  readonly rtt: RttEstimator;
  /** Prediction of the own entity; null unless options.prediction. */
  readonly predictor: Predictor | null;
  readonly stats: ZoneClientStats = emptyZoneClientStats();
  /** The Welcome of the current connection, null before it. */
  welcomeMsg: WelcomeMsg | null = null;
  /** The last ZoneChange received, null if none. */
  lastZoneChange: ZoneChangeMsg | null = null;

  private readonly options: ZoneClientOptions;
  private readonly now: () => number;
  private readonly inputs: InputSender;
  private socket: WebSocketLike | null = null;
  private stateValue: ZoneClientState = 'idle';
  private pending: PendingConnect | null = null;
  private closingByClient = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;

  /** Constructs and connects; resolves with the joined client. */
  static async connect(url: string, options: ZoneClientOptions): Promise<ZoneClient> {
    const client = new ZoneClient(options);
    await client.connect(url);
    return client;
  }

  // Builds the world, clocks and (optionally) the predictor; opens nothing until connect().
  constructor(options: ZoneClientOptions) {
    super();
    this.options = options;
    this.now = options.now ?? defaultNow;
    this.world = new ClientWorld(options.world);
    this.clock = new ServerClock({ ...options.clock, tickMs: this.world.tickMs });
    this.rtt = new RttEstimator(options.rttAlpha);
    const p = options.prediction;
    this.predictor = p ? new Predictor(p === true ? {} : p) : null;
    this.inputs = new InputSender({
      sendFrame: (bytes) => this.sendFrame(bytes),
      isJoined: () => this.stateValue === 'joined',
      applyTickNow: (predictor) => this.applyTickNow(predictor),
    }, this.predictor);
  }

  /** Where the connection stands: idle, connecting, joined or closed. */
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
    return this.inputs.lastSeq;
  }

  /** Inputs sent but not yet acknowledged by a snapshot's ack_seq. */
  get unackedInputs(): number {
    return Math.max(0, this.inputs.lastSeq - this.world.ackSeq);
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
    if (this.socket !== null) detachAndClose(this.socket, 1000, 'reconnect');
    this.socket = null;
    this.failPending(new ZoneClientError('closed', 'superseded by a new connect()'));
    const name = overrides.name ?? this.options.name;
    const token = overrides.token ?? this.options.token ?? '';

    this.inputs.reset();
    this.welcomeMsg = null;
    this.world.reset();
    this.clock.reset();
    this.rtt.reset();
    if (!overrides.keepStats) Object.assign(this.stats, emptyZoneClientStats());
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
        socket = openSocket(url, this.options);
      } catch (err) {
        this.stateValue = 'closed';
        this.failPending(new ZoneClientError('socket', `cannot open ${url}: ${(err as Error)?.message ?? err}`, { cause: err }));
        return;
      }
      this.socket = socket;
      wireSocket(socket, {
        isCurrent: (s) => this.socket === s,
        open: () => {
          this.sendFrame(encodeHello({ name, token, protocolVersion: this.options.protocolVersion ?? PROTOCOL_VERSION }));
        },
        frame: (data) => this.onFrame(data),
        error: (err) => {
          // Closing a still-connecting socket makes some implementations report an error too.
          if (this.closingByClient) return;
          this.failPending(err);
          this.emit('error', err);
        },
        close: (code, reason) => this.onSocketClose(code, reason),
      });
    });
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

  // The one place a connection ends: stops pinging, settles a pending connect, emits close.
  private onSocketClose(code: number, reason: string): void {
    const byClient = this.closingByClient;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.socket = null;
    this.stateValue = 'closed';
    this.failPending(new ZoneClientError('closed', `connection closed before Welcome (${code}${reason === '' ? '' : ` ${reason}`})`, { closeCode: code }));
    this.emit('close', { code, reason, byClient });
  }

  // Rejects the pending connect() (if any) and stops its timeout.
  private failPending(err: ZoneClientError): void {
    this.settlePending((p) => p.reject(err));
  }

  // Ends the pending connect() (if any) once: stops its timeout, then resolves or rejects it.
  private settlePending(settle: (p: PendingConnect) => void): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (p.timer !== undefined) clearTimeout(p.timer);
    settle(p);
  }

  // ------------------------------------------------------------ inbound

  // Decodes and counts the frame (frames.ts), then hands it to its message's handler.
  private onFrame(data: unknown): void {
    const msg = readServerFrame(data, this.stats);
    if (msg === null) return;
    if (msg instanceof ZoneClientError) return this.emit('error', msg);
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

  // Completes connect(), or starts over in a new zone when the server moves the client.
  private onWelcome(w: WelcomeMsg, arrival: number): void {
    const handoff = this.stateValue === 'joined' && this.welcomeMsg !== null;
    if (!handoff && (this.stateValue !== 'connecting' || this.welcomeMsg !== null)) {
      this.emit('error', new ZoneClientError('protocol', 'unexpected Welcome (ignored)'));
      return;
    }
    if (handoff) {
      // Moved to another zone on the same connection (a handoff inside one server process):
      // a new zone, a new NetId, the world starts over from the keyframe that follows.
      this.world.reset();
      this.predictor?.reset(w.tickRate > 0 ? w.tickRate : undefined);
      this.clock.reset();
    }
    this.welcomeMsg = w;
    this.world.welcome(w);
    if (w.tickRate > 0) this.clock.setTickRate(w.tickRate);
    this.clock.observeTick(w.tick, arrival);
    if (!handoff) {
      this.stateValue = 'joined';
      if (this.predictor) this.startPredicting(w);
      this.settlePending((p) => p.resolve(w));
    }
    this.emit('welcome', w);
  }

  // Applies the snapshot to world, clock and prediction before the listeners see it.
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
    if (this.hasListeners('event')) for (const e of s.events) this.emit('event', e, s.tick);
  }

  // A Pong measures the round trip and, once joined, also dates a server tick.
  private onPong(p: PongMsg, arrival: number): void {
    const rttMs = this.rtt.observe(p.clientTime, arrival);
    if (this.welcomeMsg !== null) this.clock.observeTick(p.serverTick, arrival);
    this.emit('pong', { pong: p, rttMs, rttAverageMs: this.rtt.averageMs });
  }

  // A server Error fails a pending connect (and closes); after Welcome it is only reported.
  private onServerError(e: ErrorMsg): void {
    this.stats.serverErrors++;
    const err = ZoneClientError.fromServer(e);
    if (this.pending !== null) {
      // Before Welcome every error is final for this attempt (even a non-fatal BadString
      // leaves us unjoined): reject and close.
      this.failPending(err);
      this.emit('error', err);
      this.close(1000, errorCodeName(e.code));
      return;
    }
    this.emit('error', err);
  }

  // ------------------------------------------------------------ outbound

  // Sends one frame if the socket is open and counts it; false when nothing was sent.
  private sendFrame(bytes: Uint8Array): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WS_OPEN) return false;
    socket.send(bytes);
    this.stats.framesSent++;
    this.stats.bytesSent += bytes.byteLength;
    return true;
  }

  /**
   * Walk toward (x, y): the server walks to that point on its walk grid of 1/8 units, each
   * coordinate rounded toward the player (PROTOCOL.md §4, Move). Returns the input's seq, or 0
   * if nothing was sent (not joined). Throws RangeError for non-finite coordinates.
   */
  move(x: number, y: number): number {
    return this.inputs.move(x, y);
  }

  /** Say `text` (1..256 characters, checked by the server). Returns the seq, or 0. */
  chat(text: string): number {
    return this.inputs.chat(text);
  }

  /** Attack entity `target`. Returns the seq, or 0. */
  attack(target: number): number {
    return this.inputs.attack(target);
  }

  /** Pick up ground item `item`. Returns the seq, or 0. */
  useItem(item: number): number {
    return this.inputs.useItem(item);
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
    p.advanceTo(this.applyTickNow(p) - 1);
    return p.displayed(this.now());
  }

  /**
   * The tick a move sent now lands at: from the newest server tick this client could be
   * receiving (fractional; NaN before Welcome), run ahead by the measured round trip (100 ms
   * until the first Pong).
   */
  private applyTickNow(p: Predictor): number {
    const serverTick = this.serverTimeMs() / this.clock.tickMs;
    return p.applyTickFor(serverTick, Number.isFinite(this.rtt.averageMs) ? this.rtt.averageMs : 100);
  }

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
