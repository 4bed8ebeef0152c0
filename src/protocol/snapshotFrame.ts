// The Snapshot frame (schemas/PROTOCOL.md §5.1): the one server message that is not a
// FlatBuffer. It is most of what a server sends, so its framing is a flags byte, the tick and
// the ack as varints (5 bytes in all, typically) and a one-byte count per section present
// instead of a FlatBuffers envelope (48 bytes for an empty delta); a change of motion alone goes as a 24-byte Motion record instead of a 40-byte
// EntityState, and a walker's turn toward a new target as a Steer record (steer.ts): its NetId and
// its target on the walk grid as varints, 6 bytes typically (version 5; removed NetIds are
// varints too).
//
// Byte 0 tells the two kinds of server frame apart: a FlatBuffer starts with its root offset,
// always a multiple of 4 (its root table is 4-aligned in a buffer padded to 4); a Snapshot
// frame's byte 0 has bit 0 set.

import { ErrorCode } from './generated/server_generated.js';
import { ENTITY_STATE_SIZE } from './constants.js';
import { LengthViews } from './lengthViews.js';
import { readEntityState, writeEntityState } from './entity.js';
import { PACKED_STEER_SIZE, steerGridCode, steerGridValue } from './steer.js';
import type { EntityStateObj, EventInit, EventObj, MotionObj, SnapshotInit, SnapshotMsg, SteerObj } from './types.js';

/** The shortest header: flags, then tick and ack_seq as varints of one byte at least. */
export const SNAPSHOT_HEADER_SIZE = 3;
/** One Motion record: net_id, x, y, target_x, target_y, rot. */
export const MOTION_SIZE = 24;
/** One event before its text. */
export const EVENT_HEAD_SIZE = 24;
/** Byte 0, bit 0: this is a Snapshot frame. */
export const SNAPSHOT_MARK = 1;
/** Byte 0, bit 1: a keyframe. */
export const SNAPSHOT_KEYFRAME = 2;
/** The longest varint: 5 bytes carry 32 bits. */
const MAX_VARINT = 5;
/** The shortest Steer record on the wire: net_id and the target's two grid codes, a byte each. */
const MIN_STEER_SIZE = 3;
/** Byte 0, bits 2..6: which sections follow (each then has a count), in this order. */
const HAS_ENTITIES = 4, HAS_MOVES = 8, HAS_STEERS = 64, HAS_EVENTS = 16, HAS_REMOVED = 32;
const HAS_ANY = HAS_ENTITIES | HAS_MOVES | HAS_STEERS | HAS_EVENTS | HAS_REMOVED;
/** Byte 0 bits that carry something; the others are 0. */
const KNOWN_FLAGS = SNAPSHOT_MARK | SNAPSHOT_KEYFRAME | HAS_ANY;

/** Whether a Snapshot frame holds nothing but its header (a heartbeat: tick and ack). */
export function isEmptySnapshotFlags(flags: number): boolean {
  return (flags & HAS_ANY) === 0;
}

/** Whether a server frame is a Snapshot frame (else a FlatBuffers ServerMessage). */
export function isSnapshotFrame(bytes: Uint8Array): boolean {
  return bytes.length > 0 && (bytes[0] & SNAPSHOT_MARK) !== 0;
}

/**
 * The tick of the Snapshot frame in b[start, end) without decoding it (for readers that need
 * nothing else); −1 when the varint is cut or longer than 5 bytes.
 */
export function snapshotTick(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let at = start + 1, shift = 1; at < end && at <= start + 5; at++, shift *= 0x80) {
    const byte = b[at];
    n += (byte & 0x7f) * shift;
    if (byte < 0x80) return n;
  }
  return -1;
}

/** Packs one Motion record at `at`. */
export function writeMotion(view: DataView, at: number, m: MotionObj): void {
  view.setUint32(at, m.netId, true);
  view.setFloat32(at + 4, m.x, true);
  view.setFloat32(at + 8, m.y, true);
  view.setFloat32(at + 12, m.targetX, true);
  view.setFloat32(at + 16, m.targetY, true);
  view.setFloat32(at + 20, m.rot, true);
}

export function readMotion(view: DataView, at: number): MotionObj {
  return {
    netId: view.getUint32(at, true),
    x: view.getFloat32(at + 4, true),
    y: view.getFloat32(at + 8, true),
    targetX: view.getFloat32(at + 12, true),
    targetY: view.getFloat32(at + 16, true),
    rot: view.getFloat32(at + 20, true),
  };
}

/** Packs one Steer record at `at`, as the fan-out does (PACKED_STEER_SIZE bytes; the wire's are varints). */
export function writeSteer(view: DataView, at: number, s: SteerObj): void {
  for (let word = 0; word < 3; word++) view.setUint32(at + 4 * word, steerWord(s, word), true);
}

/**
 * Word 0, 1 or 2 of a Steer record: net_id, or target_x's or target_y's grid code; a
 * RangeError for a target off the walk grid (no Steer can carry it: send a Motion record).
 */
function steerWord(s: SteerObj, word: number): number {
  if (word === 0) return s.netId;
  const v = word === 1 ? s.targetX : s.targetY, code = steerGridCode(v);
  if (code < 0) throw new RangeError(`Steer ${s.netId}: target ${v} is not on the walk grid`);
  return code;
}

const utf8 = new TextEncoder();
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of `n` (0..2^32 − 1) as an unsigned LEB128 varint (7 bits a byte, low first). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7; // n < 2^32: an unsigned 32-bit shift
    size++;
  }
  return size;
}

/** Record bytes given packed or as objects: their byte length. */
function recordBytes(records: ArrayLike<unknown> | Uint8Array | undefined, size: number, what: string): number {
  if (records === undefined) return 0;
  if (!(records instanceof Uint8Array)) return records.length * size;
  if (records.length % size !== 0) throw new RangeError(`packed ${what}: ${records.length} bytes is not a multiple of ${size}`);
  return records.length;
}

/**
 * A growable byte buffer that writes Snapshot frames and hands them out as views kept per
 * length, so that once every length has been seen writing a frame allocates nothing.
 */
export class SnapshotWriter {
  private bytes = new Uint8Array(16 * 1024);
  private view = new DataView(this.bytes.buffer);
  private readonly views = new LengthViews<Uint8Array>();
  /** Event texts as UTF-8, encoded once per frame for sizing and writing. */
  private readonly texts: (Uint8Array | undefined)[] = [];

  /** The frame for `s`: a view valid until the next call. */
  write(s: SnapshotInit): Uint8Array {
    const nFull = recordBytes(s.entities, ENTITY_STATE_SIZE, 'entities') / ENTITY_STATE_SIZE;
    const nMoves = recordBytes(s.moves, MOTION_SIZE, 'moves') / MOTION_SIZE;
    const nSteers = recordBytes(s.steers, PACKED_STEER_SIZE, 'steers') / PACKED_STEER_SIZE;
    const events = s.events, nEvents = events === undefined ? 0 : events.length;
    const removed = s.removed, nRemoved = removed === undefined ? 0 : removed.length;
    // Room for the frame with every varint at its longest: the frame ends where writing does.
    let room = 1 + 7 * MAX_VARINT + nFull * ENTITY_STATE_SIZE + nMoves * MOTION_SIZE + nSteers * 3 * MAX_VARINT + nRemoved * MAX_VARINT;
    for (let i = 0; i < nEvents; i++) {
      const text = events![i].text;
      const t = this.texts[i] = text ? utf8.encode(text) : undefined;
      room += EVENT_HEAD_SIZE + (t === undefined ? 0 : t.length);
    }
    this.ensure(room);
    const b = this.bytes;
    b[0] = SNAPSHOT_MARK | (s.keyframe ? SNAPSHOT_KEYFRAME : 0) | (nFull > 0 ? HAS_ENTITIES : 0) | (nMoves > 0 ? HAS_MOVES : 0) |
      (nSteers > 0 ? HAS_STEERS : 0) | (nEvents > 0 ? HAS_EVENTS : 0) | (nRemoved > 0 ? HAS_REMOVED : 0);
    let at = this.varint(1, s.tick);
    at = this.varint(at, s.ackSeq);
    at = this.count(at, nFull);
    at = this.count(at, nMoves);
    at = this.count(at, nSteers);
    at = this.count(at, nEvents);
    at = this.count(at, nRemoved);
    at = this.records(at, s.entities, ENTITY_STATE_SIZE, writeEntityState);
    at = this.records(at, s.moves, MOTION_SIZE, writeMotion);
    if (nSteers > 0) at = s.steers instanceof Uint8Array ? this.packedSteers(at, s.steers) : this.steerObjects(at, s.steers!);
    for (let i = 0; i < nEvents; i++) at = this.event(at, events![i], this.texts[i]);
    for (let i = 0; i < nRemoved; i++) at = this.varint(at, removed![i]);
    if (nEvents > 0) this.texts.length = 0; // setting a length calls into the runtime, even to 0 from 0
    return this.views.of(b, at, at);
  }

  /** Packed Steer records (writeSteer()): three uint32 words each, every one a varint on the wire. */
  private packedSteers(at: number, p: Uint8Array): number {
    const b = this.bytes;
    for (let i = 0; i < p.length; i += 4) {
      let n = (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24)) >>> 0;
      while (n >= 0x80) {
        b[at++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      b[at++] = n;
    }
    return at;
  }

  private steerObjects(at: number, steers: ArrayLike<SteerObj>): number {
    for (let i = 0; i < steers.length; i++) for (let word = 0; word < 3; word++) at = this.varint(at, steerWord(steers[i], word));
    return at;
  }

  /** A section's count, when it is there. */
  private count(at: number, n: number): number {
    return n === 0 ? at : this.varint(at, n);
  }

  /** n is 0..2^32 − 1, so `>>>` shifts it as an unsigned 32-bit integer. */
  private varint(at: number, n: number): number {
    const b = this.bytes;
    while (n >= 0x80) {
      b[at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[at++] = n;
    return at;
  }

  private records<T>(at: number, records: ArrayLike<T> | Uint8Array | undefined, size: number,
    write: (view: DataView, at: number, r: T) => void): number {
    if (records === undefined) return at;
    if (records instanceof Uint8Array) {
      if (records.length > 0) this.bytes.set(records, at); // most sections of most frames are empty
      return at + records.length;
    }
    for (let i = 0; i < records.length; i++, at += size) write(this.view, at, records[i]);
    return at;
  }

  private event(at: number, e: EventInit, text: Uint8Array | undefined): number {
    const v = this.view, n = text === undefined ? 0 : text.length;
    v.setUint8(at, e.kind);
    v.setUint8(at + 1, 0);
    v.setUint16(at + 2, n, true);
    v.setUint32(at + 4, e.source, true);
    v.setUint32(at + 8, e.target, true);
    v.setFloat32(at + 12, e.x, true);
    v.setFloat32(at + 16, e.y, true);
    v.setInt32(at + 20, e.value, true);
    if (text !== undefined) this.bytes.set(text, at + EVENT_HEAD_SIZE);
    return at + EVENT_HEAD_SIZE + n;
  }

  private ensure(length: number): void {
    if (length <= this.bytes.length) return;
    this.bytes = new Uint8Array(Math.max(length, this.bytes.length * 2));
    this.view = new DataView(this.bytes.buffer);
    this.views.clear();
  }
}

/** Why a Snapshot frame is malformed; the decoder turns it into a ProtocolDecodeError. */
export class SnapshotFrameError extends Error {
  readonly code = ErrorCode.BadFrame;
}

function bad(reason: string): never {
  throw new SnapshotFrameError(`Snapshot frame: ${reason}`);
}

/** Reads the varints of a Snapshot frame's header: `at` is where the next one starts. */
class Varints {
  at = 1;
  constructor(private readonly bytes: Uint8Array) {}

  /** The next varint, 0..2^32 − 1, of at most 5 bytes. */
  next(what: string): number {
    let n = 0;
    for (let shift = 1, i = 0; ; i++, shift *= 0x80) {
      if (i === 5 || this.at >= this.bytes.length) bad(`${what} is cut or longer than 5 bytes`);
      const byte = this.bytes[this.at++];
      n += (byte & 0x7f) * shift;
      if (byte < 0x80) break;
    }
    if (n > 0xffffffff) bad(`${what} ${n} is over 4294967295`);
    return n;
  }

  /** The count of a section whose flag is `flag` (0 when absent); a present one is 1..2^32 − 1. */
  count(flag: number, what: string): number {
    if ((this.bytes[0] & flag) === 0) return 0;
    const n = this.next(`${what} count`);
    if (n === 0) bad(`${what} count 0 for a section present`);
    return n;
  }
}

/** Decodes a Snapshot frame, checking every count and length against the frame; throws SnapshotFrameError. */
export function readSnapshotFrame(bytes: Uint8Array): SnapshotMsg {
  const len = bytes.length;
  if (len < SNAPSHOT_HEADER_SIZE) bad(`${len} bytes, shorter than its ${SNAPSHOT_HEADER_SIZE}-byte header`);
  if ((bytes[0] & ~KNOWN_FLAGS) !== 0) bad('undefined flag bits set');
  const v = new DataView(bytes.buffer, bytes.byteOffset, len);
  const header = new Varints(bytes);
  const tick = header.next('tick'), ackSeq = header.next('ack_seq');
  const nFull = header.count(HAS_ENTITIES, 'EntityState');
  const nMoves = header.count(HAS_MOVES, 'Motion');
  const nSteers = header.count(HAS_STEERS, 'Steer');
  const nEvents = header.count(HAS_EVENTS, 'event');
  const nRemoved = header.count(HAS_REMOVED, 'removed');
  let at = header.at;
  if (nFull > (len - at) / ENTITY_STATE_SIZE) bad(`${nFull} EntityState records do not fit`);
  const entities: EntityStateObj[] = [];
  for (let i = 0; i < nFull; i++, at += ENTITY_STATE_SIZE) entities.push(readEntityState(v, at));
  if (nMoves > (len - at) / MOTION_SIZE) bad(`${nMoves} Motion records do not fit`);
  const moves: MotionObj[] = [];
  for (let i = 0; i < nMoves; i++, at += MOTION_SIZE) moves.push(readMotion(v, at));
  if (nSteers > (len - at) / MIN_STEER_SIZE) bad(`${nSteers} Steer records do not fit`);
  const steers: SteerObj[] = [];
  header.at = at;
  for (let i = 0; i < nSteers; i++) {
    const netId = header.next(`Steer ${i} net_id`);
    const targetX = steerGridValue(header.next(`Steer ${i} target_x`));
    steers.push({ netId, targetX, targetY: steerGridValue(header.next(`Steer ${i} target_y`)) });
  }
  at = header.at;
  const events: EventObj[] = [];
  for (let i = 0; i < nEvents; i++) {
    if (at + EVENT_HEAD_SIZE > len) bad(`event ${i} of ${nEvents} does not fit`);
    if (bytes[at + 1] !== 0) bad(`event ${i}: byte 1 is not 0`);
    const n = v.getUint16(at + 2, true);
    const textAt = at + EVENT_HEAD_SIZE;
    if (textAt + n > len) bad(`event ${i}'s ${n}-byte text does not fit`);
    let text = '';
    try {
      text = n === 0 ? '' : fatalUtf8.decode(bytes.subarray(textAt, textAt + n));
    } catch {
      bad(`event ${i}'s text is not UTF-8`);
    }
    events.push({
      kind: v.getUint8(at), source: v.getUint32(at + 4, true), target: v.getUint32(at + 8, true),
      x: v.getFloat32(at + 12, true), y: v.getFloat32(at + 16, true), value: v.getInt32(at + 20, true), text,
    });
    at = textAt + n;
  }
  if (nRemoved > len - at) bad(`${len - at} bytes left for ${nRemoved} removed NetIds`);
  const removed: number[] = [];
  header.at = at;
  for (let i = 0; i < nRemoved; i++) removed.push(header.next(`removed NetId ${i}`));
  if (header.at !== len) bad(`${len - header.at} bytes after the ${nRemoved} removed NetIds`);
  return {
    type: 'snapshot', tick, ackSeq,
    keyframe: (bytes[0] & SNAPSHOT_KEYFRAME) !== 0, entities, moves, steers, removed, events,
  };
}
