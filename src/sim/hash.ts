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

export function stateHash(world: ZoneWorld): StateHash {
  compactOrder(world);
  const { c } = world;
  const bits = floatBits(world);
  const { NetId, Kind, Player, Health, Mana, Level, Motion, Patrol, Attacker, Chase, Dead, Item, Replicated } = c;
  let he = FNV_OFFSET, hp = FNV_OFFSET, hm = FNV_OFFSET, hv = FNV_OFFSET, ha = FNV_OFFSET;
  const eids = world.orderEids;
  for (let i = 0, n = world.orderLen; i < n; i++) {
    const e = eids[i];
    he = mix(mix(mix(mix(he, NetId.id[e]), Kind.value[e]), Player.lastSeq[e]), Item.type[e]);
    hp = mix(mix(hp, bits.x[e]), bits.y[e]);
    hm = mix(mix(mix(mix(mix(hm, bits.rot[e]), bits.tx[e]), bits.ty[e]), Motion.active[e]), bits.speed[e]);
    hv = mix(mix(mix(mix(mix(hv, Health.hp[e]), Health.max[e]), Mana.mana[e]), Mana.max[e]), Level.value[e]);
    // Chase.target and Dead.respawnAt are zeroed when those components are removed.
    ha = mix(mix(mix(mix(mix(ha, Patrol.next[e]), Attacker.readyAt[e]), Replicated.changedAt[e]), Chase.target[e]), Dead.respawnAt[e]);
  }
  let hw = mix(mix(mix(FNV_OFFSET, world.tick), world.nextNetId), world.orderLen);
  for (let i = 0; i < 4; i++) hw = mix(hw, world.rng.state[i]);
  for (const t of world.itemRespawns) hw = mix(hw, t);
  for (const [session, eid] of world.sessions) hw = mix(mix(hw, session), NetId.id[eid]);
  let hev = mix(FNV_OFFSET, world.events.length);
  for (const ev of world.events) {
    hev = mix(mix(mix(mix(hev, ev.kind), ev.source), ev.target), ev.value | 0);
    f32[0] = ev.x; hev = mix(hev, u32[0]);
    f32[0] = ev.y; hev = mix(hev, u32[0]);
    if (ev.text !== undefined) hev = mixString(hev, ev.text);
  }
  for (const r of world.rejections) hev = mixString(mix(mix(hev, r.session), r.seq), r.reason);
  const parts = { entities: he >>> 0, position: hp >>> 0, motion: hm >>> 0, vitals: hv >>> 0, ai: ha >>> 0, world: hw >>> 0, events: hev >>> 0 };
  let lo = FNV_OFFSET, hi = 0x9e3779b9;
  for (const p of HASH_PARTS) {
    lo = mix(lo, parts[p]);
    hi = Math.imul(hi ^ ((parts[p] >>> 16) | (parts[p] << 16)), 0x5bd1e995);
  }
  return { hex: (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0'), parts };
}
