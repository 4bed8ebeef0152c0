// State hash over every live entity in NetId order, kept as separate lanes so a divergence
// can be narrowed to the part of the state that differs. FNV-1a over 32-bit words; floats are
// hashed by their bits.

import { compactOrder, type ZoneWorld } from './world.js';

export const HASH_PARTS = ['entities', 'position', 'motion', 'vitals', 'ai', 'world', 'events'] as const;
export type HashPart = (typeof HASH_PARTS)[number];

export interface StateHash {
  /** All lanes folded into 64 bits, as 16 hex digits. */
  hex: string;
  parts: Record<HashPart, number>;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, FNV_PRIME);
}

function mixString(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function bitsView(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

const views = new WeakMap<ZoneWorld, Record<'x' | 'y' | 'tx' | 'ty' | 'rot' | 'speed', Uint32Array>>();

function floatBits(world: ZoneWorld) {
  let v = views.get(world);
  if (!v) {
    const { Position, Motion, Rotation, Speed } = world.c;
    v = {
      x: bitsView(Position.x), y: bitsView(Position.y), tx: bitsView(Motion.tx), ty: bitsView(Motion.ty),
      rot: bitsView(Rotation.angle), speed: bitsView(Speed.value),
    };
    views.set(world, v);
  }
  return v;
}

/**
 * The world lane: tick, counters, the PRNG, item respawns and sessions (in the Map's order).
 * Like stateHash it first drops despawned entities from the NetId order, so either leaves the world the same.
 */
export function worldLane(world: ZoneWorld): number {
  compactOrder(world);
  const netId = world.c.NetId.id;
  let hw = mix(mix(mix(FNV_OFFSET, world.tick), world.nextNetId), world.orderLen);
  for (let i = 0; i < 4; i++) hw = mix(hw, world.rng.state[i]);
  for (const t of world.itemRespawns) hw = mix(hw, t);
  for (const [session, eid] of world.sessions) hw = mix(mix(hw, session), netId[eid]);
  return hw >>> 0;
}

/** The events lane: this tick's events and rejections, in order. */
export function eventsLane(world: ZoneWorld): number {
  let hev = mix(FNV_OFFSET, world.events.length);
  for (const ev of world.events) {
    hev = mix(mix(mix(mix(hev, ev.kind), ev.source), ev.target), ev.value | 0);
    f32[0] = ev.x; hev = mix(hev, u32[0]);
    f32[0] = ev.y; hev = mix(hev, u32[0]);
    if (ev.text !== undefined) hev = mixString(hev, ev.text);
  }
  for (const r of world.rejections) hev = mixString(mix(mix(hev, r.session), r.seq), r.reason);
  return hev >>> 0;
}

export function stateHash(world: ZoneWorld): StateHash {
  compactOrder(world);
  const { c } = world;
  const bits = floatBits(world);
  // Every column in a local: the loop below is the replay's hottest (21 words an entity).
  const netId = c.NetId.id, kind = c.Kind.value, lastSeq = c.Player.lastSeq, itemType = c.Item.type;
  const x = bits.x, y = bits.y, rot = bits.rot, tx = bits.tx, ty = bits.ty, active = c.Motion.active, speed = bits.speed;
  const hp = c.Health.hp, hpMax = c.Health.max, mana = c.Mana.mana, manaMax = c.Mana.max, level = c.Level.value;
  const next = c.Patrol.next, readyAt = c.Attacker.readyAt, changedAt = c.Replicated.changedAt;
  const chase = c.Chase.target, respawnAt = c.Dead.respawnAt;
  let he = FNV_OFFSET, hp_ = FNV_OFFSET, hm = FNV_OFFSET, hv = FNV_OFFSET, ha = FNV_OFFSET;
  const eids = world.orderEids;
  for (let i = 0, n = world.orderLen; i < n; i++) {
    const e = eids[i];
    he = mix(mix(mix(mix(he, netId[e]), kind[e]), lastSeq[e]), itemType[e]);
    hp_ = mix(mix(hp_, x[e]), y[e]);
    hm = mix(mix(mix(mix(mix(hm, rot[e]), tx[e]), ty[e]), active[e]), speed[e]);
    hv = mix(mix(mix(mix(mix(hv, hp[e]), hpMax[e]), mana[e]), manaMax[e]), level[e]);
    // Chase.target and Dead.respawnAt are zeroed when those components are removed.
    ha = mix(mix(mix(mix(mix(ha, next[e]), readyAt[e]), changedAt[e]), chase[e]), respawnAt[e]);
  }
  const hw = worldLane(world), hev = eventsLane(world);
  const parts = { entities: he >>> 0, position: hp_ >>> 0, motion: hm >>> 0, vitals: hv >>> 0, ai: ha >>> 0, world: hw, events: hev };
  return { hex: foldLanes(HASH_PARTS.map((p) => parts[p])), parts };
}

/** The lanes (in HASH_PARTS order) folded into 64 bits, as 16 hex digits: a recording's "h". */
export function foldLanes(lanes: readonly number[]): string {
  let lo = FNV_OFFSET, hi = 0x9e3779b9;
  for (const v of lanes) {
    lo = mix(lo, v);
    hi = Math.imul(hi ^ ((v >>> 16) | (v << 16)), 0x5bd1e995);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
