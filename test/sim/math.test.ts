import { describe, expect, it } from 'vitest';
import { heading, Rng, wrapAngle } from '../../src/sim/index.js';

const PI = Math.PI;

describe('heading(y, x)', () => {
  it('is exact on the axes', () => {
    expect(heading(0, 1)).toBe(0);
    expect(heading(1, 0)).toBe(PI / 2);
    expect(heading(0, -1)).toBe(PI);
    expect(heading(-1, 0)).toBe(-PI / 2);
    expect(heading(0, 0)).toBe(0);
    for (const v of [1e-30, 1e-6, 0.5, 3, 1e6, 1e30]) {
      expect(heading(0, v)).toBe(0);
      expect(heading(v, 0)).toBe(PI / 2);
      expect(heading(0, -v)).toBe(PI);
      expect(heading(-v, 0)).toBe(-PI / 2);
    }
  });

  it('gives ±π/4 and ±3π/4 on the diagonals', () => {
    expect(heading(1, 1)).toBeCloseTo(PI / 4, 12);
    expect(heading(1, -1)).toBeCloseTo((3 * PI) / 4, 12);
    expect(heading(-1, -1)).toBeCloseTo((-3 * PI) / 4, 12);
    expect(heading(-1, 1)).toBeCloseTo(-PI / 4, 12);
  });

  it('matches Math.atan2 within 1e-6 over seeded random points in every quadrant and scale', () => {
    const rng = new Rng(0xa7a2);
    const quadrants = [0, 0, 0, 0];
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const scale = [1e-4, 1, 50, 1000, 1e7][i % 5];
      let x = rng.range(-scale, scale);
      let y = rng.range(-scale, scale);
      if (i % 50 === 7) y = 0; // on the x axis
      if (i % 50 === 13) x = 0; // on the y axis
      if (x === 0 && y === 0) continue;
      const got = heading(y, x);
      const want = Math.atan2(y, x);
      worst = Math.max(worst, Math.abs(got - want));
      expect(got).toBeGreaterThanOrEqual(-PI);
      expect(got).toBeLessThanOrEqual(PI);
      quadrants[(x >= 0 ? 0 : 1) + (y >= 0 ? 0 : 2)]++;
    }
    expect(worst).toBeLessThan(1e-6);
    for (const q of quadrants) expect(q).toBeGreaterThan(4000);
  });

  it('is within 1e-6 of Math.atan2 near the reduction point tan(π/8) and near 1', () => {
    for (const z of [0.41421356237309503, 0.414213562373095, 0.4142135623730951, 0.99999999, 1, 1.00000001, 2.414213562373095]) {
      for (const [sx, sy] of [[1, 1], [-1, 1], [1, -1], [-1, -1]]) {
        expect(Math.abs(heading(sy * z, sx) - Math.atan2(sy * z, sx))).toBeLessThan(1e-6);
        expect(Math.abs(heading(sy, sx * z) - Math.atan2(sy, sx * z))).toBeLessThan(1e-6);
      }
    }
  });
});

describe('wrapAngle', () => {
  it('maps into (-π, π]', () => {
    expect(wrapAngle(0)).toBe(0);
    expect(wrapAngle(PI)).toBe(PI);
    expect(wrapAngle(-PI)).toBe(PI);
    expect(wrapAngle(3 * PI)).toBe(PI);
    expect(wrapAngle((-3 * PI) / 2)).toBeCloseTo(PI / 2, 14);
    expect(wrapAngle((3 * PI) / 2)).toBeCloseTo(-PI / 2, 14);
    expect(wrapAngle(2 * PI)).toBe(0);
    expect(wrapAngle(0.5)).toBe(0.5);
    expect(wrapAngle(-0.5)).toBe(-0.5);
  });

  it('handles large multiples of 2π', () => {
    for (const k of [10, -10, 1000, -1000, 123457]) {
      const r = wrapAngle(2 * PI * k + 1);
      expect(r).toBeCloseTo(1, 8);
      const s = wrapAngle(2 * PI * k - 2);
      expect(s).toBeCloseTo(-2, 8);
    }
    const rng = new Rng(99);
    for (let i = 0; i < 2000; i++) {
      const a = rng.range(-1e4, 1e4);
      const r = wrapAngle(a);
      expect(r).toBeGreaterThan(-PI);
      expect(r).toBeLessThanOrEqual(PI);
      // Same direction as a.
      expect(Math.cos(r)).toBeCloseTo(Math.cos(a), 9);
      expect(Math.sin(r)).toBeCloseTo(Math.sin(a), 9);
    }
  });
});
