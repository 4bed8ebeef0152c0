import { describe, expect, it } from 'vitest';
import { rules } from '../../src/sim/index.js';
import { walkGridTarget } from '../../src/sim/motion.js';
import { f32, withPlayers } from './helpers.js';

const STEP = rules.PLAYER_SPEED * rules.DT; // 0.25

describe('walk targets on the grid of 1/8 units', () => {
  it('rounds toward the walker, so the target stays between it and the point asked for', () => {
    expect(walkGridTarget(0, 10.2)).toBe(10.125);
    expect(walkGridTarget(20, 10.2)).toBe(10.25);
    expect(walkGridTarget(0, 10.25)).toBe(10.25);
    expect(walkGridTarget(0, -3.3)).toBe(-3.25);
    expect(walkGridTarget(-10, -3.3)).toBe(-3.375);
    // From inside the zone toward an edge that is not on the grid: never past the point asked for.
    expect(walkGridTarget(500, 999.99)).toBe(999.875);
  });

  it('keeps the point asked for where the grid has none between it and the walker', () => {
    expect(walkGridTarget(10.01, 10.1)).toBe(10.1);
    expect(walkGridTarget(10.1, 10.01)).toBe(10.01);
  });

  it('never gives -0, which the wire cannot tell from 0', () => {
    expect(Object.is(walkGridTarget(1, -0.05), 0)).toBe(true);
  });
});

describe('player movement', () => {
  it('walks 0.25 units per tick along +x, exactly, and snaps on arrival', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const e = d.eid(1);
    const { Position, Motion, Rotation, Replicated } = world.c;
    expect(STEP).toBe(0.25);
    expect(Replicated.changedAt[e]).toBe(1); // joined at tick 1

    d.step(d.move(1, 110, 100)); // tick 2: accepted and already moved once
    expect(world.rejections).toEqual([]);
    expect(Position.x[e]).toBe(100.25);
    expect(Position.y[e]).toBe(100);
    expect(Rotation.angle[e]).toBe(0);
    expect(Motion.active[e]).toBe(1);
    expect(Replicated.changedAt[e]).toBe(2);

    for (let k = 2; k <= 39; k++) {
      d.step();
      expect(Position.x[e]).toBe(100 + 0.25 * k);
      expect(Position.y[e]).toBe(100);
      expect(Motion.active[e]).toBe(1);
      // Straight-line motion alone does not mark the entity changed.
      expect(Replicated.changedAt[e]).toBe(2);
    }
    expect(world.tick).toBe(40);
    expect(Position.x[e]).toBe(109.75);

    d.step(); // tick 41: the last 0.25 snaps onto the target
    expect(Position.x[e]).toBe(110);
    expect(Motion.active[e]).toBe(0);
    expect(Replicated.changedAt[e]).toBe(41);

    d.idle(5); // stopped: nothing moves or changes
    expect(Position.x[e]).toBe(110);
    expect(Position.y[e]).toBe(100);
    expect(Replicated.changedAt[e]).toBe(41);
  });

  it('snaps once within the arrival distance and never overshoots', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const e = d.eid(1);
    const { Position, Motion } = world.c;
    d.step(d.move(1, 100, 102.2)); // tick 2: 102.125 on the walk grid (rounded toward the walker)
    expect(Motion.ty[e]).toBe(102.125);
    d.idleUntil(9); // 8 steps of 0.25: 102.0, 0.125 short of the target
    expect(Position.y[e]).toBe(102);
    expect(Motion.active[e]).toBe(1);
    d.step(); // within one step: snaps
    expect(Position.y[e]).toBe(102.125);
    expect(Position.x[e]).toBe(100);
    expect(Motion.active[e]).toBe(0);

    d.step(d.move(1, 100, 101.95)); // 102.0 on the grid: 0.125 away, less than one step, snaps at once
    expect(Position.y[e]).toBe(102);
    expect(Motion.active[e]).toBe(0);
  });

  it('sets rotation to the heading of the move: +x 0, +y π/2, −x π, −y −π/2', () => {
    const { world, d } = withPlayers([{ x: 500, y: 500 }]);
    const e = d.eid(1);
    const rot = () => world.c.Rotation.angle[e];
    d.step(d.move(1, 600, 500));
    expect(rot()).toBe(0);
    d.step(d.move(1, d.x(1), 600));
    expect(rot()).toBe(f32(Math.PI / 2));
    d.step(d.move(1, 400, d.y(1)));
    expect(rot()).toBe(f32(Math.PI));
    d.step(d.move(1, d.x(1), 400));
    expect(rot()).toBe(f32(-Math.PI / 2));
    // A move onto the current position keeps the heading.
    d.step(d.move(1, d.x(1), d.y(1)));
    expect(rot()).toBe(f32(-Math.PI / 2));
  });

  it('walks a 3-4-5 diagonal at 0.25 per tick with heading atan2(4, 3)', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const e = d.eid(1);
    const { Position, Motion, Rotation } = world.c;
    d.step(d.move(1, 103, 104)); // tick 2, 5 units away: 20 steps
    expect(Rotation.angle[e]).toBe(f32(Math.atan2(4, 3)));
    expect(Rotation.angle[e]).toBeCloseTo(0.9272952180016122, 6);
    for (let k = 1; k <= 19; k++) {
      expect(Position.x[e]).toBeCloseTo(100 + 0.15 * k, 4);
      expect(Position.y[e]).toBeCloseTo(100 + 0.2 * k, 4);
      expect(Motion.active[e]).toBe(1);
      d.step();
    }
    // Tick 21: 20th step lands (snaps) on the target exactly.
    expect(Position.x[e]).toBe(103);
    expect(Position.y[e]).toBe(104);
    expect(Motion.active[e]).toBe(0);
  });

  it('marks Replicated.changedAt when the target changes mid-walk, and on arrival', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const e = d.eid(1);
    const { Position, Replicated, Rotation } = world.c;
    d.step(d.move(1, 200, 100)); // tick 2
    d.idle(3); // ticks 3..5
    expect(Replicated.changedAt[e]).toBe(2);
    expect(Position.x[e]).toBe(101);
    d.step(d.move(1, 50, 100)); // tick 6: turn back, moves toward −x at once
    expect(Replicated.changedAt[e]).toBe(6);
    expect(Rotation.angle[e]).toBe(f32(Math.PI));
    expect(Position.x[e]).toBe(100.75);
    d.idleUntil(208); // 50.75 units to go = 203 steps: tick 6 + 203 = 209
    expect(Position.x[e]).toBe(50.25);
    expect(Replicated.changedAt[e]).toBe(6);
    d.step();
    expect(world.tick).toBe(209);
    expect(Position.x[e]).toBe(50);
    expect(Replicated.changedAt[e]).toBe(209);
  });

  it('moves a player toward the latest of several moves in one tick', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const e = d.eid(1);
    d.step(d.move(1, 200, 100), d.move(1, 100, 0));
    expect(world.c.Motion.tx[e]).toBe(100);
    expect(world.c.Motion.ty[e]).toBe(0);
    expect(world.c.Position.x[e]).toBe(100);
    expect(world.c.Position.y[e]).toBe(99.75);
  });
});
