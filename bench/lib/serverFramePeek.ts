// Reads from a server frame only what a bench bot needs, without decoding it: the body type and,
// for a Snapshot, its tick and whether it is an empty delta (a heartbeat). A Snapshot frame
// (PROTOCOL.md §5.1) is read as far as its flags and tick; for a FlatBuffers message the body type is
// looked up by hand (root table → vtable slot → field), so any valid layout reads right, with
// no allocation. Field slots follow schemas/server.fbs.

import { SNAPSHOT_HEADER_SIZE, isEmptySnapshotFlags, snapshotTick } from '../../src/protocol/index.js';
import { ServerBody } from '../../src/protocol/generated/mmo/wire/server-body.js';

/** What a peek found; `tick` and `heartbeat` are set for snapshots only. */
export interface FramePeek {
  body: number;
  tick: number;
  heartbeat: boolean;
}

// Field number of ServerMessage.body_type (slot offset in the vtable = 4 + 2 × field).
const MESSAGE_BODY_TYPE = 0;

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

/**
 * Fills `out` from the frame `b[start, end)`; returns false when the bytes are not a
 * ServerMessage that can be read this far (an offset outside the frame; the bench counts it
 * as an error).
 */
export function peekServerFrame(b: Buffer, start: number, end: number, out: FramePeek): boolean {
  if (end - start >= 1 && (b[start] & 1) !== 0) {
    // A Snapshot frame: a heartbeat is one whose flags name no section (records, events, removals).
    if (end - start < SNAPSHOT_HEADER_SIZE) return false;
    out.body = ServerBody.Snapshot;
    out.tick = snapshotTick(b, start, end);
    if (out.tick < 0) return false;
    out.heartbeat = isEmptySnapshotFlags(b[start]);
    return true;
  }
  try {
    lo = start;
    hi = end;
    if (end - start < 8) return false;
    const root = inFrame(start + b.readUInt32LE(start), 4);
    const typeAt = fieldAt(b, root, MESSAGE_BODY_TYPE);
    out.body = typeAt === 0 ? ServerBody.NONE : b[inFrame(root + typeAt, 1)];
    return true;
  } catch {
    return false;
  }
}
