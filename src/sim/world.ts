// The zone world: bitECS world + per-world components + everything else the systems share.
// Spawning and despawning live here because they must keep NetIds, sessions and the
// NetId-ordered entity list consistent.

import { addComponent, addEntity, createWorld, removeEntity, type World } from 'bitecs';
import { createComponents, EntityKind, type Components } from './components.js';
import { inRect, validateZoneConfig, type Rect, type ZoneConfig } from './config.js';
import { MAX_WAYPOINTS, NEW_PLAYER, NPC_SPEED, PLAYER_SPEED } from './constants.js';
import type { SimEvent } from './events.js';
import { PositionHistory } from './history.js';
import type { PlayerState, Rejection, SimInput } from './inputs.js';
import { Rng } from './rng.js';
import { SpatialGrid } from './grid.js';

export interface PendingAction {
  eid: number;
  /** NetId of the actor at the time the input was accepted. */
  actor: number;
  /** NetId of the target or item. */
  target: number;
  session: number;
  seq: number;
  /** Attacks: judge the target where it was this many ticks ago (lag compensation). */
  rewind?: number;
}

export interface Joined {
  session: number;
  netId: number;
  name: string;
}

export interface Handoff {
  session: number;
  netId: number;
  x: number;
  y: number;
}

export interface ZoneWorld {
  readonly config: ZoneConfig;
  readonly seed: number;
  readonly worldBounds: Rect;
  readonly ecs: World;
  readonly c: Components;
  /** Every component array, for clearing a recycled entity id. */
  readonly arrays: readonly { [i: number]: number }[];
  readonly rng: Rng;
  tick: number;
  nextNetId: number;
  readonly netToEid: Map<number, number>;
  readonly sessions: Map<number, number>;
  readonly names: Map<number, string>;
  /** Live entities in NetId order (lazily compacted): the order the state hash walks. */
  orderEids: Int32Array;
  orderNets: Uint32Array;
  orderLen: number;
  orderDirty: boolean;
  /** Pooled patrol routes: MAX_WAYPOINTS (x, y) pairs per slot. */
  waypoints: Float32Array;
  readonly freeSlots: number[];
  nextSlot: number;
  /** Ticks at which a picked-up item respawns, in order. */
  readonly itemRespawns: number[];
  readonly grid: SpatialGrid;
  /** Positions of the last second, for lag-compensated attacks. */
  readonly history: PositionHistory;

  // Per-tick inputs and outputs, reset by stepZone.
  inputs: readonly SimInput[];
  readonly events: SimEvent[];
  readonly rejections: Rejection[];
  readonly joined: Joined[];
  readonly left: number[];
  readonly removed: number[];
  /** Entity ids whose replicated state changed this tick (may repeat, may be gone since). */
  readonly changed: number[];
  readonly handoffs: Handoff[];
  readonly pendingAttacks: PendingAction[];
  readonly pendingPickups: PendingAction[];
}

export function createZoneWorld(config: ZoneConfig, seed: number): ZoneWorld {
  const cfg = validateZoneConfig(config);
  const capacity = cfg.capacity;
  const c = createComponents(capacity + 1);
  const world: ZoneWorld = {
    config: cfg,
    seed: seed >>> 0,
    worldBounds: cfg.worldBounds ?? cfg.bounds,
    ecs: createWorld(),
    c,
    arrays: Object.values(c).flatMap((comp) => Object.values(comp) as { [i: number]: number }[]),
    rng: new Rng(seed),
    tick: 0,
    nextNetId: 1,
    netToEid: new Map(),
    sessions: new Map(),
    names: new Map(),
    orderEids: new Int32Array(capacity + 1),
    orderNets: new Uint32Array(capacity + 1),
    orderLen: 0,
    orderDirty: false,
    waypoints: new Float32Array(64 * MAX_WAYPOINTS * 2),
    freeSlots: [],
    nextSlot: 0,
    itemRespawns: [],
    grid: new SpatialGrid(cfg.bounds, cfg.cellSize, capacity + 1),
    history: new PositionHistory(capacity + 1),
    inputs: [],
    events: [],
    rejections: [],
    joined: [],
    left: [],
    removed: [],
    changed: [],
    handoffs: [],
    pendingAttacks: [],
    pendingPickups: [],
  };
  return world;
}

export function liveCount(world: ZoneWorld): number {
  return world.netToEid.size;
}

/** Drops despawned entries from the NetId-ordered list. */
export function compactOrder(world: ZoneWorld): void {
  if (!world.orderDirty) return;
  const { orderEids, orderNets } = world;
  const ids = world.c.NetId.id;
  let j = 0;
  for (let i = 0; i < world.orderLen; i++) {
    const e = orderEids[i];
    if (ids[e] === orderNets[i]) {
      orderEids[j] = e;
      orderNets[j] = orderNets[i];
      j++;
    }
  }
  world.orderLen = j;
  world.orderDirty = false;
}

/** A new entity with a fresh NetId, or −1 when the zone is at capacity. */
function spawnEntity(world: ZoneWorld, kind: EntityKind, x: number, y: number): number {
  if (world.netToEid.size >= world.config.capacity) return -1;
  const eid = addEntity(world.ecs);
  const { c } = world;
  for (const a of world.arrays) a[eid] = 0; // bitECS reuses ids at once
  const netId = world.nextNetId++;
  c.NetId.id[eid] = netId;
  c.Kind.value[eid] = kind;
  addComponent(world.ecs, eid, c.NetId);
  addComponent(world.ecs, eid, c.Position);
  addComponent(world.ecs, eid, c.Replicated);
  c.Position.x[eid] = x;
  c.Position.y[eid] = y;
  world.history.born(eid, world.tick);
  touch(world, eid);
  world.netToEid.set(netId, eid);
  if (world.orderLen === world.orderEids.length) compactOrder(world);
  world.orderEids[world.orderLen] = eid;
  world.orderNets[world.orderLen++] = netId;
  return eid;
}

function makeMobile(world: ZoneWorld, eid: number, speed: number, hp: number, maxHp: number,
  mana: number, maxMana: number, level: number): void {
  const { c, ecs } = world;
  addComponent(ecs, eid, c.Motion);
  addComponent(ecs, eid, c.Speed);
  addComponent(ecs, eid, c.Health);
  addComponent(ecs, eid, c.Mana);
  addComponent(ecs, eid, c.Level);
  addComponent(ecs, eid, c.Attacker);
  c.Motion.active[eid] = 0;
  c.Motion.tx[eid] = c.Position.x[eid];
  c.Motion.ty[eid] = c.Position.y[eid];
  c.Speed.value[eid] = speed;
  c.Health.hp[eid] = hp;
  c.Health.max[eid] = maxHp;
  c.Mana.mana[eid] = mana;
  c.Mana.max[eid] = maxMana;
  c.Level.value[eid] = level;
  c.Attacker.readyAt[eid] = 0;
}

export function spawnPlayer(world: ZoneWorld, session: number, name: string, state?: PlayerState): number {
  // Refuse before drawing a spawn point, so a refused join leaves the PRNG untouched.
  if (world.netToEid.size >= world.config.capacity) return -1;
  let x: number, y: number;
  if (state && inRect(world.config.bounds, state.x, state.y)) {
    x = state.x;
    y = state.y;
  } else {
    // Spread arrivals a little so players do not stack on one point.
    const r = world.config.spawnRadius;
    x = world.config.spawn.x + world.rng.range(-r, r);
    y = world.config.spawn.y + world.rng.range(-r, r);
    const b = world.config.bounds;
    x = Math.min(b.maxX, Math.max(b.minX, x));
    y = Math.min(b.maxY, Math.max(b.minY, y));
  }
  const eid = spawnEntity(world, EntityKind.Player, x, y);
  if (eid < 0) return -1;
  const s = state ?? NEW_PLAYER;
  const { c } = world;
  makeMobile(world, eid, PLAYER_SPEED, s.hp, s.maxHp, s.mana, s.maxMana, s.level);
  addComponent(world.ecs, eid, c.Player);
  c.Player.session[eid] = session;
  c.Player.lastSeq[eid] = 0;
  world.sessions.set(session, eid);
  world.names.set(c.NetId.id[eid], name);
  return eid;
}

function allocRouteSlot(world: ZoneWorld): number {
  const free = world.freeSlots.pop();
  if (free !== undefined) return free;
  const slot = world.nextSlot++;
  const need = (slot + 1) * MAX_WAYPOINTS * 2;
  if (need > world.waypoints.length) {
    const grown = new Float32Array(Math.max(need, world.waypoints.length * 2));
    grown.set(world.waypoints);
    world.waypoints = grown;
  }
  return slot;
}

/** An NPC walking a closed route of waypoints (flat [x0, y0, x1, y1, ...]); it starts on the first. */
export function spawnNpc(world: ZoneWorld, route: ArrayLike<number>, level: number, hp: number): number {
  const count = Math.min(MAX_WAYPOINTS, route.length >> 1);
  if (count < 1) throw new RangeError('an NPC route needs at least one waypoint');
  const eid = spawnEntity(world, EntityKind.Npc, route[0], route[1]);
  if (eid < 0) return -1;
  const { c } = world;
  makeMobile(world, eid, NPC_SPEED, hp, hp, 0, 0, level);
  addComponent(world.ecs, eid, c.Npc);
  addComponent(world.ecs, eid, c.Patrol);
  const slot = allocRouteSlot(world);
  const base = slot * MAX_WAYPOINTS * 2;
  for (let i = 0; i < count * 2; i++) world.waypoints[base + i] = route[i];
  c.Patrol.slot[eid] = slot;
  c.Patrol.count[eid] = count;
  c.Patrol.next[eid] = count > 1 ? 1 : 0;
  return eid;
}

export function spawnItem(world: ZoneWorld, x: number, y: number, type: number): number {
  const eid = spawnEntity(world, EntityKind.Item, x, y);
  if (eid < 0) return -1;
  addComponent(world.ecs, eid, world.c.Item);
  world.c.Item.type[eid] = type;
  return eid;
}

export function despawn(world: ZoneWorld, eid: number): void {
  const { c } = world;
  const netId = c.NetId.id[eid];
  if (c.Kind.value[eid] === EntityKind.Player) {
    world.sessions.delete(c.Player.session[eid]);
    world.names.delete(netId);
  }
  if (c.Kind.value[eid] === EntityKind.Npc) world.freeSlots.push(c.Patrol.slot[eid]);
  world.netToEid.delete(netId);
  world.removed.push(netId);
  world.grid.forget(eid, netId);
  c.NetId.id[eid] = 0;
  c.Kind.value[eid] = 0;
  world.orderDirty = true;
  removeEntity(world.ecs, eid);
}

/** A player's saved-state fields, written into `out` (callers reuse one object on hot paths). */
export function readPlayerState<T extends PlayerState>(world: ZoneWorld, eid: number, out: T): T {
  const { c } = world;
  out.x = c.Position.x[eid];
  out.y = c.Position.y[eid];
  out.level = c.Level.value[eid];
  out.hp = c.Health.hp[eid];
  out.maxHp = c.Health.max[eid];
  out.mana = c.Mana.mana[eid];
  out.maxMana = c.Mana.max[eid];
  return out;
}

/** Marks an entity's replicated state as changed this tick. */
export function touch(world: ZoneWorld, eid: number): void {
  const changedAt = world.c.Replicated.changedAt;
  if (changedAt[eid] === world.tick) return;
  changedAt[eid] = world.tick;
  world.changed.push(eid);
}
