// The fan-out's record arena: entities' replicated state packed as PROTOCOL.md §5 EntityState
// records (40 bytes each), Motion records (24 bytes) or packed Steer records (12 bytes) into one
// growable buffer, once per tick; a cell's block is an (offset, length) range into it, valid
// until the next tick resets it. The arena also remembers each entity's record as of its last
// change, and the tick of that change, which is what every client that knows the entity holds
// (or the same walk further on): a change that leaves all but the motion as remembered can go
// as a Motion record, and one whose position the client can step to as a Steer record.

import { ENTITY_STATE_SIZE, MOTION_SIZE, PACKED_STEER_SIZE, steerGridCode, steerPosition, type SteerPoint } from '../protocol/index.js';
import type { ZoneWorld } from '../sim/index.js';

const FLAG_DEAD = 1;
const FLAG_MOVING = 2;
const RECORD_WORDS = ENTITY_STATE_SIZE / 4;
/** Words of an EntityState that a Motion record leaves as they were: net_id, speed, then hp to flags. */
const KEPT_WORDS = [0, 5, 7, 8, 9] as const;
/** Words of an EntityState that make a Motion record: net_id, x, y, target_x, target_y, rot. */
export const MOTION_WORDS = [0, 1, 2, 3, 4, 6] as const;
/** The flags word (9) holds the flags byte at its top (little-endian byte 39). */
const MOVING_IN_FLAGS_WORD = FLAG_MOVING << 24;

/**
 * How a changed entity's record can go to the clients that know it (refresh()): whole; as a
 * Motion record (only x, y, target and heading differ from what they hold); as a Steer record
 * (that, its position and heading are where steerPosition() steps and turns theirs to, and its
 * target is on the walk grid, as the simulation's walks are).
 */
export const RecordChange = { Whole: 0, Motion: 1, Steer: 2 } as const;
export type RecordChange = (typeof RecordChange)[keyof typeof RecordChange];

export class RecordArena {
  private bytes = new Uint8Array(64 * 1024);
  /** The same bytes as 4-byte words, for copying blocks out (records are 40 bytes). */
  words = new Int32Array(this.bytes.buffer);
  private view = new DataView(this.bytes.buffer);
  used = 0;

  /** Per entity, its record as of its last refresh(), RECORD_WORDS words each (and as floats), and the tick of it. */
  private readonly remembered: Int32Array;
  private readonly rememberedFloats: Float32Array;
  private readonly rememberedTick: Int32Array;
  private readonly probe = new DataView(new ArrayBuffer(ENTITY_STATE_SIZE));
  private readonly probeWords = new Int32Array(this.probe.buffer);
  private readonly probeFloats = new Float32Array(this.probe.buffer);
  private readonly stepped: SteerPoint = { x: 0, y: 0, rot: 0 };

  /**
   * @param speedScale wall-clock speed per game speed (tick rate / 20): records carry speed in
   *   units per second at the advertised tick rate.
   */
  constructor(private readonly world: ZoneWorld, private readonly speedScale: number) {
    this.remembered = new Int32Array(world.c.NetId.id.length * RECORD_WORDS);
    this.rememberedFloats = new Float32Array(this.remembered.buffer);
    this.rememberedTick = new Int32Array(world.c.NetId.id.length);
  }

  /**
   * Remembers entity e's record as it is at `tick`, and says how the change can go (see
   * RecordChange). Called for every entity whose record changed, so what is remembered is
   * what clients were last told.
   */
  refresh(e: number, tick: number): RecordChange {
    this.pack(e, this.probe, 0);
    const now = this.probeWords, before = this.remembered, at = e * RECORD_WORDS;
    let same = true;
    for (const w of KEPT_WORDS) if (before[at + w] !== now[w]) same = false;
    const change = !same ? RecordChange.Whole : this.steerable(at, tick - this.rememberedTick[e]) ? RecordChange.Steer : RecordChange.Motion;
    before.set(now, at);
    this.rememberedTick[e] = tick;
    return change;
  }

  /**
   * Whether the probed record, `ticks` after the remembered one at `at` and the same but for
   * motion, is where a client stepping the remembered walk (steerPosition()) puts it and heads
   * it, bit for bit, with a target a Steer record can carry (on the walk grid).
   */
  private steerable(at: number, ticks: number): boolean {
    const f = this.rememberedFloats, now = this.probeFloats, p = this.stepped;
    if ((this.remembered[at + 9] & MOVING_IN_FLAGS_WORD) === 0) return false; // and so not now either: flags are kept
    if (steerGridCode(now[3]) < 0 || steerGridCode(now[4]) < 0) return false;
    if (!steerPosition(f[at + 1], f[at + 2], f[at + 3], f[at + 4], f[at + 5], this.speedScale, ticks, now[3], now[4], p)) return false;
    return p.x === now[1] && p.y === now[2] && p.rot === now[6];
  }

  /** Packs the entities' Motion records (from what refresh() remembered) one after another; returns where the block starts. */
  packMotions(eids: readonly number[]): number {
    return this.packRemembered(eids, MOTION_WORDS, MOTION_SIZE);
  }

  /**
   * Packs the entities' Steer records (from what refresh() remembered, which found their
   * targets on the grid) one after another: net_id and the target's grid codes. Returns where
   * the block starts.
   */
  packSteers(eids: readonly number[]): number {
    const at = this.reserve(eids.length * PACKED_STEER_SIZE), words = this.words, from = this.remembered, floats = this.rememberedFloats;
    for (let i = 0, to = at >> 2; i < eids.length; i++) {
      const base = eids[i] * RECORD_WORDS;
      words[to++] = from[base];
      words[to++] = steerGridCode(floats[base + 3]);
      words[to++] = steerGridCode(floats[base + 4]);
    }
    return at;
  }

  /** The words `picked` of each entity's remembered record, `size` bytes per entity, one after another. */
  private packRemembered(eids: readonly number[], picked: readonly number[], size: number): number {
    const at = this.reserve(eids.length * size), words = this.words, from = this.remembered;
    for (let i = 0, to = at >> 2; i < eids.length; i++) {
      const base = eids[i] * RECORD_WORDS;
      for (const w of picked) words[to++] = from[base + w];
    }
    return at;
  }

  /** Packs the entities' records one after another; returns where the block starts. */
  packList(eids: readonly number[]): number {
    const at = this.reserve(eids.length * ENTITY_STATE_SIZE);
    for (let i = 0; i < eids.length; i++) this.pack(eids[i], this.view, at + i * ENTITY_STATE_SIZE);
    return at;
  }

  private reserve(n: number): number {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
      this.words = new Int32Array(grown.buffer);
      this.view = new DataView(grown.buffer);
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** One entity's replicated state at `at` of `v`. */
  private pack(e: number, v: DataView, at: number): void {
    const { c } = this.world;
    const moving = c.Motion.active[e] === 1;
    const dead = c.Dead.respawnAt[e] !== 0;
    const x = c.Position.x[e], y = c.Position.y[e];
    v.setUint32(at, c.NetId.id[e], true);
    v.setFloat32(at + 4, x, true);
    v.setFloat32(at + 8, y, true);
    v.setFloat32(at + 12, moving ? c.Motion.tx[e] : x, true);
    v.setFloat32(at + 16, moving ? c.Motion.ty[e] : y, true);
    v.setFloat32(at + 20, moving ? c.Speed.value[e] * this.speedScale : 0, true);
    v.setFloat32(at + 24, c.Rotation.angle[e], true);
    v.setUint16(at + 28, c.Health.hp[e], true);
    v.setUint16(at + 30, c.Health.max[e], true);
    v.setUint16(at + 32, c.Mana.mana[e], true);
    v.setUint16(at + 34, c.Mana.max[e], true);
    v.setUint16(at + 36, c.Level.value[e], true);
    v.setUint8(at + 38, c.Kind.value[e]);
    v.setUint8(at + 39, (dead ? FLAG_DEAD : 0) | (moving ? FLAG_MOVING : 0));
  }
}
