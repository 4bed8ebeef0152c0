// Numbers kept from the seed design (shared/DESIGN.md, "Numbers kept from the seed").
// Simulation code reads time only as world.tick and this fixed step.

export const TICK_RATE = 20;

/**
 * The simulation's rules, numbered: the same inputs step to the same world only under the same
 * rules, so a recording names the rules it was stepped by and a replay under others is refused.
 * 1: until protocol version 4; 2: walk targets on the grid of 1/8 units (motion.ts walkGridTarget).
 */
export const SIM_RULES = 2;
export const DT = 1 / TICK_RATE; // 0.05 s

export const PLAYER_SPEED = 5; // units per second
export const ARRIVE_DISTANCE = 0.1;
/** Walk targets lie on a grid of 1/WALK_GRID units (motion.ts walkGridTarget): a turn then goes on the wire in a few bytes. */
export const WALK_GRID = 8;
export const NPC_SPEED = 2;
export const WAYPOINT_DISTANCE = 1.0;

export const ATTACK_RANGE = 10;
export const ATTACK_COOLDOWN_TICKS = 20; // one attack per second
/** Positions kept for lag compensation: one second of ticks. */
export const HISTORY_TICKS = 20;
/** The furthest an attack is judged in the past: 200 ms. */
export const MAX_REWIND_TICKS = 4;
export const NPC_LEASH_RANGE = 30; // an NPC gives up a chase beyond this
export const RESPAWN_TICKS = 100; // 5 s dead before respawning

export const PICKUP_RANGE = 5;
export const ITEM_RESPAWN_TICKS = 200;
export const POTION_AMOUNT = 25;

export const NEW_PLAYER = { level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 } as const;

export const CHAT_MAX_CHARS = 256;
export const NAME_MAX_CHARS = 24;

/** Radius within which clients are told of an event. */
export const EVENT_RADIUS = {
  attack: 50,
  damage: 30,
  death: 50,
  respawn: 50,
  itemPickup: 20,
  chat: 50,
  zoneExit: 50,
} as const;

/** Clients entering a zone see everything within this range. */
export const VIEW_RADIUS = 100;
export const MAX_WAYPOINTS = 8;

export function damageFor(attackerLevel: number): number {
  return 10 + 2 * attackerLevel;
}
