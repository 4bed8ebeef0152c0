// Straight-line motion toward the target at the entity's speed; arrival within 0.1 snaps
// to the target and stops. Heading is set when the target is set, so it is not recomputed here.

import { Not, query } from 'bitecs';
import { ARRIVE_DISTANCE, DT } from '../constants.js';
import { touch, type ZoneWorld } from '../world.js';

const ARRIVE_SQ = ARRIVE_DISTANCE * ARRIVE_DISTANCE;

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
