// Player snapshots as the write-behind carries them: a plain object at the API, a packed
// Float64Array (one stride per player, zone as an index into a small string table) in between,
// so a 10,000-player batch crosses to the writer thread as one transferred buffer.

import type { PlayerState } from '../sim/index.js';

/** The part of a player row that changes during play: the sim's PlayerState, the row id and the zone. */
export interface PlayerSnapshot extends PlayerState {
  id: number;
  zone: string;
}

/** Field order inside one stride of PackedSnapshots.data. */
export const F_ID = 0, F_LEVEL = 1, F_HP = 2, F_MAX_HP = 3, F_MANA = 4, F_MAX_MANA = 5, F_X = 6, F_Y = 7, F_ZONE = 8;
export const SNAPSHOT_STRIDE = 9;

export interface PackedSnapshots {
  /** count × SNAPSHOT_STRIDE numbers (may be longer; the rest is ignored). */
  data: Float64Array;
  count: number;
  /** data[i * STRIDE + F_ZONE] indexes this table. */
  zones: readonly string[];
}

/** Where packed batches go: PlayerStore (same thread, synchronous) or WorkerWriter (its own thread). */
export interface SnapshotWriter {
  /**
   * Writes the batch in one transaction and returns how many player rows it updated. Takes
   * ownership of batch.data (it may be transferred). On failure the writer keeps the rows and
   * writes them with its next batch, under any newer row for the same player.
   */
  writeSnapshots(batch: PackedSnapshots): number | Promise<number>;
  /** Adds to a player's stack; durable (committed) once it returns or resolves. Returns the new quantity. */
  addItem(playerId: number, itemType: number, quantity: number): number | Promise<number>;
  close(): void | Promise<void>;
}

/** Throws unless every number of the snapshot is finite (NaN would become NULL in SQLite). */
export function checkSnapshot(row: PlayerSnapshot): void {
  if (!Number.isSafeInteger(row.id) || row.id <= 0) throw new TypeError(`player id must be a positive integer, got ${row.id}`);
  if (!(Number.isFinite(row.level) && Number.isFinite(row.hp) && Number.isFinite(row.maxHp) && Number.isFinite(row.mana)
    && Number.isFinite(row.maxMana) && Number.isFinite(row.x) && Number.isFinite(row.y))) {
    throw new TypeError(`player ${row.id} snapshot has a non-finite number`);
  }
  if (typeof row.zone !== 'string') throw new TypeError(`player ${row.id} zone must be a string`);
}

/** Writes one row's numbers at offset `o` of a packed batch; `zone` is its index in the zone list. */
export function writeSnapshot(data: Float64Array, o: number, r: PlayerSnapshot, zone: number): void {
  data[o + F_ID] = r.id;
  data[o + F_LEVEL] = r.level;
  data[o + F_HP] = r.hp;
  data[o + F_MAX_HP] = r.maxHp;
  data[o + F_MANA] = r.mana;
  data[o + F_MAX_MANA] = r.maxMana;
  data[o + F_X] = r.x;
  data[o + F_Y] = r.y;
  data[o + F_ZONE] = zone;
}

/** Packs rows as they are (no coalescing; later rows for the same id win when written in order). */
export function packSnapshots(rows: readonly PlayerSnapshot[]): PackedSnapshots {
  const data = new Float64Array(rows.length * SNAPSHOT_STRIDE);
  const zones: string[] = [];
  const zoneIndex = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let z = zoneIndex.get(r.zone);
    if (z === undefined) {
      z = zones.push(r.zone) - 1;
      zoneIndex.set(r.zone, z);
    }
    writeSnapshot(data, i * SNAPSHOT_STRIDE, r, z);
  }
  return { data, count: rows.length, zones };
}

/** Row i of a packed batch as an object. */
export function unpackSnapshot(batch: PackedSnapshots, i: number): PlayerSnapshot {
  const d = batch.data;
  const o = i * SNAPSHOT_STRIDE;
  return {
    id: d[o + F_ID], level: d[o + F_LEVEL], hp: d[o + F_HP], maxHp: d[o + F_MAX_HP], mana: d[o + F_MANA],
    maxMana: d[o + F_MAX_MANA], x: d[o + F_X], y: d[o + F_Y], zone: batch.zones[d[o + F_ZONE]],
  };
}
