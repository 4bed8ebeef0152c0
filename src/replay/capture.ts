// What the change log takes of a world each tick: every entity column's bytes and bitECS's
// component masks, copied into one buffer, compared with the previous tick's (changeLog.ts).
// The entity table (components and "Component.field" names with their number types) goes
// into the recording's header, so the file says what its field numbers mean.

import { $internal } from 'bitecs';
import type { ZoneWorld } from '../sim/index.js';

export type ColumnType = 'f32' | 'u32' | 'i32' | 'u16' | 'u8';

/** The entity columns of a world: component names, and every field with its number type. */
export interface EntityTable {
  components: string[];
  /** [name "Component.field", type], in declaration order. */
  fields: [string, ColumnType][];
}

type Column = Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;

/** One tick's copy of the entity columns (ids below `n`) and component masks. */
export interface Frame {
  tick: number;
  n: number;
  bytes: Uint8Array;
  /** The bit of each table component in the masks (0: not registered yet). */
  bits: number[];
  nextNetId: number;
  rng: number[];
  itemRespawns: number[];
  /** Players that joined this tick: [NetId, name]. */
  names: [number, string][];
}

function typeOf(a: Column): ColumnType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

/** The table of a world's components, in the order world.c declares them. */
export function entityTable(world: ZoneWorld): EntityTable {
  const components = Object.keys(world.c);
  const fields: [string, ColumnType][] = [];
  for (const [comp, cols] of Object.entries(world.c)) {
    for (const [field, col] of Object.entries(cols as Record<string, Column>)) fields.push([`${comp}.${field}`, typeOf(col)]);
  }
  return { components, fields };
}

const BYTES: Record<ColumnType, number> = { f32: 4, u32: 4, i32: 4, u16: 2, u8: 1 };

/** Byte offset of each field's block in a frame of `n` ids, and the masks' offset last. */
export function frameLayout(table: EntityTable, n: number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const [, type] of table.fields) {
    offsets.push(at);
    at += (n * BYTES[type] + 3) & ~3;
  }
  offsets.push(at);
  return offsets;
}

/** Frame buffer size for `n` ids. */
export function frameBytes(table: EntityTable, n: number): number {
  return frameLayout(table, n).at(-1)! + n * 4;
}

interface EcsInternals {
  entityIndex: { maxId: number };
  componentMap: Map<object, { generationId: number; bitflag: number }>;
  entityMasks: number[][];
}

/** Copies a world's columns each tick; one per recorded world. */
export class FrameCapture {
  readonly table: EntityTable;
  private readonly columns: Column[];
  private readonly comps: object[];

  constructor(private readonly world: ZoneWorld) {
    this.table = entityTable(world);
    this.columns = Object.values(world.c).flatMap((c) => Object.values(c as Record<string, Column>));
    this.comps = Object.values(world.c);
  }

  private ecs(): EcsInternals {
    return (this.world.ecs as unknown as Record<symbol, EcsInternals>)[$internal];
  }

  /** Bytes the next frame needs. */
  size(): number {
    return frameBytes(this.table, this.ecs().entityIndex.maxId + 1);
  }

  /** The world now, with the names of this tick's joins, copied into `bytes` (at least size() long). */
  capture(bytes: Uint8Array): Frame {
    const w = this.world;
    const ecs = this.ecs();
    const n = ecs.entityIndex.maxId + 1;
    const offsets = frameLayout(this.table, n);
    this.columns.forEach((col, i) => {
      bytes.set(new Uint8Array(col.buffer, col.byteOffset, n * col.BYTES_PER_ELEMENT), offsets[i]);
    });
    const bits = this.comps.map((c) => {
      const reg = ecs.componentMap.get(c);
      if (reg && reg.generationId !== 0) throw new Error('the change log supports up to 31 components');
      return reg?.bitflag ?? 0;
    });
    const masks = new Int32Array(bytes.buffer, bytes.byteOffset + offsets.at(-1)!, n);
    const source = ecs.entityMasks[0] ?? [];
    for (let e = 0; e < n; e++) masks[e] = source[e] ?? 0;
    return {
      tick: w.tick, n, bytes, bits, nextNetId: w.nextNetId, rng: [...w.rng.state], itemRespawns: w.itemRespawns.slice(),
      names: w.joined.map((j) => [j.netId, j.name]),
    };
  }
}
