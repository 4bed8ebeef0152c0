// Updates the spatial grid over every positioned entity; range queries and client views read it.

import { cachedQuery } from '../queries.js';
import type { ZoneWorld } from '../world.js';

const positioned = cachedQuery((c) => [c.Position]);

export function interestSystem(world: ZoneWorld): void {
  const { Position } = world.c;
  world.grid.update(positioned(world), Position.x, Position.y);
}
