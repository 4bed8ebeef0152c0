// The shared scenario of issue 13 (bench/ccu.ts live, bench/wire.ts in process): the zone and
// the bots' rhythm, written once so the two measure the same work.

/** Zone 1000 × 1000. */
export const SHARED_BOUNDS = { minX: 0, minY: 0, maxX: 1000, maxY: 1000 };

/** 1,000 NPCs looping over 4 waypoints drawn over the whole zone; players spawn uniformly over it. */
export function sharedZone(cellSize: number) {
  return {
    bounds: SHARED_BOUNDS, spawn: { x: 500, y: 500 }, spawnRadius: 500, npcs: 1000, waypoints: 4, patrolRadius: 500,
    guardShare: 0, items: 0, cellSize, capacity: 16384,
  };
}

/** A bot picks a new target right after joining, then again after this many ms (uniform). */
export const PICK_EVERY_MS = { min: 2000, max: 4000 };
