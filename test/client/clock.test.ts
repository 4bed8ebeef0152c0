import { describe, expect, it } from 'vitest';

import { RttEstimator, ServerClock } from '../../src/client/index.js';

describe('ServerClock', () => {
  it('is not synced before a tick is observed', () => {
    const c = new ServerClock();
    expect(c.synced).toBe(false);
    expect(c.serverTimeMs(123)).toBeNaN();
  });

  it('takes the max of tick × tickMs − arrival over the window', () => {
    const c = new ServerClock({ windowMs: 1000 });
    c.observeTick(100, 1000); // offset 5000 − 1000 = 4000
    expect(c.offsetMs).toBe(4000);
    expect(c.serverTimeMs(1010)).toBe(5010);
    expect(c.serverTick(1050)).toBe(101);
    expect(c.renderTimeMs(1100)).toBe(5000);
    c.observeTick(101, 1080); // delayed by 30 ms: offset 3970, the max stays
    expect(c.offsetMs).toBe(4000);
    c.observeTick(104, 1105); // a faster frame: 5200 − 1105 = 4095
    expect(c.offsetMs).toBe(4095);
    // Later frames are all slower (3900): after the window has passed, the estimate follows.
    c.observeTick(120, 2100); // 6000 − 2100 = 3900; 4095 (at 1105) still inside the window
    expect(c.offsetMs).toBe(4095);
    c.observeTick(121, 2150); // 1105 < 2150 − 1000: expired
    expect(c.offsetMs).toBe(3900);
    expect(c.sampleCount).toBe(5);
  });

  it('setTickRate changes tickMs and restarts the estimate; reset forgets', () => {
    const c = new ServerClock();
    c.observeTick(10, 0);
    c.setTickRate(20);
    expect(c.synced).toBe(true); // unchanged rate keeps the estimate
    c.setTickRate(10);
    expect(c.tickMs).toBe(100);
    expect(c.synced).toBe(false);
    c.observeTick(10, 0);
    expect(c.serverTimeMs(0)).toBe(1000);
    c.reset();
    expect(c.synced).toBe(false);
  });

  it('interpolation delay is configurable', () => {
    const c = new ServerClock({ interpolationDelayMs: 150 });
    c.observeTick(20, 0);
    expect(c.renderTimeMs(0)).toBe(850);
  });
});

describe('RttEstimator', () => {
  it('last value and EMA (α = 1/8), first sample initialises', () => {
    const r = new RttEstimator();
    expect(r.averageMs).toBeNaN();
    expect(r.observe(1000, 1040)).toBe(40);
    expect(r.averageMs).toBe(40);
    expect(r.observe(2000, 2120)).toBe(120);
    expect(r.lastMs).toBe(120);
    expect(r.averageMs).toBe(50); // 40 + (120 − 40) / 8
    expect(r.minMs).toBe(40);
    expect(r.observe(3000, 2990)).toBeNaN(); // negative: ignored
    expect(r.count).toBe(2);
  });
});
