// NPCs walk their closed routes: within 1.0 of the waypoint they turn to the next one,
// looping. Movement carries them at their speed (2 u/s); an NPC that is chasing does not patrol.

import { Not } from 'bitecs';
import { MAX_WAYPOINTS, WAYPOINT_DISTANCE } from '../constants.js';
import { cachedQuery } from '../queries.js';
import type { ZoneWorld } from '../world.js';
import { walkTo } from './movement.js';

const WAYPOINT_SQ = WAYPOINT_DISTANCE * WAYPOINT_DISTANCE;

/** Points the NPC at its current waypoint. */
export function headForWaypoint(world: ZoneWorld, e: number): void {
  const w = (world.c.Patrol.slot[e] * MAX_WAYPOINTS + world.c.Patrol.next[e]) * 2;
  walkTo(world, e, world.waypoints[w], world.waypoints[w + 1]);
}

function atWaypoint(world: ZoneWorld, e: number): boolean {
  const { Position, Patrol } = world.c;
  const w = (Patrol.slot[e] * MAX_WAYPOINTS + Patrol.next[e]) * 2;
  const dx = world.waypoints[w] - Position.x[e], dy = world.waypoints[w + 1] - Position.y[e];
  return dx * dx + dy * dy <= WAYPOINT_SQ;
}

const patrolling = cachedQuery((c) => [c.Patrol, Not(c.Dead), Not(c.Chase)]);

export function patrolSystem(world: ZoneWorld): void {
  const { Position, Motion, Patrol } = world.c;
  const px = Position.x, py = Position.y, tx = Motion.tx, ty = Motion.ty, active = Motion.active;
  const ents = patrolling(world);
  for (let i = 0, n = ents.length; i < n; i++) {
    const e = ents[i];
    if (active[e] === 0) {
      // A guard standing at its post stays put; anyone else idle (after a chase or a
      // respawn) walks back to the route.
      if (Patrol.count[e] === 1 && atWaypoint(world, e)) continue;
      headForWaypoint(world, e);
      continue;
    }
    // While patrolling, the motion target is the current waypoint.
    const dx = tx[e] - px[e], dy = ty[e] - py[e];
    if (dx * dx + dy * dy <= WAYPOINT_SQ) {
      if (Patrol.count[e] === 1) continue; // a guard post: stay put
      const next = Patrol.next[e] + 1;
      Patrol.next[e] = next >= Patrol.count[e] ? 0 : next;
      headForWaypoint(world, e);
    }
  }
}
