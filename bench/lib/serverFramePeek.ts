// Reads from a server frame only what a bench bot needs, without decoding it: the body type and,
// for a Snapshot, its tick and whether it is an empty delta (a heartbeat). FlatBuffers lookups
// by hand (root table → vtable slot → field), so any valid layout reads right (PROTOCOL.md §10),
// with no allocation. Field slots follow schemas/server.fbs.

import { ServerBody } from '../../src/protocol/generated/mmo/wire/server-body.js';

/** What a peek found; `tick` and `heartbeat` are set for snapshots only. */
export interface FramePeek {
  body: number;
  tick: number;
  heartbeat: boolean;
}

// Field numbers in their tables (slot offset in the vtable = 4 + 2 × field).
const MESSAGE_BODY_TYPE = 0, MESSAGE_BODY = 1;
const SNAPSHOT_TICK = 0, SNAPSHOT_ENTITIES = 3, SNAPSHOT_REMOVED = 4, SNAPSHOT_EVENTS = 5;

/** The frame being peeked is b[lo, hi): a read outside it means the bytes are not a valid frame. */
let lo = 0, hi = 0;

function inFrame(at: number, size: number): number {
  if (at < lo || at + size > hi) throw new RangeError(`offset ${at - lo} outside the frame`);
  return at;
}

/** The offset of `field` of the table at `table`, or 0 when absent (default value). */
function fieldAt(b: Buffer, table: number, field: number): number {
  const vtable = inFrame(table - b.readInt32LE(inFrame(table, 4)), 4);
  const slot = 4 + 2 * field;
  return slot < b.readUInt16LE(vtable) ? b.readUInt16LE(inFrame(vtable + slot, 2)) : 0;
}

/** The length of the vector `field` of the table at `table` (0 when absent). */
function vectorLength(b: Buffer, table: number, field: number): number {
  const off = fieldAt(b, table, field);
  if (off === 0) return 0;
  const at = inFrame(table + off, 4);
  return b.readUInt32LE(inFrame(at + b.readUInt32LE(at), 4));
}

/**
 * Fills `out` from the frame `b[start, end)`; returns false when the bytes are not a
 * ServerMessage that can be read this far (an offset outside the frame; the bench counts it
 * as an error).
 */
export function peekServerFrame(b: Buffer, start: number, end: number, out: FramePeek): boolean {
  try {
    lo = start;
    hi = end;
    if (end - start < 8) return false;
    const root = inFrame(start + b.readUInt32LE(start), 4);
    const typeAt = fieldAt(b, root, MESSAGE_BODY_TYPE);
    out.body = typeAt === 0 ? ServerBody.NONE : b[inFrame(root + typeAt, 1)];
    if (out.body !== ServerBody.Snapshot) return true;
    const bodyAt = fieldAt(b, root, MESSAGE_BODY);
    if (bodyAt === 0) return false;
    const snap = root + bodyAt + b.readUInt32LE(inFrame(root + bodyAt, 4));
    const tickAt = fieldAt(b, snap, SNAPSHOT_TICK);
    out.tick = tickAt === 0 ? 0 : b.readUInt32LE(inFrame(snap + tickAt, 4));
    out.heartbeat = vectorLength(b, snap, SNAPSHOT_ENTITIES) === 0 && vectorLength(b, snap, SNAPSHOT_REMOVED) === 0 &&
      vectorLength(b, snap, SNAPSHOT_EVENTS) === 0;
    return true;
  } catch {
    return false;
  }
}
