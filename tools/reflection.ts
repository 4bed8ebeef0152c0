// Reads a binary schema (`flatc -b --schema x.fbs` -> x.bfbs) into plain objects.
//
// The .bfbs is flatc's own parse of a schema, written as a FlatBuffer whose layout is
// FlatBuffers' reflection schema (reflection.fbs, root "BFBS"). Reading it instead of the .fbs
// text means field ids, vtable slots, struct sizes and alignments, required-ness and union
// members are exactly what flatc computed. User attributes (`attribute "max_len";` ... `(max_len:
// 24)`) are kept in it as key/value strings. Only the parts the verifier tables need are read.
//
// Slot numbers below are the field ids of reflection.fbs (flatc 2.0.x; the schema only grows by
// appending, so they hold for later versions too).

import * as flatbuffers from 'flatbuffers';

/** reflection.BaseType. */
export enum BaseType {
  None = 0,
  UType = 1,
  Bool = 2,
  Byte = 3,
  UByte = 4,
  Short = 5,
  UShort = 6,
  Int = 7,
  UInt = 8,
  Long = 9,
  ULong = 10,
  Float = 11,
  Double = 12,
  String = 13,
  Vector = 14,
  Obj = 15,
  Union = 16,
  Array = 17,
}

/** Byte size of each scalar BaseType (UType .. Double); 0 for the others. */
export const SCALAR_SIZE: Readonly<Partial<Record<BaseType, 1 | 2 | 4 | 8>>> = {
  [BaseType.UType]: 1,
  [BaseType.Bool]: 1,
  [BaseType.Byte]: 1,
  [BaseType.UByte]: 1,
  [BaseType.Short]: 2,
  [BaseType.UShort]: 2,
  [BaseType.Int]: 4,
  [BaseType.UInt]: 4,
  [BaseType.Long]: 8,
  [BaseType.ULong]: 8,
  [BaseType.Float]: 4,
  [BaseType.Double]: 8,
};

export interface ReflType {
  readonly baseType: BaseType;
  /** Element type of a Vector. */
  readonly element: BaseType;
  /** Index into objects (Obj, vector of Obj) or enums (Union, UType, enum-typed scalars); -1 if none. */
  readonly index: number;
}

export interface ReflField {
  readonly name: string;
  readonly type: ReflType;
  readonly id: number;
  readonly required: boolean;
  /** User attributes, e.g. max_len -> "24". */
  readonly attributes: ReadonlyMap<string, string>;
}

export interface ReflObject {
  /** Fully qualified, e.g. "mmo.wire.Hello". */
  readonly name: string;
  readonly isStruct: boolean;
  readonly minAlign: number;
  readonly byteSize: number;
  /** Sorted by id. */
  readonly fields: readonly ReflField[];
}

export interface ReflEnumVal {
  readonly name: string;
  readonly value: number;
  /** For union members: index into objects; -1 for NONE and plain enums. */
  readonly objectIndex: number;
}

export interface ReflEnum {
  readonly name: string;
  readonly isUnion: boolean;
  readonly values: readonly ReflEnumVal[];
}

export interface ReflSchema {
  /** Sorted by fully qualified name, as flatc writes them; ReflType.index points here. */
  readonly objects: readonly ReflObject[];
  readonly enums: readonly ReflEnum[];
  readonly fileIdent: string;
  /** Fully qualified name of root_type, or '' when the schema declares none. */
  readonly rootTable: string;
}

/** One table of the .bfbs: typed reads by slot (field id). */
class Table {
  constructor(
    private readonly bb: flatbuffers.ByteBuffer,
    private readonly pos: number,
  ) {}

  private at(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }

  str(slot: number): string {
    const o = this.at(slot);
    return o === 0 ? '' : (this.bb.__string(this.pos + o) as string);
  }

  bool(slot: number): boolean {
    const o = this.at(slot);
    return o !== 0 && this.bb.readUint8(this.pos + o) !== 0;
  }

  int8(slot: number, dflt: number): number {
    const o = this.at(slot);
    return o === 0 ? dflt : this.bb.readInt8(this.pos + o);
  }

  uint16(slot: number): number {
    const o = this.at(slot);
    return o === 0 ? 0 : this.bb.readUint16(this.pos + o);
  }

  int32(slot: number, dflt: number): number {
    const o = this.at(slot);
    return o === 0 ? dflt : this.bb.readInt32(this.pos + o);
  }

  int64(slot: number): number {
    const o = this.at(slot);
    return o === 0 ? 0 : Number(this.bb.readInt64(this.pos + o));
  }

  table(slot: number): Table | null {
    const o = this.at(slot);
    return o === 0 ? null : new Table(this.bb, this.bb.__indirect(this.pos + o));
  }

  tables(slot: number): Table[] {
    const o = this.at(slot);
    if (o === 0) return [];
    const v = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    return Array.from({ length: n }, (_, i) => new Table(this.bb, this.bb.__indirect(v + 4 * i)));
  }
}

function readType(t: Table | null): ReflType {
  if (t === null) throw new Error('binary schema: field without a type');
  // Type: base_type 0, element 1, index 2.
  return { baseType: t.int8(0, 0), element: t.int8(1, 0), index: t.int32(2, -1) };
}

function readAttributes(list: Table[]): Map<string, string> {
  // KeyValue: key 0, value 1.
  return new Map(list.map((kv) => [kv.str(0), kv.str(1)]));
}

function readField(f: Table): ReflField {
  // Field: name 0, type 1, id 2, offset 3, ..., required 7, key 8, attributes 9.
  return {
    name: f.str(0),
    type: readType(f.table(1)),
    id: f.uint16(2),
    required: f.bool(7),
    attributes: readAttributes(f.tables(9)),
  };
}

function readObject(o: Table): ReflObject {
  // Object: name 0, fields 1, is_struct 2, minalign 3, bytesize 4.
  return {
    name: o.str(0),
    fields: o.tables(1).map(readField).sort((a, b) => a.id - b.id),
    isStruct: o.bool(2),
    minAlign: o.int32(3, 0),
    byteSize: o.int32(4, 0),
  };
}

function readEnum(e: Table): ReflEnum {
  // Enum: name 0, values 1, is_union 2. EnumVal: name 0, value 1, union_type 3 (a Type).
  return {
    name: e.str(0),
    isUnion: e.bool(2),
    values: e.tables(1).map((v) => ({
      name: v.str(0),
      value: v.int64(1),
      objectIndex: v.table(3)?.int32(2, -1) ?? -1,
    })),
  };
}

/** Parses a .bfbs; throws when the bytes are not a binary schema. */
export function readBinarySchema(bytes: Uint8Array): ReflSchema {
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (bytes.length < 8 || bb.getBufferIdentifier() !== 'BFBS') {
    throw new Error('not a binary schema (file identifier is not "BFBS")');
  }
  // Schema: objects 0, enums 1, file_ident 2, file_ext 3, root_table 4.
  const root = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  return {
    objects: root.tables(0).map(readObject),
    enums: root.tables(1).map(readEnum),
    fileIdent: root.str(2),
    rootTable: root.table(4)?.str(0) ?? '',
  };
}
