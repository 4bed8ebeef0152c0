// Fills a new zone from its config with the world's PRNG: NPCs on closed patrol routes and
// ground items. Same config and seed, same zone.

import type { ZoneConfig } from './config.js';
import { spawnRandomItem } from './systems/items.js';
import { interestSystem } from './systems/interest.js';
import { createZoneWorld, spawnNpc, type ZoneWorld } from './world.js';

const NPC_BASE_HP = 80;
const NPC_HP_PER_LEVEL = 20;

/** A new zone populated with its NPCs and items, grid built, at tick 0. */
export function generateZone(config: ZoneConfig, seed: number): ZoneWorld {
  const world = createZoneWorld(config, seed);
  const { bounds: b, waypoints, patrolRadius: r } = world.config;
  const rng = world.rng;
  const route = new Float32Array(waypoints * 2);
  for (let i = 0; i < world.config.npcs; i++) {
    // A route inside a square of side 2r around a centre, kept within the zone.
    const cx = rng.range(b.minX + r, b.maxX - r);
    const cy = rng.range(b.minY + r, b.maxY - r);
    for (let w = 0; w < waypoints; w++) {
      route[w * 2] = cx + rng.range(-r, r);
      route[w * 2 + 1] = cy + rng.range(-r, r);
    }
    const level = 1 + rng.int(10);
    const guard = rng.next() < world.config.guardShare;
    spawnNpc(world, guard ? route.subarray(0, 2) : route, level, NPC_BASE_HP + NPC_HP_PER_LEVEL * level);
  }
  for (let i = 0; i < world.config.items; i++) spawnRandomItem(world);
  interestSystem(world);
  return world;
}
