// Per-entity interpolation buffer (pure: no clock, no I/O).
//
// Samples are (tick, x, y, rot); a sample's time is tick × tickMs on the server's timeline.
// The renderer asks for the state at a render time, normally the estimated server time minus
// the interpolation delay (100 ms, see ServerClock.renderTimeMs), so that it usually falls
// between two received samples:
//
// - between two samples: linear interpolation of x, y; rotation along the shortest arc,
//   wrapped to (-π, π]                                               → 'interpolated'
// - exactly at a sample: that sample's values                        → 'interpolated'
// - after the newest sample: linear extrapolation of x, y from the last two samples for at
//   most maxExtrapolationMs (200 ms)                                 → 'extrapolated'
//   then the position reached at that limit is held                  → 'held'
//   Rotation is not extrapolated: headings change in steps (they are set when a walk
//   starts), so spinning on would be wrong; the newest heading is kept.
// - before the oldest sample, or only one sample: hold the oldest    → 'held'
//
// History: at most maxSamples (10) samples and at most maxHistoryMs (1000 ms) between the
// oldest and the newest sample, whichever keeps fewer. Samples whose tick is not newer than
// the newest one (duplicates, out of order) and samples with non-finite values are dropped.

/** Interpolation delay behind the estimated server time, in ms (DESIGN.md: 100 ms). */
export const DEFAULT_INTERPOLATION_DELAY_MS = 100;
/** Longest extrapolation past the newest sample, in ms (DESIGN.md: 200 ms). */
export const DEFAULT_MAX_EXTRAPOLATION_MS = 200;
/** History cap in samples (DESIGN.md: 10). */
export const DEFAULT_MAX_SAMPLES = 10;
/** History cap in ms between the oldest and the newest sample (DESIGN.md: 1 s). */
export const DEFAULT_MAX_HISTORY_MS = 1000;
/** Server tick length in ms at 20 Hz. */
export const DEFAULT_TICK_MS = 50;

const PI = Math.PI;
const TAU = 2 * Math.PI;

/** Wraps an angle in radians to (-π, π]. Non-finite input gives NaN. */
export function wrapAngle(a: number): number {
  if (a > -PI && a <= PI) return a;
  let r = a % TAU; // (-2π, 2π)
  if (r <= -PI) r += TAU;
  else if (r > PI) r -= TAU;
  return r;
}

/** Signed shortest turn from angle a to angle b, in (-π, π] (a half turn counts as +π). */
export function angleDelta(a: number, b: number): number {
  return wrapAngle(b - a);
}

/** Interpolates from angle a to angle b along the shortest arc; result in (-π, π]. */
export function lerpAngle(a: number, b: number, t: number): number {
  return wrapAngle(a + angleDelta(a, b) * t);
}

export interface InterpolationSample {
  readonly tick: number;
  readonly x: number;
  readonly y: number;
  /** Radians. */
  readonly rot: number;
}

export type InterpolationMode = 'interpolated' | 'extrapolated' | 'held';

export interface InterpolatedState {
  x: number;
  y: number;
  /** Radians in (-π, π]. */
  rot: number;
  mode: InterpolationMode;
}

export interface InterpolationOptions {
  /** Length of a server tick in ms (1000 / Welcome.tick_rate). Default 50. */
  readonly tickMs?: number;
  /** Default 10. */
  readonly maxSamples?: number;
  /** Default 1000. */
  readonly maxHistoryMs?: number;
  /** Default 200. */
  readonly maxExtrapolationMs?: number;
}

interface Slot {
  tick: number;
  time: number;
  x: number;
  y: number;
  rot: number;
}

export class InterpolationBuffer {
  readonly tickMs: number;
  readonly maxSamples: number;
  readonly maxHistoryMs: number;
  readonly maxExtrapolationMs: number;
  /** Oldest first. Small (≤ maxSamples), so shifting is cheap. */
  private readonly slots: Slot[] = [];

  constructor(options: InterpolationOptions = {}) {
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
    this.maxHistoryMs = options.maxHistoryMs ?? DEFAULT_MAX_HISTORY_MS;
    this.maxExtrapolationMs = options.maxExtrapolationMs ?? DEFAULT_MAX_EXTRAPOLATION_MS;
    if (!(this.tickMs > 0) || !Number.isFinite(this.tickMs)) throw new RangeError(`tickMs must be > 0, got ${this.tickMs}`);
    if (!(this.maxSamples >= 1)) throw new RangeError(`maxSamples must be >= 1, got ${this.maxSamples}`);
    if (!(this.maxHistoryMs >= 0)) throw new RangeError(`maxHistoryMs must be >= 0, got ${this.maxHistoryMs}`);
    if (!(this.maxExtrapolationMs >= 0)) throw new RangeError(`maxExtrapolationMs must be >= 0, got ${this.maxExtrapolationMs}`);
  }

  /** Number of samples held. */
  get size(): number {
    return this.slots.length;
  }

  /** Tick of the newest sample, or -1 when empty. */
  get newestTick(): number {
    const n = this.slots.length;
    return n === 0 ? -1 : this.slots[n - 1].tick;
  }

  /** Tick of the oldest sample, or -1 when empty. */
  get oldestTick(): number {
    return this.slots.length === 0 ? -1 : this.slots[0].tick;
  }

  /** A copy of the samples, oldest first. */
  samples(): InterpolationSample[] {
    return this.slots.map(({ tick, x, y, rot }) => ({ tick, x, y, rot }));
  }

  clear(): void {
    this.slots.length = 0;
  }

  /**
   * Adds a sample. Returns false (and keeps nothing) when the tick is not newer than the
   * newest sample's, or a value is not finite.
   */
  push(tick: number, x: number, y: number, rot: number): boolean {
    if (!Number.isFinite(tick) || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(rot)) return false;
    const slots = this.slots;
    const n = slots.length;
    if (n > 0 && tick <= slots[n - 1].tick) return false;
    const time = tick * this.tickMs;
    slots.push({ tick, time, x, y, rot: wrapAngle(rot) });
    // Drop the oldest samples beyond maxSamples, then those more than maxHistoryMs older than
    // the new one; the new sample itself always stays.
    let drop = Math.max(0, slots.length - this.maxSamples);
    while (drop < slots.length - 1 && time - slots[drop].time > this.maxHistoryMs) drop++;
    if (drop > 0) slots.splice(0, drop);
    return true;
  }

  /** Shorthand for push(s.tick, s.x, s.y, s.rot). */
  pushSample(s: InterpolationSample): boolean {
    return this.push(s.tick, s.x, s.y, s.rot);
  }

  /**
   * The state at renderTimeMs (server timeline, ms). Returns null when the buffer is empty.
   * Writes into `out` when given (no allocation) and returns it.
   */
  sample(renderTimeMs: number, out?: InterpolatedState): InterpolatedState | null {
    const slots = this.slots;
    const n = slots.length;
    if (n === 0) return null;
    const res: InterpolatedState = out ?? { x: 0, y: 0, rot: 0, mode: 'held' };
    const oldest = slots[0];
    if (!(renderTimeMs >= oldest.time)) {
      // Before the oldest sample (or NaN): hold the oldest.
      return put(res, oldest.x, oldest.y, oldest.rot, 'held');
    }
    const newest = slots[n - 1];
    if (renderTimeMs > newest.time) {
      if (n < 2) return put(res, newest.x, newest.y, newest.rot, 'held');
      const prev = slots[n - 2];
      const ahead = renderTimeMs - newest.time;
      const dt = ahead > this.maxExtrapolationMs ? this.maxExtrapolationMs : ahead;
      const k = dt / (newest.time - prev.time);
      const x = newest.x + (newest.x - prev.x) * k;
      const y = newest.y + (newest.y - prev.y) * k;
      return put(res, x, y, newest.rot, ahead > this.maxExtrapolationMs ? 'held' : 'extrapolated');
    }
    // oldest.time <= renderTimeMs <= newest.time: find the last sample at or before it.
    let i = n - 1;
    while (slots[i].time > renderTimeMs) i--;
    const a = slots[i];
    if (a.time === renderTimeMs) return put(res, a.x, a.y, a.rot, 'interpolated');
    const b = slots[i + 1];
    const t = (renderTimeMs - a.time) / (b.time - a.time);
    return put(
      res,
      a.x + (b.x - a.x) * t,
      a.y + (b.y - a.y) * t,
      lerpAngle(a.rot, b.rot, t),
      'interpolated',
    );
  }
}

function put(out: InterpolatedState, x: number, y: number, rot: number, mode: InterpolationMode): InterpolatedState {
  out.x = x;
  out.y = y;
  out.rot = rot;
  out.mode = mode;
  return out;
}
