// Scavenges between ticks (src/runtime/youngGc.ts): with BetweenTicksGc run after each tick,
// the young generation is collected in the gaps and no scavenge falls inside a tick.

import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { BetweenTicksGc } from '../../src/runtime/index.js';

/** One "tick": short-lived garbage and a few objects kept a while, as a zone's tick makes. */
function tickWork(kept: object[][], t: number): void {
  const garbage: { t: number; i: number; xs: number[] }[] = [];
  for (let i = 0; i < 4000; i++) garbage.push({ t, i, xs: [i, i + 1, i + 2] });
  kept[t % kept.length] = garbage.slice(0, 200);
}

describe('scavenges between ticks', () => {
  it('collects the young generation between ticks, never inside one', async () => {
    const scavenges: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    const gc = new BetweenTicksGc();
    const ticks: [number, number][] = [], kept: object[][] = Array.from({ length: 20 }, () => []);
    for (let t = 0; t < 400; t++) {
      const start = performance.now();
      tickWork(kept, t);
      ticks.push([start, performance.now()]);
      gc.afterTick();
    }
    await new Promise((r) => setTimeout(r, 50)); // entries are delivered after the fact
    observer.disconnect();
    const inTicks = scavenges.filter((at) => ticks.some(([a, b]) => at >= a && at <= b));
    expect(gc.collections).toBeGreaterThan(5); // the ticks filled the young generation many times over
    expect(scavenges.length).toBeGreaterThanOrEqual(gc.collections);
    expect(inTicks).toEqual([]);
  });
});
