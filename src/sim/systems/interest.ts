// Updates the spatial grid over every positioned entity; range queries and client views read it.

import { query } from 'bitecs';
import type { ZoneWorld } from '../world.js';

export function interestSystem(world: ZoneWorld): void {
  const { Position } = world.c;
  world.grid.update(query(world.ecs, [Position]), Position.x, Position.y);
}
