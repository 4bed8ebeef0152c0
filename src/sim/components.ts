// Components are plain objects of typed arrays indexed by bitECS entity id, created per world
// so that two worlds (a replay beside a live zone, two zones in one process) never share state.

export const EntityKind = { Player: 1, Npc: 2, Item: 3 } as const;
export type EntityKind = (typeof EntityKind)[keyof typeof EntityKind];

export const ItemType = { HealthPotion: 1, ManaPotion: 2, Gold: 3 } as const;
export const ITEM_TYPE_COUNT = 3;

export function createComponents(capacity: number) {
  const n = capacity;
  return {
    /** Wire identity: from the world's counter, never reused. */
    NetId: { id: new Uint32Array(n) },
    Kind: { value: new Uint8Array(n) },
    Player: { session: new Uint32Array(n), lastSeq: new Uint32Array(n) },
    Npc: {},
    Item: { type: new Uint8Array(n) },
    Position: { x: new Float32Array(n), y: new Float32Array(n) },
    /** Heading in radians, (-π, π]. */
    Rotation: { angle: new Float32Array(n) },
    /** Straight-line motion toward (tx, ty) at Speed while active. */
    Motion: { tx: new Float32Array(n), ty: new Float32Array(n), active: new Uint8Array(n) },
    Speed: { value: new Float32Array(n) },
    Health: { hp: new Int32Array(n), max: new Int32Array(n) },
    Mana: { mana: new Int32Array(n), max: new Int32Array(n) },
    Level: { value: new Uint16Array(n) },
    /** Route: MAX_WAYPOINTS (x, y) pairs at slot in world.waypoints; next is the waypoint walked to. */
    Patrol: { slot: new Uint32Array(n), count: new Uint8Array(n), next: new Uint8Array(n) },
    /** Tick from which the next attack is allowed. */
    Attacker: { readyAt: new Uint32Array(n) },
    /** An NPC fighting back: the NetId it chases. */
    Chase: { target: new Uint32Array(n) },
    Dead: { respawnAt: new Uint32Array(n) },
    /** Outside the zone's own bounds, waiting for the driver to hand it off. */
    HandoffPending: {},
    /** Last tick any replicated field changed other than straight-line motion; drives deltas. */
    Replicated: { changedAt: new Uint32Array(n) },
  };
}

export type Components = ReturnType<typeof createComponents>;
