// The deterministic core: time only as world.tick, randomness only from the seeded Rng, no I/O, nothing asynchronous.

export { EntityKind, ItemType, type Components } from './components.js';
export { ConfigError, DEFAULT_ZONE, inRect, validateZoneConfig, zoneForEntities, type Rect, type ZoneConfig } from './config.js';
export * as rules from './constants.js';
export { EventKind, type SimEvent } from './events.js';
export { generateZone } from './generate.js';
export { SpatialGrid } from './grid.js';
export { HASH_PARTS, eventsLane, foldLanes, stateHash, worldLane, type HashPart, type StateHash } from './hash.js';
export { codePointLength, type PlayerState, type Rejection, type RejectReason, type SimInput } from './inputs.js';
export { heading, wrapAngle } from './math.js';
export { PHASES, type Phase } from './phases.js';
export { Rng } from './rng.js';
export { Scenario, type ScenarioOptions } from './scenario.js';
export { stepZone, stepZoneObserved } from './step.js';
export { SnapshotError, restoreSnapshot, serializeSnapshot, snapshotInfo } from './snapshot.js';
export {
  createZoneWorld, despawn, liveCount, readPlayerState, spawnItem, spawnNpc, spawnPlayer,
  type Handoff, type Joined, type ZoneWorld,
} from './world.js';
