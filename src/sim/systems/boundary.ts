// Players outside the zone's own bounds become handoff candidates (reported once, with a
// ZoneExit event) instead of being lost; the driver decides where they go. One that walks
// back in before the handoff is no longer a candidate.

import { addComponent, removeComponent } from 'bitecs';
import { inRect } from '../config.js';
import { EVENT_RADIUS } from '../constants.js';
import { EventKind } from '../events.js';
import { cachedQuery, componentTest } from '../queries.js';
import type { ZoneWorld } from '../world.js';

const players = cachedQuery((c) => [c.Player]);

export function boundarySystem(world: ZoneWorld): void {
  const { Player, Position, HandoffPending, NetId } = world.c;
  const b = world.config.bounds;
  const ents = players(world);
  const isPending = componentTest(world, HandoffPending);
  for (let i = 0, n = ents.length; i < n; i++) {
    const e = ents[i];
    const x = Position.x[e], y = Position.y[e];
    const pending = isPending(e);
    if (inRect(b, x, y)) {
      if (pending) removeComponent(world.ecs, e, HandoffPending);
      continue;
    }
    if (pending) continue;
    addComponent(world.ecs, e, HandoffPending);
    const netId = NetId.id[e];
    world.handoffs.push({ session: Player.session[e], netId, x, y });
    world.events.push({ kind: EventKind.ZoneExit, source: netId, target: 0, x, y, radius: EVENT_RADIUS.zoneExit, value: 0 });
  }
}
