import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/index.js';
import { OwedTable } from '../../src/zone/owedTable.js';

// The budget's owed table (src/zone/owedTable.ts), an open-addressing table, against a Map:
// random owes, forgets and clears over a few hundred cells, so runs collide, wrap around the
// table's end, shift back on deletion, and the table grows.

describe('owed table', () => {
  it('agrees with a Map through 50,000 random owes, forgets and clears', () => {
    const rng = new Rng(13);
    const owed = new OwedTable(4);
    const model = new Map<number, { since: number; whole: boolean }>();
    let largest = 0;
    for (let tick = 0; tick < 50_000; tick++) {
      const cell = Math.floor(rng.range(0, 300)), op = rng.range(0, 1);
      if (op < 0.55) {
        const whole = rng.range(0, 1) < 0.3;
        owed.owe(cell, tick, whole);
        const was = model.get(cell);
        model.set(cell, { since: was?.since ?? tick, whole: (was?.whole ?? false) || whole });
      } else if (op < 0.9995) {
        owed.forget(cell);
        model.delete(cell);
      } else {
        owed.clear();
        model.clear();
      }
      largest = Math.max(largest, model.size);
      expect(owed.size).toBe(model.size);
      const probe = Math.floor(rng.range(0, 300));
      expect(owed.since(probe)).toBe(model.get(probe)?.since ?? -1);
      expect(owed.whole(probe)).toBe(model.get(probe)?.whole ?? false);
      if (tick % 1000 === 0) expect(new Map(owed.entries())).toEqual(new Map([...model].map(([c, v]) => [c, v.since])));
    }
    expect(largest).toBeGreaterThan(100); // it grew from 4 slots
  });
});
