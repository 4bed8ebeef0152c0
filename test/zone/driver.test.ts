// The tick driver on a clock moved by hand, whose timers fire late or early as a loaded
// machine's do: ticks stay on the absolute schedule (no drift however late the timers), a
// timer a fraction of a millisecond early runs its tick instead of sleeping again, and a loop
// far behind catches up at most maxCatchUp steps a wake and counts the rest as missed.

import { describe, expect, it } from 'vitest';
import { TickDriver, WAKE_SLACK_MS, type DriverClock } from '../../src/zone/driver.js';
import { Rng } from '../../src/sim/index.js';

/**
 * One pending timer at a time (the driver keeps one); it fires `skew(due)` ms off its due
 * time, and as Node's do, never sooner than 1 ms after it was set.
 */
class SkewedClock implements DriverClock {
  t = 0;
  private timer: { at: number; fn: () => void } | undefined;
  constructor(private readonly skew: (due: number) => number) {}
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    const due = this.t + ms;
    this.timer = { at: Math.max(this.t + 1, due + this.skew(due)), fn };
    return this.timer;
  }
  clearTimeout(): void {
    this.timer = undefined;
  }
  /** Runs the timer whenever it is due, until `to`. */
  runUntil(to: number): void {
    while (this.timer && this.timer.at <= to) {
      const { at, fn } = this.timer;
      this.timer = undefined;
      this.t = at;
      fn();
    }
    this.t = to;
  }
}

/** A driver at 50 ms a step on `clock`, recording when each tick starts and taking `workMs` each. */
function driven(clock: SkewedClock, workMs: (tick: number) => number = () => 0, maxCatchUp = 3) {
  const starts: number[] = [];
  const driver = new TickDriver(50, () => {
    starts.push(clock.t);
    clock.t += workMs(starts.length);
  }, maxCatchUp, clock);
  return { driver, starts };
}

describe('TickDriver', () => {
  it('keeps tick k at start + k × step however late its timers fire (no drift)', () => {
    const rng = new Rng(7);
    const clock = new SkewedClock(() => rng.range(0, 30));
    const { driver, starts } = driven(clock, () => rng.range(0, 15));
    driver.start();
    clock.runUntil(60_000);
    driver.stop();
    expect(driver.missedTicks).toBe(0);
    // 1,200 due in a minute: the last within 30 ms of its due time, none ever early.
    expect(starts.length).toBeGreaterThanOrEqual(1199);
    starts.forEach((t, k) => {
      expect(t).toBeGreaterThanOrEqual(50 * (k + 1));
      expect(t).toBeLessThanOrEqual(50 * (k + 1) + 45);
    });
  });

  it('runs a tick whose timer fires a fraction of a millisecond early, without another wake', () => {
    let wakes = 0;
    const clock = new SkewedClock(() => -0.7);
    const { driver, starts } = driven(clock);
    const wake = driver.wake.bind(driver);
    driver.wake = () => {
      wakes++;
      wake();
    };
    driver.start();
    clock.runUntil(10_000);
    expect(starts.length).toBe(200);
    expect(wakes).toBe(200);
    starts.forEach((t, k) => expect(Math.abs(t - 50 * (k + 1))).toBeLessThanOrEqual(WAKE_SLACK_MS));
  });

  it('catches up at most maxCatchUp steps a wake and drops the rest as missed, back on the grid after', () => {
    const clock = new SkewedClock(() => 0);
    const { driver, starts } = driven(clock, (tick) => (tick === 10 ? 420 : 1));
    driver.start();
    clock.runUntil(2_000);
    // Tick 10 starts at 500 and ends at 920: the 8 ticks due at 550 … 900 are late; the wake
    // that ran tick 10 runs 2 of them at once (3 steps), drops the other 6, and the schedule
    // resumes at 950.
    expect(driver.catchUps).toBe(1);
    expect(driver.missedTicks).toBe(6);
    expect(starts.slice(9, 13)).toEqual([500, 920, 921, 950]);
    expect(starts.length).toBe(40 - 6);
    for (const t of starts.slice(12)) expect(t % 50).toBe(0);
  });
});
