// Local clock → server timeline (pure: every time is passed in, in ms of the caller's clock).
//
// Offset estimate. The server sends the Snapshot for tick T right after stepping to T, i.e.
// at about T × tickMs on its own timeline; it reaches us one network delay (plus queueing and
// scheduling jitter) later. Every arrival therefore gives a lower bound of the offset:
//
//     offset ≥ T × tickMs − arrivalMs          (serverTime = localTime + offset)
//
// and the least delayed frame gives the tightest bound. We keep the MAXIMUM of
// (T × tickMs − arrival) over a sliding window of recent arrivals (default 2 s of local time,
// a monotonic deque, O(1) amortised), rather than a smoothed mean: a late frame never pulls the
// estimate back, jitter only matters through the luckiest frame, and the window lets the
// estimate follow a slower path or a drifting clock within windowMs. Welcome.tick and
// Pong.server_tick are bounds of the same kind (the tick current when the server handled the
// message) and are observed too, so the clock is usable from the Welcome on and across
// snapshot gaps.
//
// Consequence: serverTimeMs(now) is "the server time of the freshest frame we could be
// receiving now" — it trails the true server time by the minimum one-way delay — which is
// the right reference for rendering: renderTimeMs = serverTimeMs − 100 ms keeps the render
// point about 100 ms behind the newest snapshot, so interpolation normally has two samples.
//
// RTT: from Ping/Pong (Pong echoes Ping.client_time). Last value and an exponential moving
// average with α = 1/8 (TCP's SRTT gain); the first sample initialises the average.

import { DEFAULT_INTERPOLATION_DELAY_MS, DEFAULT_TICK_MS } from './interpolation.js';

/** Default window of the offset estimate, ms of local time. */
export const DEFAULT_CLOCK_WINDOW_MS = 2000;
/** Default RTT moving-average gain. */
export const DEFAULT_RTT_ALPHA = 0.125;

export interface ServerClockOptions {
  /** Server tick length, ms (1000 / tick_rate). Default 50. */
  readonly tickMs?: number;
  /** Offset window, ms of local time. Default 2000. */
  readonly windowMs?: number;
  /** Render delay behind the estimated server time, ms. Default 100. */
  readonly interpolationDelayMs?: number;
}

export class ServerClock {
  private tickMsValue: number;
  readonly windowMs: number;
  interpolationDelayMs: number;
  /** Offset candidates, arrivals increasing, offsets strictly decreasing. */
  private arrivals: number[] = [];
  private offsets: number[] = [];
  private head = 0;
  private samples = 0;

  constructor(options: ServerClockOptions = {}) {
    this.tickMsValue = options.tickMs ?? DEFAULT_TICK_MS;
    this.windowMs = options.windowMs ?? DEFAULT_CLOCK_WINDOW_MS;
    this.interpolationDelayMs = options.interpolationDelayMs ?? DEFAULT_INTERPOLATION_DELAY_MS;
    if (!(this.tickMsValue > 0)) throw new RangeError(`tickMs must be > 0, got ${this.tickMsValue}`);
    if (!(this.windowMs >= 0)) throw new RangeError(`windowMs must be >= 0, got ${this.windowMs}`);
  }

  get tickMs(): number {
    return this.tickMsValue;
  }

  /** Sets the tick length (from Welcome.tick_rate); forgets the estimate if it changes. */
  setTickRate(tickRate: number): void {
    if (!(tickRate > 0)) throw new RangeError(`tickRate must be > 0, got ${tickRate}`);
    const ms = 1000 / tickRate;
    if (ms !== this.tickMsValue) {
      this.tickMsValue = ms;
      this.reset();
    }
  }

  /** Forgets the offset estimate (a new connection, another zone). */
  reset(): void {
    this.arrivals = [];
    this.offsets = [];
    this.head = 0;
    this.samples = 0;
  }

  /** True once a tick has been observed. */
  get synced(): boolean {
    return this.samples > 0;
  }

  /** Number of ticks observed since the last reset. */
  get sampleCount(): number {
    return this.samples;
  }

  /**
   * Records that a frame describing server tick `tick` arrived at local time `arrivalMs`
   * (Welcome.tick, Snapshot.tick, Pong.server_tick). Non-finite values are ignored.
   */
  observeTick(tick: number, arrivalMs: number): void {
    if (!Number.isFinite(tick) || !Number.isFinite(arrivalMs)) return;
    const offset = tick * this.tickMsValue - arrivalMs;
    const arr = this.arrivals, off = this.offsets;
    // Candidates dominated by the new one (not larger, not newer) can never be the max again.
    while (arr.length > this.head && off[off.length - 1] <= offset) {
      arr.pop();
      off.pop();
    }
    arr.push(arrivalMs);
    off.push(offset);
    this.samples++;
    this.expire(arrivalMs);
  }

  private expire(nowMs: number): void {
    const arr = this.arrivals;
    // Keep at least the newest candidate, so an idle connection still has an estimate.
    while (this.head < arr.length - 1 && arr[this.head] < nowMs - this.windowMs) this.head++;
    if (this.head > 64 && this.head * 2 > arr.length) {
      this.arrivals = arr.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }

  /** serverTime − localTime in ms (the window's max), NaN before the first observation. */
  get offsetMs(): number {
    return this.head < this.offsets.length ? this.offsets[this.head] : NaN;
  }

  /** Estimated server time (ms on the tick × tickMs timeline) at local time nowMs; NaN if not synced. */
  serverTimeMs(nowMs: number): number {
    return nowMs + this.offsetMs;
  }

  /** Estimated server tick at nowMs, fractional; NaN if not synced. */
  serverTick(nowMs: number): number {
    return this.serverTimeMs(nowMs) / this.tickMsValue;
  }

  /** serverTimeMs(nowMs) − interpolationDelayMs: where InterpolationBuffer.sample should look. */
  renderTimeMs(nowMs: number): number {
    return this.serverTimeMs(nowMs) - this.interpolationDelayMs;
  }
}

/** Round-trip time from Ping/Pong: last sample and exponential moving average. */
export class RttEstimator {
  readonly alpha: number;
  /** Last RTT in ms; NaN before the first Pong. */
  lastMs = NaN;
  /** Moving average in ms; NaN before the first Pong. */
  averageMs = NaN;
  /** Smallest RTT seen, ms; NaN before the first Pong. */
  minMs = NaN;
  /** Number of samples. */
  count = 0;

  constructor(alpha: number = DEFAULT_RTT_ALPHA) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
    this.alpha = alpha;
  }

  /**
   * Records one round trip: the Ping was sent at local time sentMs (= Pong.client_time) and
   * the Pong arrived at arrivalMs. Returns the RTT, or NaN (ignored) if negative or not finite.
   */
  observe(sentMs: number, arrivalMs: number): number {
    const rtt = arrivalMs - sentMs;
    if (!Number.isFinite(rtt) || rtt < 0) return NaN;
    this.lastMs = rtt;
    this.averageMs = this.count === 0 ? rtt : this.averageMs + this.alpha * (rtt - this.averageMs);
    this.minMs = this.count === 0 ? rtt : Math.min(this.minMs, rtt);
    this.count++;
    return rtt;
  }

  reset(): void {
    this.lastMs = NaN;
    this.averageMs = NaN;
    this.minMs = NaN;
    this.count = 0;
  }
}
