// Client-side prediction of the player's own entity, with reconciliation (pure: no I/O, no
// clock; every time is passed in).
//
// The prediction runs on the server's tick timeline, a few ticks ahead of it: a Move is sent
// tagged with the tick the server should apply it at (`applyTick`, far enough ahead to arrive
// in time) and the predictor applies it locally at that same tick. Steps use the server's own
// movement function (stepMotion from src/sim/motion.ts, on float32 columns), so when the Move
// arrives in time the server walks exactly the path that was predicted and nothing is ever
// corrected.
//
// Reconciliation, on each Snapshot of tick T that acknowledges seq N:
//   1. base = the server's state of the player at T: its last record, stepped from the
//      record's tick to T with stepMotion (records are resent whenever motion changes, so this
//      is exact);
//   2. moves with seq <= N are done; the others are replayed on top of the base, each at its
//      applyTick (one already past T arrived late and is assumed to land at T + 1);
//   3. the new prediction at the current tick is compared with the old one: the difference
//      is a correction, shown fading out over `smoothMs` instead of as a jump.
// A correction is non-zero only when the server did something the client did not predict: a
// move that arrived late, a refused move (out of the world), a recall after a failed handoff,
// a respawn.

import { PLAYER_SPEED } from '../sim/constants.js';
import { stepMotion, walkGridTarget, type MotionColumns } from '../sim/motion.js';
import type { EntityStateObj } from '../protocol/index.js';

export interface PredictionOptions {
  /** Ticks of safety added to the measured round trip when choosing a Move's apply tick. Default 1. */
  readonly marginTicks?: number;
  /** Corrections fade out over this many ms (0: applied at once). Default 100. */
  readonly smoothMs?: number;
  /** Server tick rate (Welcome.tick_rate). Default 20. */
  readonly tickRate?: number;
}

interface PendingMove {
  seq: number;
  applyTick: number;
  x: number;
  y: number;
}

export interface Correction {
  /** Server tick of the snapshot that caused it. */
  readonly tick: number;
  /** Distance between the old and the new prediction, world units. */
  readonly distance: number;
}

/** Speeds on the wire are wall-clock speeds: the sim's u/s times tick rate / 20. */
const SIM_TICK_RATE = 20;

function columns(): MotionColumns {
  return {
    px: new Float32Array(1), py: new Float32Array(1), tx: new Float32Array(1), ty: new Float32Array(1),
    active: new Uint8Array(1), speed: new Float32Array(1),
  };
}

export class Predictor {
  /** Predicted state of the player at `tick`. */
  private readonly m = columns();
  /** Scratch columns for the server's base state. */
  private readonly scratch = columns();
  private pending: PendingMove[] = [];
  private known = false;
  /** Server tick the prediction stands at. */
  tick = 0;
  private readonly marginTicks: number;
  private readonly smoothMs: number;
  private tickRate: number;
  /** Correction still being shown: offset added to the prediction, fading to 0 at fadeEndMs. */
  private errX = 0;
  private errY = 0;
  private fadeStartMs = 0;
  /** The server's state of the player at the last reconciled snapshot. */
  private baseAt = { x: 0, y: 0, tick: 0 };
  /** Every non-zero correction, newest last (bounded). */
  readonly corrections: Correction[] = [];
  /** Snapshots reconciled with no correction at all. */
  exact = 0;

  constructor(options: PredictionOptions = {}) {
    this.marginTicks = options.marginTicks ?? 1;
    this.smoothMs = options.smoothMs ?? 100;
    this.tickRate = options.tickRate ?? SIM_TICK_RATE;
  }

  /** Forgets everything (a new Welcome: another zone, another entity). */
  reset(tickRate = this.tickRate): void {
    this.pending = [];
    this.known = false;
    this.tickRate = tickRate;
    this.errX = this.errY = 0;
  }

  /** True once the player's own record has been seen. */
  get ready(): boolean {
    return this.known;
  }

  /** Moves sent and not yet acknowledged. */
  get unacked(): number {
    return this.pending.length;
  }

  /**
   * The tick a Move sent now should be applied at: the server's tick estimated from the last
   * frame seen plus the round trip and the margin, and never before the prediction's next step.
   */
  applyTickFor(serverTick: number, rttMs: number): number {
    const tickMs = 1000 / this.tickRate;
    const ahead = Math.ceil(rttMs / tickMs) + this.marginTicks;
    return Math.max(Math.floor(serverTick) + ahead, this.tick + 1);
  }

  /** A Move the client just sent; applied locally when the prediction reaches applyTick. */
  move(seq: number, x: number, y: number, applyTick: number): void {
    this.pending.push({ seq, applyTick, x, y });
  }

  /** Steps the prediction up to server tick `tick` (no-op before the first record). */
  advanceTo(tick: number): void {
    if (!this.known) return;
    while (this.tick < tick) {
      this.tick++;
      this.step(this.m, this.tick, this.tick);
    }
  }

  /**
   * One step of `m` to tick t: the pending moves due at t (in seq order) set the target, as
   * the server's input phase would, then the movement step. A move due at or before
   * `lateFrom`'s predecessor that is still pending is late and lands at `lateFrom`.
   */
  private step(m: MotionColumns, t: number, lateFrom: number): void {
    for (const p of this.pending) {
      const due = p.applyTick < lateFrom ? lateFrom : p.applyTick;
      if (due !== t) continue;
      m.tx[0] = walkGridTarget(m.px[0], p.x); // as the server's walkTo()
      m.ty[0] = walkGridTarget(m.py[0], p.y);
      m.active[0] = 1;
      m.speed[0] = PLAYER_SPEED;
    }
    stepMotion(m, 0);
  }

  /**
   * Takes snapshot tick `serverTick`, which acknowledges `ackSeq`, with the player's last
   * record (received at `recordTick`); `nowMs` dates a correction for smoothing.
   */
  reconcile(serverTick: number, ackSeq: number, record: EntityStateObj, recordTick: number, nowMs: number): void {
    const b = this.scratch;
    const moving = (record.flags & 2) !== 0 && record.speed > 0;
    b.px[0] = record.x;
    b.py[0] = record.y;
    b.tx[0] = moving ? record.targetX : record.x;
    b.ty[0] = moving ? record.targetY : record.y;
    b.active[0] = moving ? 1 : 0;
    b.speed[0] = moving ? (record.speed * SIM_TICK_RATE) / this.tickRate : 0;
    for (let t = recordTick; t < serverTick; t++) stepMotion(b, 0);
    this.baseAt = { x: b.px[0], y: b.py[0], tick: serverTick };
    this.pending = this.pending.filter((p) => p.seq > ackSeq);
    const target = Math.max(this.tick, serverTick);
    const oldX = this.m.px[0], oldY = this.m.py[0], hadPrediction = this.known && this.tick >= serverTick;
    for (let t = serverTick + 1; t <= target; t++) this.step(b, t, serverTick + 1);
    const m = this.m;
    m.px[0] = b.px[0];
    m.py[0] = b.py[0];
    m.tx[0] = b.tx[0];
    m.ty[0] = b.ty[0];
    m.active[0] = b.active[0];
    m.speed[0] = b.speed[0];
    this.tick = target;
    this.known = true;
    if (!hadPrediction) return;
    const dx = oldX - m.px[0], dy = oldY - m.py[0];
    if (dx === 0 && dy === 0) {
      this.exact++;
      return;
    }
    // What is still shown of an older correction stays on screen, plus the new jump.
    const shown = this.fade(nowMs);
    this.errX = shown.x + dx;
    this.errY = shown.y + dy;
    this.fadeStartMs = nowMs;
    this.corrections.push({ tick: serverTick, distance: Math.hypot(dx, dy) });
    if (this.corrections.length > 256) this.corrections.shift();
  }

  private fade(nowMs: number): { x: number; y: number } {
    if (this.smoothMs <= 0) return { x: 0, y: 0 };
    const left = 1 - (nowMs - this.fadeStartMs) / this.smoothMs;
    return left > 0 ? { x: this.errX * left, y: this.errY * left } : { x: 0, y: 0 };
  }

  /** The server's position of the player at the last reconciled snapshot's tick. */
  base(): { x: number; y: number; tick: number } {
    return { ...this.baseAt };
  }

  /** The predicted position at the current tick (exactly what the server will have). */
  predicted(): { x: number; y: number; tick: number } {
    return { x: this.m.px[0], y: this.m.py[0], tick: this.tick };
  }

  /** Where to draw the player at local time nowMs: the prediction plus the fading correction. */
  displayed(nowMs: number): { x: number; y: number } {
    const e = this.fade(nowMs);
    return { x: this.m.px[0] + e.x, y: this.m.py[0] + e.y };
  }
}
