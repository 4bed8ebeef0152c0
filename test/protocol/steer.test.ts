// Steer records (PROTOCOL.md §5.1): the position and heading a client works out from its last
// record are the server's, bit for bit, and a Steer that cannot be worked out is refused.

import { describe, expect, it } from 'vitest';
import { MAX_STEER_TICKS, steerGridCode, steerGridValue, withSteer, type EntityStateObj } from '../../src/protocol/index.js';
import { DEFAULT_ZONE, generateZone, stepZone, type ZoneWorld } from '../../src/sim/index.js';

const stats = { level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 };

/** The player's record as a client would hold it, speed at `tickRate`. */
function recordOf(world: ZoneWorld, eid: number, tickRate: number): EntityStateObj {
  const c = world.c, moving = c.Motion.active[eid] === 1;
  return {
    netId: c.NetId.id[eid], x: c.Position.x[eid], y: c.Position.y[eid], targetX: c.Motion.tx[eid], targetY: c.Motion.ty[eid],
    speed: moving ? Math.fround(c.Speed.value[eid] * (tickRate / 20)) : 0, rot: c.Rotation.angle[eid],
    hp: 100, maxHp: 100, mana: 50, maxMana: 50, level: 1, kind: c.Kind.value[eid], flags: moving ? 2 : 0,
  };
}

/** A player that walks from (100.3, 200.7) toward `first`; after `ticks` ticks it turns toward `then`. */
function turn(ticks: number, first: [number, number], then: [number, number], tickRate = 20) {
  const world = generateZone({ ...DEFAULT_ZONE, bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, npcs: 0, items: 0 }, 5);
  stepZone(world, [{ type: 'join', session: 1, name: 'walker', state: { x: 100.3, y: 200.7, ...stats } }]);
  stepZone(world, [{ type: 'move', session: 1, seq: 1, x: first[0], y: first[1] }]);
  const eid = world.sessions.get(1)!, t0 = world.tick, before = recordOf(world, eid, tickRate);
  for (let i = 1; i < ticks; i++) stepZone(world, []);
  stepZone(world, [{ type: 'move', session: 1, seq: 2, x: then[0], y: then[1] }]);
  // The target as the simulation keeps it (on the walk grid), which is what a Steer carries.
  const after = recordOf(world, eid, tickRate);
  const steered = withSteer(before, t0, { netId: before.netId, targetX: after.targetX, targetY: after.targetY }, world.tick, tickRate);
  return { steered, after };
}

describe('Steer records', () => {
  it('carry a target on the walk grid as zigzag codes: short for small magnitudes of either sign, exact both ways', () => {
    expect([0, 0.125, -0.125, 1, -1, 1023.875].map(steerGridCode)).toEqual([0, 2, 1, 16, 15, 16_382]);
    for (const v of [0, 0.125, -0.125, 999.875, -4096.5, 268_435_455.875, -268_435_456]) expect(steerGridValue(steerGridCode(v))).toBe(v);
    // Off the grid, −0 (0 on the wire) and beyond 32 bits: no Steer.
    for (const v of [0.1, Math.fround(0.3), -0, 268_435_456, -268_435_456.125, NaN, Infinity]) expect(steerGridCode(v), `${v}`).toBe(-1);
  });

  it('step a walker to the server\'s own position and heading, bit for bit, after 1 to 200 ticks and at other tick rates', () => {
    for (const ticks of [1, 2, 7, 60, MAX_STEER_TICKS]) {
      for (const tickRate of [20, 30, 60]) {
        const { steered, after } = turn(ticks, [987.65, 876.54], [3.21, 999.9], tickRate);
        expect(steered, `${ticks} ticks at ${tickRate} Hz`).toEqual(after);
      }
    }
  });

  it('are refused where the client could not work them out: not walking, too long ago, or arrived on the way', () => {
    const { after } = turn(3, [900, 900], [10, 10]);
    const steer = { netId: after.netId, targetX: 500, targetY: 500 };
    expect(withSteer({ ...after, flags: 0 }, 100, steer, 101, 20)).toBeUndefined();
    expect(withSteer(after, 100, steer, 100, 20)).toBeUndefined(); // the same tick
    expect(withSteer(after, 100, steer, 101 + MAX_STEER_TICKS, 20)).toBeUndefined();
    expect(withSteer(after, 100, steer, 100 + MAX_STEER_TICKS, 20)).toBeDefined();
    // 5 u/s from (100.3, 200.7) reaches (101.3, 200.7) in 4 ticks: a Steer 10 ticks on would step past an arrival.
    const { steered } = turn(10, [101.3, 200.7], [500, 500]);
    expect(steered).toBeUndefined();
    // A turn toward the spot it stands on is no turn.
    expect(withSteer(after, 100, { netId: after.netId, targetX: after.x, targetY: after.y }, 101, 20)).toBeUndefined();
  });
});
