// Straight-line motion toward the target at the entity's speed (one entity's step is
// stepMotion in ../motion.ts). Heading is set when the target is set, not recomputed here.

import { Not } from 'bitecs';
import { heading } from '../math.js';
import { stepMotion, walkGridTarget, type MotionColumns } from '../motion.js';
import { cachedQuery } from '../queries.js';
import { touch, type ZoneWorld } from '../world.js';

/** Sets an entity walking to (x, y) on the walk grid (walkGridTarget), facing the way it goes. */
export function walkTo(world: ZoneWorld, e: number, x: number, y: number): void {
  const { Position, Motion, Rotation } = world.c;
  Motion.tx[e] = walkGridTarget(Position.x[e], x);
  Motion.ty[e] = walkGridTarget(Position.y[e], y);
  Motion.active[e] = 1;
  // Heading from the stored float32 values, the same ones movement will use.
  const dx = Motion.tx[e] - Position.x[e], dy = Motion.ty[e] - Position.y[e];
  if (dx !== 0 || dy !== 0) Rotation.angle[e] = heading(dy, dx);
  touch(world, e);
}

const walkers = cachedQuery((c) => [c.Motion, Not(c.Dead)]);

/** Moves every walking entity one step (stepMotion, the function the client's prediction shares). */
export function movementSystem(world: ZoneWorld): void {
  const { Position, Motion, Speed } = world.c;
  const m: MotionColumns = { px: Position.x, py: Position.y, tx: Motion.tx, ty: Motion.ty, active: Motion.active, speed: Speed.value };
  const ents = walkers(world);
  for (let i = 0, n = ents.length; i < n; i++) {
    const e = ents[i];
    if (stepMotion(m, e)) touch(world, e);
  }
}
