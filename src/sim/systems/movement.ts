// Straight-line motion toward the target at the entity's speed; arrival within 0.1 snaps
// to the target and stops. Heading is set when the target is set, so it is not recomputed here.

import { Not, query } from 'bitecs';
import { ARRIVE_DISTANCE, DT } from '../constants.js';
import { heading } from '../math.js';
import { touch, type ZoneWorld } from '../world.js';

const ARRIVE_SQ = ARRIVE_DISTANCE * ARRIVE_DISTANCE;

/** Sets an entity walking to (x, y), facing the way it goes. */
export function walkTo(world: ZoneWorld, e: number, x: number, y: number): void {
  const { Position, Motion, Rotation } = world.c;
  Motion.tx[e] = x;
  Motion.ty[e] = y;
  Motion.active[e] = 1;
  // Heading from the stored float32 values, the same ones movement will use.
  const dx = Motion.tx[e] - Position.x[e], dy = Motion.ty[e] - Position.y[e];
  if (dx !== 0 || dy !== 0) Rotation.angle[e] = heading(dy, dx);
  touch(world, e);
}

export function movementSystem(world: ZoneWorld): void {
  const { Position, Motion, Speed, Dead } = world.c;
  const px = Position.x, py = Position.y, tx = Motion.tx, ty = Motion.ty, active = Motion.active, speed = Speed.value;
  const ents = query(world.ecs, [Motion, Not(Dead)]);
  for (let i = 0, n = ents.length; i < n; i++) {
    const e = ents[i];
    if (active[e] === 0) continue;
    const dx = tx[e] - px[e], dy = ty[e] - py[e];
    const d2 = dx * dx + dy * dy;
    const step = speed[e] * DT;
    if (d2 <= ARRIVE_SQ || d2 <= step * step) {
      px[e] = tx[e];
      py[e] = ty[e];
      active[e] = 0;
      touch(world, e);
      continue;
    }
    const k = step / Math.sqrt(d2);
    px[e] += dx * k;
    py[e] += dy * k;
  }
}
