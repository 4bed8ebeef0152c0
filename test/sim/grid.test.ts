import { describe, expect, it } from 'vitest';
import { generateZone, inRect, Rng, Scenario, SpatialGrid, stepZone, zoneForEntities, type ZoneWorld } from '../../src/sim/index.js';

function bruteForce(world: ZoneWorld, x: number, y: number, r: number): number[] {
  const xs = world.c.Position.x, ys = world.c.Position.y;
  const r2 = r * r;
  const out: number[] = [];
  for (const e of world.netToEid.values()) {
    const dx = xs[e] - x, dy = ys[e] - y;
    if (dx * dx + dy * dy <= r2) out.push(e);
  }
  return out.sort((a, b) => a - b);
}

const sorted = (a: number[]) => [...a].sort((p, q) => p - q);

/** A generated 5000-entity zone with a world larger than the zone, players driven by a Scenario. */
function drivenZone(seed: number, spawn: { x: number; y: number }, ticks: number): ZoneWorld {
  // 3500 NPCs + 1000 items + 400 players (plus churn) in the zone sized for 5000 entities.
  const base = zoneForEntities(5000, { npcs: 3500, items: 1000 });
  const side = base.bounds.maxX;
  const world = generateZone({
    ...base,
    worldBounds: { minX: -150, minY: -150, maxX: side + 150, maxY: side + 150 },
    spawn,
  }, seed);
  const scenario = new Scenario(world, { players: 400, seed, moveChance: 0.5, attackChance: 0.05, pickupChance: 0.2, churnChance: 0.01 });
  for (let t = 0; t < ticks; t++) stepZone(world, scenario.next());
  return world;
}

describe('spatial grid', () => {
  it.each([
    { name: 'players spread out from the low corner', seed: 11, corner: 'low' as const },
    { name: 'players spread out from the high corner', seed: 12, corner: 'high' as const },
  ])('queryRadius equals a brute-force scan: $name', ({ seed, corner }) => {
    const side = zoneForEntities(5000).bounds.maxX; // 650
    const spawn = corner === 'low' ? { x: 5, y: 5 } : { x: side - 5, y: side - 5 };
    const world = drivenZone(seed, spawn, 40);
    const { c, grid } = world;
    const b = world.config.bounds;

    // The setup is what it claims: thousands of live entities, some of them outside the zone.
    const live = [...world.netToEid.values()];
    expect(live.length).toBeGreaterThan(4800);
    const outside = live.filter((e) => !inRect(b, c.Position.x[e], c.Position.y[e]));
    expect(outside.length).toBeGreaterThan(20);

    // Every live entity sits in the cell of its position, and the cells hold nothing else.
    let filed = 0;
    for (const list of grid.cells) filed += list.length;
    expect(filed).toBe(live.length);
    for (const e of live) expect(grid.cellOf[e]).toBe(grid.cellAt(c.Position.x[e], c.Position.y[e]));

    const rng = new Rng(seed * 7919);
    const out: number[] = [];
    let hits = 0;
    const check = (x: number, y: number, r: number) => {
      const n = grid.queryRadius(x, y, r, c.Position.x, c.Position.y, out);
      expect(n).toBe(out.length);
      const want = bruteForce(world, x, y, r);
      expect(sorted(out), `query (${x}, ${y}) r=${r}`).toEqual(want);
      if (n > 0) hits++;
    };
    for (let i = 0; i < 600; i++) {
      const x = rng.range(b.minX - 300, b.maxX + 300);
      const y = rng.range(b.minY - 300, b.maxY + 300);
      check(x, y, rng.range(0, 160));
    }
    // Around entities outside the zone, on them with radius 0, and far away in every direction.
    for (const e of outside.slice(0, 50)) {
      check(c.Position.x[e], c.Position.y[e], 0);
      check(c.Position.x[e] + rng.range(-20, 20), c.Position.y[e] + rng.range(-20, 20), rng.range(1, 30));
    }
    for (const [x, y] of [[-1e4, -1e4], [-1e4, 325], [325, 1e4], [1e4, 1e4], [-160, -160], [side + 160, side + 160]]) {
      check(x, y, 10);
      check(x, y, 200);
    }
    check(side / 2, side / 2, 2000); // covers everything
    expect(out.length).toBe(live.length);
    expect(hits).toBeGreaterThan(200); // most random queries find something
  });

  it('a standalone grid tracks moves between cells, points outside the bounds and forgotten entities', () => {
    const bounds = { minX: -100, minY: 0, maxX: 100, maxY: 60 };
    const grid = new SpatialGrid(bounds, 25, 512);
    expect([grid.cols, grid.rows]).toEqual([8, 3]);
    const xs = new Float32Array(512), ys = new Float32Array(512);
    const rng = new Rng(5);
    const eids = Array.from({ length: 400 }, (_, i) => i + 1);
    const alive = new Set(eids);
    const scan = (x: number, y: number, r: number) =>
      [...alive].filter((e) => { const dx = xs[e] - x, dy = ys[e] - y; return dx * dx + dy * dy <= r * r; }).sort((a, b) => a - b);
    const out: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const e of alive) {
        xs[e] = rng.range(-180, 180); // well beyond the bounds on both sides
        ys[e] = rng.range(-80, 140);
      }
      if (round > 0) {
        for (let k = 0; k < 20; k++) {
          const e = eids[rng.int(eids.length)];
          if (alive.delete(e)) grid.forget(e, e);
        }
      }
      grid.update([...alive], xs, ys);
      for (let q = 0; q < 200; q++) {
        const x = rng.range(-250, 250), y = rng.range(-150, 210), r = rng.range(0, 90);
        grid.queryRadius(x, y, r, xs, ys, out);
        expect(sorted(out)).toEqual(scan(x, y, r));
      }
    }
  });
});
