// InterpolationBuffer with exact expected values (tickMs = 50: tick t is at t × 50 ms).

import { describe, expect, it } from 'vitest';

import {
  InterpolationBuffer,
  angleDelta,
  lerpAngle,
  wrapAngle,
  type InterpolatedState,
} from '../../src/client/index.js';

const PI = Math.PI;

function buf(samples: Array<[tick: number, x: number, y: number, rot: number]>, opts = {}): InterpolationBuffer {
  const b = new InterpolationBuffer(opts);
  for (const [t, x, y, r] of samples) expect(b.push(t, x, y, r)).toBe(true);
  return b;
}

describe('angles', () => {
  it('wrapAngle maps into (-π, π]', () => {
    expect(wrapAngle(0)).toBe(0);
    expect(wrapAngle(PI)).toBe(PI);
    expect(wrapAngle(-PI)).toBe(PI);
    expect(wrapAngle(3 * PI)).toBeCloseTo(PI, 12);
    expect(wrapAngle(-3 * PI + 0.5)).toBeCloseTo(-PI + 0.5, 12);
    expect(wrapAngle(2 * PI)).toBe(0);
    expect(wrapAngle(PI + 0.25)).toBeCloseTo(-PI + 0.25, 12);
    expect(wrapAngle(-PI - 0.25)).toBeCloseTo(PI - 0.25, 12);
    expect(Number.isNaN(wrapAngle(Infinity))).toBe(true);
  });

  it('shortest arc', () => {
    expect(angleDelta(0, 1)).toBe(1);
    expect(angleDelta(3, -3)).toBeCloseTo(2 * PI - 6, 12); // +0.283, through π
    expect(angleDelta(-3, 3)).toBeCloseTo(6 - 2 * PI, 12); // -0.283, through -π
    expect(lerpAngle(0, 1, 0.5)).toBe(0.5);
    expect(lerpAngle(3, -3, 0.5)).toBe(PI);
    expect(lerpAngle(-3, 3, 0.5)).toBe(PI);
  });
});

describe('InterpolationBuffer', () => {
  it('empty gives null; one sample is held', () => {
    const b = new InterpolationBuffer();
    expect(b.sample(0)).toBeNull();
    b.push(10, 1, 2, 0.5);
    expect(b.sample(0)).toEqual({ x: 1, y: 2, rot: 0.5, mode: 'held' });
    expect(b.sample(500)).toEqual({ x: 1, y: 2, rot: 0.5, mode: 'interpolated' });
    expect(b.sample(10_000)).toEqual({ x: 1, y: 2, rot: 0.5, mode: 'held' });
  });

  it('midpoint and quarter point', () => {
    const b = buf([[10, 0, 0, 0], [11, 10, 20, 1]]);
    expect(b.sample(525)).toEqual({ x: 5, y: 10, rot: 0.5, mode: 'interpolated' });
    expect(b.sample(512.5)).toEqual({ x: 2.5, y: 5, rot: 0.25, mode: 'interpolated' });
  });

  it('exactly at a sample gives that sample', () => {
    const b = buf([[10, 0.1, 0.2, 0.3], [11, 10.7, 20.3, 1.1], [12, -4.9, 7.3, -2.9]]);
    expect(b.sample(500)).toEqual({ x: 0.1, y: 0.2, rot: 0.3, mode: 'interpolated' });
    expect(b.sample(550)).toEqual({ x: 10.7, y: 20.3, rot: 1.1, mode: 'interpolated' });
    expect(b.sample(600)).toEqual({ x: -4.9, y: 7.3, rot: -2.9, mode: 'interpolated' });
  });

  it('rotation crosses ±π on the short side, not through 0', () => {
    const b = buf([[0, 0, 0, 3.0], [2, 0, 0, -3.0]]);
    expect(b.sample(50)!.rot).toBe(PI);
    expect(b.sample(25)!.rot).toBeCloseTo(3.0707963267948966, 12);
    expect(b.sample(75)!.rot).toBeCloseTo(-3.0707963267948966, 12);
    for (let t = 0; t <= 100; t += 5) expect(Math.abs(b.sample(t)!.rot)).toBeGreaterThanOrEqual(3.0);

    const back = buf([[0, 0, 0, -3.0], [2, 0, 0, 3.0]]);
    expect(back.sample(50)!.rot).toBe(PI); // -π is reported as π
    expect(back.sample(25)!.rot).toBeCloseTo(-3.0707963267948966, 12);
    expect(back.sample(75)!.rot).toBeCloseTo(3.0707963267948966, 12);
  });

  it('input rotations are wrapped to (-π, π]', () => {
    const b = buf([[0, 0, 0, 2 * PI + 1]]);
    expect(b.sample(0)!.rot).toBeCloseTo(1, 12);
  });

  it('gaps: missing ticks interpolate over the real time between samples', () => {
    const b = buf([[10, 0, 0, 0], [14, 8, -4, 0], [15, 9, -4, 0]]);
    expect(b.sample(600)).toEqual({ x: 4, y: -2, rot: 0, mode: 'interpolated' }); // tick 12
    expect(b.sample(650)).toEqual({ x: 6, y: -3, rot: 0, mode: 'interpolated' }); // tick 13
    expect(b.sample(725)).toEqual({ x: 8.5, y: -4, rot: 0, mode: 'interpolated' }); // tick 14.5
  });

  it('extrapolates from the last two samples for at most 200 ms, then holds', () => {
    const b = buf([[9, -7, 3, 0.2], [10, 0, 0, 0.5], [11, 1, 2, 0.75]]);
    // Velocity from ticks 10 → 11: (1, 2) per 50 ms. Rotation keeps the newest heading.
    expect(b.sample(575)).toEqual({ x: 1.5, y: 3, rot: 0.75, mode: 'extrapolated' });
    expect(b.sample(650)).toEqual({ x: 3, y: 6, rot: 0.75, mode: 'extrapolated' });
    expect(b.sample(750)).toEqual({ x: 5, y: 10, rot: 0.75, mode: 'extrapolated' }); // exactly 200 ms
    expect(b.sample(750.5)).toEqual({ x: 5, y: 10, rot: 0.75, mode: 'held' });
    expect(b.sample(5000)).toEqual({ x: 5, y: 10, rot: 0.75, mode: 'held' });
  });

  it('extrapolation limit and history caps are configurable', () => {
    const b = buf([[0, 0, 0, 0], [1, 1, 0, 0]], { maxExtrapolationMs: 50 });
    expect(b.sample(100)).toEqual({ x: 2, y: 0, rot: 0, mode: 'extrapolated' });
    expect(b.sample(101)).toEqual({ x: 2, y: 0, rot: 0, mode: 'held' });
    const c = buf([[0, 0, 0, 0], [1, 4, 0, 0]], { tickMs: 100 });
    expect(c.sample(50)).toEqual({ x: 2, y: 0, rot: 0, mode: 'interpolated' });
  });

  it('before the oldest sample holds the oldest', () => {
    const b = buf([[10, 3, 4, -1], [11, 5, 6, 1]]);
    expect(b.sample(499)).toEqual({ x: 3, y: 4, rot: -1, mode: 'held' });
    expect(b.sample(-1e9)).toEqual({ x: 3, y: 4, rot: -1, mode: 'held' });
    expect(b.sample(NaN)).toEqual({ x: 3, y: 4, rot: -1, mode: 'held' });
  });

  it('drops duplicate ticks, out-of-order and non-finite samples', () => {
    const b = new InterpolationBuffer();
    expect(b.push(10, 0, 0, 0)).toBe(true);
    expect(b.push(12, 2, 0, 0)).toBe(true);
    expect(b.push(12, 99, 99, 0)).toBe(false); // duplicate tick
    expect(b.push(11, 99, 99, 0)).toBe(false); // older than the newest
    expect(b.push(9, 99, 99, 0)).toBe(false);
    expect(b.push(13, NaN, 0, 0)).toBe(false);
    expect(b.push(13, 0, Infinity, 0)).toBe(false);
    expect(b.size).toBe(2);
    expect(b.samples()).toEqual([
      { tick: 10, x: 0, y: 0, rot: 0 },
      { tick: 12, x: 2, y: 0, rot: 0 },
    ]);
    expect(b.sample(550)).toEqual({ x: 1, y: 0, rot: 0, mode: 'interpolated' });
  });

  it('keeps at most 10 samples', () => {
    const b = new InterpolationBuffer();
    for (let t = 0; t < 12; t++) b.push(t, t, 0, 0);
    expect(b.size).toBe(10);
    expect(b.oldestTick).toBe(2);
    expect(b.newestTick).toBe(11);
    expect(b.sample(0)).toEqual({ x: 2, y: 0, rot: 0, mode: 'held' }); // tick 0 is gone
    expect(b.sample(125)).toEqual({ x: 2.5, y: 0, rot: 0, mode: 'interpolated' });
  });

  it('keeps at most 1 s of samples', () => {
    const b = new InterpolationBuffer();
    // One sample every 250 ms: the 1 s cap binds before the 10-sample cap.
    for (let t = 0; t <= 25; t += 5) b.push(t, t, 0, 0);
    // Newest at 1250 ms: 250 ms (exactly 1 s older) is kept, 0 ms is dropped.
    expect(b.samples().map((s) => s.tick)).toEqual([5, 10, 15, 20, 25]);
    b.push(100, 0, 0, 0); // 5 s later: only the new sample is within 1 s
    expect(b.samples().map((s) => s.tick)).toEqual([100]);
    expect(b.sample(4000)).toEqual({ x: 0, y: 0, rot: 0, mode: 'held' });
  });

  it('writes into out without allocating', () => {
    const b = buf([[0, 0, 0, 0], [1, 2, 0, 0]]);
    const out: InterpolatedState = { x: 0, y: 0, rot: 0, mode: 'held' };
    expect(b.sample(25, out)).toBe(out);
    expect(out).toEqual({ x: 1, y: 0, rot: 0, mode: 'interpolated' });
  });

  it('clear empties it', () => {
    const b = buf([[0, 0, 0, 0]]);
    b.clear();
    expect(b.size).toBe(0);
    expect(b.newestTick).toBe(-1);
    expect(b.push(0, 1, 1, 0)).toBe(true); // ticks may start over after clear
  });
});
