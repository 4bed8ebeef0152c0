// A FlatBuffers verifier for untrusted bytes.
//
// The flatbuffers JS runtime has no verifier: reads past the end return 0, forged vector
// lengths make loops run for ages and the object API can run out of memory. Every frame is
// therefore checked against a TableSpec (generated from the schema by tools/codegen.ts into
// generated/<schema>_specs.ts) before any generated accessor touches it. Checks, following the C++ flatbuffers::Verifier:
//
// - root: buffer long enough for root offset + file identifier, length a multiple of 4 (every
//   builder pads the finished buffer to its alignment), identifier matches, the root uoffset
//   points inside the buffer past the header and is 4-aligned;
// - table: 4-aligned and in bounds; vtable (table - soffset) 2-aligned and in bounds; vtable
//   size even, >= 4; inline size >= 4 and in bounds; both < 32768 (the JS runtime reads them
//   as int16); every present field's offset >= 4 and field end within the inline size, and the
//   field aligned to its size;
// - uoffsets (strings, vectors, sub-tables): 1..2^31-1 and the target in bounds;
// - strings: length prefix 4-aligned, bytes + NUL terminator in bounds, NUL present, length
//   within the field's byte cap (when the schema declares one);
// - vectors: length prefix 4-aligned, count * element size in bounds, elements aligned;
//   vectors of tables verify every element;
// - unions: the type byte must be one of the spec's members (others -> UnknownMessage), a
//   value without a type or a type without a value is malformed, and the member table is
//   verified recursively;
// - required fields present; nesting depth bounded.
//
// Every loop is bounded by the buffer length, so verification is O(bytes). Fields beyond
// the spec (from a newer schema) are ignored, as FlatBuffers' evolution rules intend.
// UTF-8 validity and character counts are checked by the decoder that reads the strings.

import { ErrorCode } from './generated/server_generated.js';

interface FieldBase {
  readonly name: string;
  readonly required?: boolean;
}

export type FieldSpec = FieldBase &
  (
    | { readonly kind: 'scalar'; readonly size: 1 | 2 | 4 | 8 }
    | { readonly kind: 'struct'; readonly size: number; readonly align: 1 | 2 | 4 | 8 }
    /** maxBytes absent: bounded only by the buffer. */
    | { readonly kind: 'string'; readonly maxBytes?: number }
    | { readonly kind: 'vector'; readonly elemSize: number; readonly elemAlign: 1 | 2 | 4 | 8 }
    | { readonly kind: 'tableVector'; readonly table: TableSpec }
    | { readonly kind: 'table'; readonly table: TableSpec }
    /** The `_type` byte of a union; must directly precede its 'union' field. */
    | { readonly kind: 'unionType' }
    /** members[t] is the table for union type t; undefined entries are not allowed. */
    | { readonly kind: 'union'; readonly members: readonly (TableSpec | undefined)[] }
  );

export interface TableSpec {
  readonly name: string;
  /** Indexed by field id (declaration order; a union takes two ids: type, then value). */
  readonly fields: readonly FieldSpec[];
}

export interface VerifyFailure {
  readonly code: ErrorCode;
  readonly reason: string;
}

/** Deepest table nesting accepted (the schemas need 3). */
export const MAX_DEPTH = 8;
const MAX_UOFFSET = 0x7fffffff;
const MAX_VOFFSET = 0x7fff;

/**
 * Verifies one buffer. Construct per frame; `verifyRoot` returns the root table position or
 * -1, in which case `failure` says why.
 */
export class Verifier {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly len: number;
  failure: VerifyFailure | null = null;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.byteLength;
  }

  /** Checks identifier and root, then the whole tree under `spec`. */
  verifyRoot(identifier: string, spec: TableSpec): number {
    if (this.len < 8) return this.fail(ErrorCode.BadFrame, `frame too short (${this.len} bytes)`);
    // Every FlatBuffers builder pads a finished buffer to its largest alignment (>= 4).
    if (this.len % 4 !== 0) return this.fail(ErrorCode.BadFrame, `frame length ${this.len} is not a multiple of 4`);
    for (let i = 0; i < 4; i++) {
      if (this.bytes[4 + i] !== identifier.charCodeAt(i)) {
        return this.fail(ErrorCode.BadFrame, `file identifier is not "${identifier}"`);
      }
    }
    const rootOff = this.view.getUint32(0, true);
    if (rootOff < 8 || rootOff > MAX_UOFFSET || rootOff % 4 !== 0 || rootOff + 4 > this.len) {
      return this.fail(ErrorCode.BadFrame, `root offset ${rootOff} invalid`);
    }
    return this.verifyTable(rootOff, spec, 1) ? rootOff : -1;
  }

  private fail(code: ErrorCode, reason: string): -1 {
    if (this.failure === null) this.failure = { code, reason };
    return -1;
  }

  private bad(code: ErrorCode, reason: string): false {
    this.fail(code, reason);
    return false;
  }

  private u16(pos: number): number {
    return this.view.getUint16(pos, true);
  }

  private u32(pos: number): number {
    return this.view.getUint32(pos, true);
  }

  /** Follows the uoffset stored at `at` (already known to be in bounds); -1 on failure. */
  private follow(at: number, what: string): number {
    const off = this.u32(at);
    if (off === 0 || off > MAX_UOFFSET) return this.fail(ErrorCode.BadFrame, `${what}: offset ${off} invalid`);
    const target = at + off;
    if (target >= this.len) return this.fail(ErrorCode.BadFrame, `${what}: offset points past the end`);
    return target;
  }

  verifyTable(pos: number, spec: TableSpec, depth: number): boolean {
    const name = spec.name;
    if (depth > MAX_DEPTH) return this.bad(ErrorCode.BadFrame, `${name}: nested too deeply`);
    if (pos < 0 || pos % 4 !== 0 || pos + 4 > this.len) {
      return this.bad(ErrorCode.BadFrame, `${name}: table out of bounds or misaligned`);
    }
    const vt = pos - this.view.getInt32(pos, true);
    if (vt < 0 || vt % 2 !== 0 || vt + 4 > this.len) {
      return this.bad(ErrorCode.BadFrame, `${name}: vtable out of bounds or misaligned`);
    }
    const vtSize = this.u16(vt);
    const inlineSize = this.u16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0 || vtSize > MAX_VOFFSET || vt + vtSize > this.len) {
      return this.bad(ErrorCode.BadFrame, `${name}: vtable size ${vtSize} invalid`);
    }
    if (inlineSize < 4 || inlineSize > MAX_VOFFSET || pos + inlineSize > this.len) {
      return this.bad(ErrorCode.BadFrame, `${name}: table size ${inlineSize} invalid`);
    }
    const slots = (vtSize - 4) >> 1;
    const fields = spec.fields;
    let unionType = 0;
    for (let id = 0; id < fields.length; id++) {
      const f = fields[id];
      const fo = id < slots ? this.u16(vt + 4 + 2 * id) : 0;
      if (fo === 0) {
        if (f.required) return this.bad(ErrorCode.BadFrame, `${name}.${f.name} missing`);
        if (f.kind === 'union' && unionType !== 0) {
          return this.bad(ErrorCode.BadFrame, `${name}.${f.name}: type without value`);
        }
        continue;
      }
      let size: number;
      let align: number;
      switch (f.kind) {
        case 'scalar':
          size = align = f.size;
          break;
        case 'struct':
          size = f.size;
          align = f.align;
          break;
        case 'unionType':
          size = align = 1;
          break;
        default:
          size = align = 4;
      }
      if (fo < 4 || fo > MAX_VOFFSET || fo + size > inlineSize) {
        return this.bad(ErrorCode.BadFrame, `${name}.${f.name}: field outside its table`);
      }
      const at = pos + fo;
      if (at % align !== 0) return this.bad(ErrorCode.BadFrame, `${name}.${f.name}: misaligned`);
      switch (f.kind) {
        case 'scalar':
        case 'struct':
          break;
        case 'unionType':
          unionType = this.bytes[at];
          break;
        case 'string': {
          const s = this.follow(at, `${name}.${f.name}`);
          if (s < 0 || !this.verifyString(s, f.maxBytes, `${name}.${f.name}`)) return false;
          break;
        }
        case 'vector': {
          const v = this.follow(at, `${name}.${f.name}`);
          if (v < 0 || this.verifyVector(v, f.elemSize, f.elemAlign, `${name}.${f.name}`) < 0) return false;
          break;
        }
        case 'tableVector': {
          const what = `${name}.${f.name}`;
          const v = this.follow(at, what);
          if (v < 0) return false;
          const n = this.verifyVector(v, 4, 4, what);
          if (n < 0) return false;
          for (let i = 0; i < n; i++) {
            const t = this.follow(v + 4 + 4 * i, `${what}[${i}]`);
            if (t < 0 || !this.verifyTable(t, f.table, depth + 1)) return false;
          }
          break;
        }
        case 'table': {
          const t = this.follow(at, `${name}.${f.name}`);
          if (t < 0 || !this.verifyTable(t, f.table, depth + 1)) return false;
          break;
        }
        case 'union': {
          if (unionType === 0) {
            return this.bad(ErrorCode.BadFrame, `${name}.${f.name}: value without type`);
          }
          const member = f.members[unionType];
          if (member === undefined) {
            return this.bad(ErrorCode.UnknownMessage, `${name}.${f.name}: unknown type ${unionType}`);
          }
          const t = this.follow(at, `${name}.${f.name}`);
          if (t < 0 || !this.verifyTable(t, member, depth + 1)) return false;
          break;
        }
      }
    }
    return true;
  }

  private verifyString(pos: number, maxBytes: number | undefined, what: string): boolean {
    if (pos % 4 !== 0 || pos + 4 > this.len) {
      return this.bad(ErrorCode.BadFrame, `${what}: string out of bounds or misaligned`);
    }
    const n = this.u32(pos);
    const end = pos + 4 + n; // index of the NUL terminator
    if (end + 1 > this.len) return this.bad(ErrorCode.BadFrame, `${what}: string length ${n} past the end`);
    if (this.bytes[end] !== 0) return this.bad(ErrorCode.BadFrame, `${what}: string not NUL-terminated`);
    if (maxBytes !== undefined && n > maxBytes) return this.bad(ErrorCode.BadString, `${what}: ${n} bytes, at most ${maxBytes} allowed`);
    return true;
  }

  /** Returns the element count, or -1. */
  private verifyVector(pos: number, elemSize: number, elemAlign: number, what: string): number {
    if (pos % 4 !== 0 || pos + 4 > this.len) {
      return this.fail(ErrorCode.BadFrame, `${what}: vector out of bounds or misaligned`);
    }
    const n = this.u32(pos);
    // n * elemSize < 2^35: exact in a double, no overflow.
    if (pos + 4 + n * elemSize > this.len) return this.fail(ErrorCode.BadFrame, `${what}: vector length ${n} past the end`);
    if ((pos + 4) % elemAlign !== 0) return this.fail(ErrorCode.BadFrame, `${what}: vector elements misaligned`);
    return n;
  }
}
