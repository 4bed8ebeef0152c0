// A small WebSocket test client for the zone server, on the `ws` package (independent of the
// real client SDK in src/client). It records everything the server sends: Welcome, every
// Snapshot (the known-entity view is kept per PROTOCOL.md §7: a keyframe clears, `removed`
// before `entities`, then Motion and Steer records: knownRecords.ts), events with their tick, errors, pongs, and the close code and reason.
// Waiting is always on a condition with a timeout, never a bare sleep.

import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  decodeServerMessage,
  encodeAttack,
  encodeChat,
  encodeHello,
  encodeMove,
  encodePing,
  encodeUseItem,
  SNAPSHOT_HEARTBEAT_MS,
  type EntityStateObj,
  type ErrorMsg,
  type EventObj,
  type PongMsg,
  type SnapshotMsg,
  type WelcomeMsg,
} from '../../src/protocol/index.js';
import { walkGridTarget } from '../../src/sim/motion.js';
import { applySnapshot } from './knownRecords.js';

/** The last record of an entity and the tick of the snapshot it came in. */
export interface Known {
  rec: EntityStateObj;
  tick: number;
}

export interface TickedEvent extends EventObj {
  /** Tick of the snapshot that carried the event. */
  tick: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Polls `pred` (also async) every few ms until it is truthy; throws with `what` on timeout. */
export async function waitUntil(pred: () => unknown, timeoutMs: number, what = 'condition'): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let clientCounter = 0;

export class TestClient {
  readonly ws: WebSocket;
  readonly label: string;
  welcome: WelcomeMsg | undefined;
  /** What this client knows of the world: NetId -> last record. */
  readonly known = new Map<number, Known>();
  readonly snapshots: SnapshotMsg[] = [];
  readonly events: TickedEvent[] = [];
  readonly errors: ErrorMsg[] = [];
  readonly pongs: PongMsg[] = [];
  /** Server frames that did not decode (should stay empty). */
  readonly decodeFailures: string[] = [];
  /** Motion records for an entity this client did not know (should stay 0). */
  unknownMoves = 0;
  /** Text frames from the server (should stay empty). */
  textFrames = 0;
  /** Frames received from the server, of any kind. */
  frames = 0;
  /** Set once the connection closed. */
  closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;
  /** Sequence number of the last input sent (the next one is seq + 1). */
  seq = 0;
  /** Keep every snapshot (set false for long runs that only need ticks). */
  keepSnapshots = true;
  /** ack_seq of the newest snapshot. */
  ackSeq = 0;
  /** Ticks of every snapshot received, in order. */
  readonly snapshotTicks: number[] = [];
  /** Wall-clock arrival (performance.now()) of every snapshot, parallel to snapshotTicks. */
  readonly snapshotTimes: number[] = [];
  /** Ticks of the keyframes among them. */
  readonly keyframeTicks = new Set<number>();

  /** Pending waitFor calls, re-checked on every frame and on close. */
  private readonly waiters = new Set<() => void>();

  private constructor(url: string, label: string) {
    this.label = label;
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });
    this.ws.binaryType = 'arraybuffer';
    this.ws.on('message', (data: ArrayBuffer | string, isBinary: boolean) => this.onMessage(data, isBinary));
    this.ws.on('error', () => { /* the close event follows; tests look at closeInfo */ });
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.ws.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
        this.wake();
      });
    });
  }

  /** Opens a connection (no Hello yet). */
  static async connect(url: string, label = `c${++clientCounter}`, timeoutMs = 5000): Promise<TestClient> {
    const c = new TestClient(url, label);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${label}: connect timed out`)), timeoutMs);
      c.ws.once('open', () => { clearTimeout(t); resolve(); });
      c.ws.once('close', () => { clearTimeout(t); reject(new Error(`${label}: closed before open`)); });
    });
    return c;
  }

  /** Connects, says Hello, and waits for Welcome and the first (key)frame. */
  static async join(url: string, name: string, timeoutMs = 5000): Promise<TestClient> {
    const c = await TestClient.connect(url, name, timeoutMs);
    c.hello(name);
    await c.waitWelcome(timeoutMs);
    return c;
  }

  /** Waits for Welcome and the first snapshot after it (a keyframe). */
  async waitWelcome(timeoutMs = 5000): Promise<WelcomeMsg> {
    await this.waitFor(() => this.welcome !== undefined && this.snapshotTicks.length > 0, timeoutMs, 'Welcome and first snapshot');
    return this.welcome!;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private onMessage(data: ArrayBuffer | string, isBinary: boolean): void {
    this.record(data, isBinary);
    if (this.waiters.size > 0) this.wake();
  }

  private record(data: ArrayBuffer | string, isBinary: boolean): void {
    this.frames++;
    if (!isBinary || typeof data === 'string') {
      this.textFrames++;
      return;
    }
    let msg;
    try {
      msg = decodeServerMessage(new Uint8Array(data));
    } catch (e) {
      this.decodeFailures.push((e as Error).message);
      return;
    }
    switch (msg.type) {
      case 'welcome':
        this.welcome = msg;
        break;
      case 'snapshot':
        if (this.keepSnapshots) this.snapshots.push(msg);
        this.snapshotTicks.push(msg.tick);
        this.snapshotTimes.push(performance.now());
        this.ackSeq = msg.ackSeq;
        if (msg.keyframe) this.keyframeTicks.add(msg.tick);
        this.unknownMoves += applySnapshot(this.known, msg, this.welcome?.tickRate);
        for (const ev of msg.events) this.events.push({ ...ev, tick: msg.tick });
        break;
      case 'error':
        this.errors.push(msg);
        break;
      case 'pong':
        this.pongs.push(msg);
        break;
      default:
        break;
    }
  }

  /** Own NetId (after Welcome). */
  get netId(): number {
    if (!this.welcome) throw new Error(`${this.label}: not welcomed`);
    return this.welcome.netId;
  }

  /** Tick of the newest snapshot, or -1. */
  get lastTick(): number {
    return this.snapshotTicks.length ? this.snapshotTicks[this.snapshotTicks.length - 1] : -1;
  }

  /** Own last record. */
  get self(): EntityStateObj | undefined {
    return this.welcome ? this.known.get(this.welcome.netId)?.rec : undefined;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Where an entity is at `tick` by the motion model of PROTOCOL.md §5, extrapolated from its
   * last record; `secondsPerTick` defaults to 1 / Welcome.tick_rate.
   */
  positionAt(netId: number, tick: number, secondsPerTick = 1 / (this.welcome?.tickRate ?? 20)): { x: number; y: number } {
    const k = this.known.get(netId);
    if (!k) throw new Error(`${this.label}: entity ${netId} not known`);
    const { rec } = k;
    const dx = rec.targetX - rec.x, dy = rec.targetY - rec.y;
    const d = Math.hypot(dx, dy);
    const travel = rec.speed * secondsPerTick * Math.max(0, tick - k.tick);
    if (d === 0 || travel >= d) return { x: rec.targetX, y: rec.targetY };
    return { x: rec.x + (dx / d) * travel, y: rec.y + (dy / d) * travel };
  }

  /**
   * Resolves once `pred` holds: checked at once, on every frame from the server, on close,
   * and every 20 ms (for predicates that also look elsewhere). Fails after `timeoutMs`.
   */
  waitFor(pred: () => unknown, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        let ok: unknown;
        try {
          ok = pred();
        } catch (e) {
          done();
          reject(e as Error);
          return;
        }
        if (ok) {
          done();
          resolve();
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Waits until a snapshot with tick >= `tick` arrived. */
  waitTick(tick: number, timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.lastTick >= tick, timeoutMs, `tick ${tick}`);
  }

  /** Waits for the next Error frame after the `from`-th one (default: any new one from now). */
  async nextError(timeoutMs = 5000, from = this.errors.length): Promise<ErrorMsg> {
    await this.waitFor(() => this.errors.length > from, timeoutMs, 'an Error frame');
    return this.errors[from];
  }

  waitClosed(timeoutMs = 5000): Promise<CloseInfo> {
    return this.waitFor(() => this.closeInfo !== undefined, timeoutMs, 'close').then(() => this.closeInfo!);
  }

  // ------------------------------------------------------------------ sending

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  hello(name: string, opts: { token?: string; protocolVersion?: number } = {}): void {
    this.sendBytes(encodeHello({ name, token: opts.token ?? '', protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION }));
  }

  /** Each input gets the next sequence number, which is returned. */
  move(x: number, y: number): number {
    this.sendBytes(encodeMove({ seq: ++this.seq, x, y }));
    return this.seq;
  }

  chat(text: string): number {
    this.sendBytes(encodeChat({ seq: ++this.seq, text }));
    return this.seq;
  }

  attack(target: number): number {
    this.sendBytes(encodeAttack({ seq: ++this.seq, target }));
    return this.seq;
  }

  useItem(item: number): number {
    this.sendBytes(encodeUseItem({ seq: ++this.seq, item }));
    return this.seq;
  }

  ping(clientTime: number): void {
    this.sendBytes(encodePing({ clientTime }));
  }

  /** Moves to (x, y) and waits until the own record shows it standing there (on the walk grid). */
  async moveTo(x: number, y: number, timeoutMs = 10_000): Promise<void> {
    const from = this.self;
    if (from === undefined) throw new Error(`${this.label}: moveTo before its own record came`);
    const fx = walkGridTarget(from.x, x), fy = walkGridTarget(from.y, y);
    this.move(x, y);
    await this.waitFor(() => {
      const s = this.self;
      return s !== undefined && (s.flags & 2) === 0 && s.x === fx && s.y === fy;
    }, timeoutMs, `arrival at (${x}, ${y})`);
  }

  /** Closes gracefully (or terminates if already closing); resolves once closed. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closeInfo) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'bye');
    else this.ws.terminate();
    const t = setTimeout(() => this.ws.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(t);
  }
}

/** The most ticks between two snapshots at 20 Hz: a client with nothing new still gets a heartbeat this often. */
export const HEARTBEAT_TICKS = (SNAPSHOT_HEARTBEAT_MS / 1000) * 20;

/**
 * Gaps between consecutive snapshot ticks longer than the heartbeat (at `tickRate`): none may
 * occur for a client that keeps up (a tick with nothing new for it sends nothing, so shorter
 * gaps are normal). With `resyncs` (keyframe ticks), a gap that ends in a keyframe is not
 * counted: the client fell behind (its own process starved, on a busy machine), was skipped
 * and was brought back whole, which is what backpressure is for; a gap closed by a delta
 * would be news it never got.
 */
export function lateSnapshots(ticks: readonly number[], tickRate = 20, resyncs?: ReadonlySet<number>): number[] {
  const most = Math.floor((SNAPSHOT_HEARTBEAT_MS * tickRate) / 1000);
  return ticks.slice(1).map((t, k) => t - ticks[k]).filter((d, k) => (d > most && !resyncs?.has(ticks[k + 1])) || d < 1);
}

/** Closes every client (ignoring ones already closed). */
export async function closeAll(clients: Iterable<TestClient>): Promise<void> {
  await Promise.all([...clients].map((c) => c.close()));
}

export async function httpJson<T = unknown>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Sum of a Prometheus metric's samples whose name and labels match: `labels` are required
 * label values (e.g. { reason: 'BadFrame' }); other labels are ignored.
 */
export async function metricValue(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[kv[1]] = kv[2];
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}
