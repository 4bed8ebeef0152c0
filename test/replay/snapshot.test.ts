// World snapshots restore exactly: the same state hash, the same bytes when taken again, and
// the same hashes tick after tick when both worlds step the same inputs (spawns, deaths,
// leaves, handoffs with recalls), from snapshots taken at several points of a run.

import { describe, expect, it } from 'vitest';
import { SnapshotError, restoreSnapshot, serializeSnapshot, stateHash, stepZone, type ZoneWorld } from '../../src/sim/index.js';
import { HISTORY_TICKS } from '../../src/sim/constants.js';
import { handoffDriver as driver, handoffWorld as makeWorld } from './helpers.js';

/** Every lag-compensation look-up (each live entity, each tick of the window and before it) answers the same. */
function expectSameHistory(copy: ZoneWorld, world: ZoneWorld): void {
  const a = { x: 0, y: 0 }, b = { x: 0, y: 0 };
  let looked = 0;
  for (const eid of world.netToEid.values()) {
    for (let back = 0; back <= HISTORY_TICKS + 2; back++) {
      world.history.at(eid, world.tick - back, world.tick, a);
      copy.history.at(eid, copy.tick - back, copy.tick, b);
      expect(b, `entity ${eid}, ${back} ticks back`).toEqual(a);
      looked++;
    }
  }
  expect(looked).toBeGreaterThan(0);
}

describe('world snapshots', () => {
  it('restore exactly and step in lockstep with the original over thousands of ticks', () => {
    const world = makeWorld(11);
    const next = driver(world, 11);
    let restored: ZoneWorld[] = [];
    let handoffs = 0, deaths = 0, joins = 0;
    for (let t = 1; t <= 3000; t++) {
      const inputs = next();
      stepZone(world, inputs);
      for (const r of restored) stepZone(r, inputs);
      const h = stateHash(world).hex;
      for (const r of restored) expect(stateHash(r).hex, `tick ${t}`).toBe(h);
      handoffs += world.handoffs.length;
      joins += world.joined.length;
      deaths += world.events.filter((e) => e.kind === 2 /* Death */).length;
      if (t === 50 || t === 900 || t === 2100) {
        const bytes = serializeSnapshot(world);
        const copy = restoreSnapshot(bytes);
        expect(stateHash(copy)).toEqual(stateHash(world));
        expect(Buffer.from(serializeSnapshot(copy)).equals(Buffer.from(bytes))).toBe(true);
        expectSameHistory(copy, world);
        restored = [...restored.slice(-1), copy];
      }
    }
    expect(handoffs).toBeGreaterThan(50);
    expect(joins).toBeGreaterThan(200);
    expect(deaths).toBeGreaterThan(0);
  }, 120_000);

  it('refuses damaged or foreign bytes with a SnapshotError', () => {
    const bytes = serializeSnapshot(makeWorld(3));
    const cases = [new Uint8Array(0), bytes.subarray(0, bytes.length - 7), bytes.subarray(0, 40), new Uint8Array(100).fill(7)];
    const flipped = bytes.slice();
    flipped[4] = 9;
    cases.push(flipped);
    for (const c of cases) expect(() => restoreSnapshot(c)).toThrow(SnapshotError);
  });
});
