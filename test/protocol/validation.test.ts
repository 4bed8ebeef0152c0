// Untrusted input: every malformed, truncated, forged or out-of-range client frame gives
// { ok: false, code } with the right ErrorCode, in work bounded by its length (reads counted,
// not timed), without throwing. The random and mutation fuzzing runs in a child process with a hard timeout, so even an infinite loop in
// the decoder fails the test instead of hanging the run.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { countReads, linearBudget } from './readBudget.js';

import {
  ErrorCode,
  EntityKind,
  EventKind,
  MAX_CHAT_CHARS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_NAME_CHARS,
  MAX_TOKEN_BYTES,
  ProtocolDecodeError,
  decodeClientMessage,
  decodeServerMessage,
  isStepInput,
  encodeAttack,
  encodeChat,
  encodeError,
  encodeHello,
  encodeMove,
  encodePing,
  encodePong,
  encodeSnapshot,
  encodeUseItem,
  encodeWelcome,
  encodeZoneChange,
  PROTOCOL_VERSION,
  SNAPSHOT_HEADER_SIZE,
  type DecodeResult,
} from '../../src/protocol/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** A decode does work proportional to the frame's bytes, whatever the frame claims. */
function decodeBounded(bytes: Uint8Array): DecodeResult {
  const budget = linearBudget((bytes as Uint8Array | null)?.length ?? 0); // (some cases pass non-binary input)
  const { result, reads } = countReads(budget, () => decodeClientMessage(bytes));
  expect(reads, 'reads of a single decode').toBeLessThanOrEqual(budget);
  return result;
}

function expectReject(bytes: Uint8Array, code: ErrorCode, label = ''): void {
  const r = decodeBounded(bytes);
  if (r.ok) throw new Error(`${label}: accepted ${JSON.stringify(r.msg)}, expected ${ErrorCode[code]}`);
  expect(ErrorCode[r.code], `${label}: ${r.reason}`).toBe(ErrorCode[code]);
  expect(r.reason.length).toBeGreaterThan(0);
}

function expectAccept(bytes: Uint8Array): void {
  const r = decodeBounded(bytes);
  if (!r.ok) throw new Error(`rejected: ${ErrorCode[r.code]} ${r.reason}`);
}

// ---- tiny FlatBuffers navigation for targeted forgeries (little-endian)

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}
function setU32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
}
function setI32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setInt32(at, v, true);
}
function u16(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(at, true);
}
function setU16(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(at, v, true);
}
function vtableOf(b: Uint8Array, table: number): number {
  return table - new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(table, true);
}
/** Absolute position of field `id` of the table at `table`, or 0 when absent. */
function fieldAt(b: Uint8Array, table: number, id: number): number {
  const vt = vtableOf(b, table);
  const slot = 4 + 2 * id;
  if (slot >= u16(b, vt)) return 0;
  const fo = u16(b, vt + slot);
  return fo === 0 ? 0 : table + fo;
}
const deref = (b: Uint8Array, at: number): number => at + u32(b, at);
const rootOf = (b: Uint8Array): number => u32(b, 0);
/** Position of the union body table of a ClientMessage/ServerMessage. */
const bodyOf = (b: Uint8Array): number => deref(b, fieldAt(b, rootOf(b), 1));

/** A chat frame whose text bytes are replaced by `raw` (same length as the placeholder). */
function chatWithRawText(raw: number[]): Uint8Array {
  const frame = encodeChat({ seq: 1, text: 'x'.repeat(raw.length) });
  const s = deref(frame, fieldAt(frame, bodyOf(frame), 1));
  expect(u32(frame, s)).toBe(raw.length);
  frame.set(raw, s + 4);
  return frame;
}

const VALID_CLIENT_FRAMES: Record<string, Uint8Array> = {
  hello: encodeHello({ name: 'Åsa 😀', token: 'abc.DEF-123_~' }),
  move: encodeMove({ seq: 1, x: 10.5, y: -20.25 }),
  chat: encodeChat({ seq: 2, text: 'héllo wörld 😀' }),
  attack: encodeAttack({ seq: 3, target: 9 }),
  useItem: encodeUseItem({ seq: 4, item: 10 }),
  ping: encodePing({ clientTime: 123.5 }),
};

const ENTITY = {
  netId: 1, x: 1.5, y: 2.5, targetX: 3.5, targetY: 4.5, speed: 5, rot: 0.5,
  hp: 90, maxHp: 100, mana: 40, maxMana: 50, level: 3, kind: EntityKind.Player, flags: 2,
};
const VALID_SERVER_FRAMES: Record<string, Uint8Array> = {
  welcome: encodeWelcome({
    sessionId: 'abcdef0123', netId: 1, zoneId: 2, zoneName: 'Zone', tickRate: 20, tick: 3,
    bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 },
  }),
  snapshot: encodeSnapshot({
    tick: 5, ackSeq: 4, keyframe: false, entities: [ENTITY, { ...ENTITY, netId: 2 }], removed: [7, 8],
    moves: [{ netId: 3, x: 1, y: 2, targetX: 3, targetY: 4, rot: 0.5 }],
    steers: [{ netId: 4, targetX: 5, targetY: 6 }],
    events: [
      { kind: EventKind.Chat, source: 1, target: 0, x: 1, y: 2, value: 0, text: 'hi 😀' },
      { kind: EventKind.Damage, source: 1, target: 2, x: 1, y: 2, value: 12 },
    ],
  }),
  pong: encodePong({ clientTime: 1.5, serverTick: 9 }),
  error: encodeError({ code: ErrorCode.RateLimited, text: 'slow down' }),
  zoneChange: encodeZoneChange({ endpoint: 'ws://localhost:9002', token: 'tok', zoneId: 2 }),
};

describe('frame size and framing', () => {
  it('rejects empty, tiny, non-multiple-of-4 and oversize frames', () => {
    expectReject(new Uint8Array(0), ErrorCode.BadFrame, 'empty');
    expectReject(new Uint8Array(7), ErrorCode.BadFrame, '7 bytes');
    expectReject(new Uint8Array(MAX_CLIENT_FRAME_BYTES), ErrorCode.BadFrame, 'cap-sized zeros');
    expectReject(new Uint8Array(MAX_CLIENT_FRAME_BYTES + 1), ErrorCode.TooLarge, 'cap + 1');
    expectReject(new Uint8Array(64 * 1024 * 1024), ErrorCode.TooLarge, '64 MiB');
    const padded = new Uint8Array(VALID_CLIENT_FRAMES.move.length + 2);
    padded.set(VALID_CLIENT_FRAMES.move);
    expectReject(padded, ErrorCode.BadFrame, 'length not a multiple of 4');
  });

  it('rejects non-binary input and the wrong root type', () => {
    for (const junk of ['hello', null, undefined, 42, {}, [1, 2, 3]]) {
      expectReject(junk as unknown as Uint8Array, ErrorCode.BadFrame, `junk ${String(junk)}`);
    }
    for (const [name, frame] of Object.entries(VALID_SERVER_FRAMES)) {
      expectReject(frame, ErrorCode.BadFrame, `server ${name} sent to the server`);
    }
    for (const [name, frame] of Object.entries(VALID_CLIENT_FRAMES)) {
      expect(() => decodeServerMessage(frame), name).toThrow(ProtocolDecodeError);
    }
  });

  it('accepts an ArrayBuffer', () => {
    const r = decodeClientMessage(VALID_CLIENT_FRAMES.move.slice().buffer);
    expect(r).toEqual({ ok: true, msg: { type: 'move', seq: 1, x: 10.5, y: -20.25 } });
  });
});

describe('truncation', () => {
  it('every strict prefix of every client frame is BadFrame', () => {
    for (const [name, frame] of Object.entries(VALID_CLIENT_FRAMES)) {
      expectAccept(frame);
      for (let len = 0; len < frame.length; len++) {
        expectReject(frame.slice(0, len), ErrorCode.BadFrame, `${name} cut to ${len}/${frame.length}`);
      }
    }
  });

  it('every strict prefix of every server frame throws ProtocolDecodeError', () => {
    for (const [name, frame] of Object.entries(VALID_SERVER_FRAMES)) {
      expect(() => decodeServerMessage(frame)).not.toThrow();
      for (let len = 0; len < frame.length; len++) {
        expect(() => decodeServerMessage(frame.slice(0, len)), `${name} cut to ${len}`).toThrow(ProtocolDecodeError);
      }
    }
  });
});

/** Each server frame is refused by the client's decoder as BadFrame. */
function expectBadFrames(cases: [string, Uint8Array][]): void {
  for (const [what, f] of cases) {
    let err: unknown;
    try {
      decodeServerMessage(f);
    } catch (e) {
      err = e;
    }
    expect(err, what).toBeInstanceOf(ProtocolDecodeError);
    expect((err as ProtocolDecodeError).code, what).toBe(ErrorCode.BadFrame);
  }
}

describe('forged offsets and lengths', () => {
  it('forged string lengths', () => {
    for (const forged of [0x7fffffff, 0xffffffff, 0x80000000, 2049, 200]) {
      const frame = encodeChat({ seq: 1, text: 'abcdefghijkl' }); // 12 bytes
      const s = deref(frame, fieldAt(frame, bodyOf(frame), 1));
      setU32(frame, s, forged);
      expectReject(frame, ErrorCode.BadFrame, `chat length ${forged}`);
    }
    // A slightly longer length can still end on a zero byte inside the frame: then the
    // string swallows its own NUL terminator, which the content check refuses.
    for (const forged of [13, 14, 15]) {
      const frame = encodeChat({ seq: 1, text: 'abcdefghijkl' });
      const s = deref(frame, fieldAt(frame, bodyOf(frame), 1));
      setU32(frame, s, forged);
      const r = decodeBounded(frame);
      expect(r.ok, `chat length ${forged}`).toBe(false);
      if (!r.ok) expect([ErrorCode.BadFrame, ErrorCode.BadString]).toContain(r.code);
    }
    const hello = encodeHello({ name: 'abc', token: 'tok' });
    setU32(hello, deref(hello, fieldAt(hello, bodyOf(hello), 2)), 0x7fffffff);
    expectReject(hello, ErrorCode.BadFrame, 'hello name length');
  });

  it('a string without its NUL terminator', () => {
    const frame = encodeChat({ seq: 1, text: 'abcdefg' }); // 7 bytes + NUL: no padding after
    const s = deref(frame, fieldAt(frame, bodyOf(frame), 1));
    frame[s + 4 + 7] = 0x41;
    expectReject(frame, ErrorCode.BadFrame, 'no NUL');
  });

  it('forged flags, counts and lengths in a Snapshot frame fail fast', () => {
    const snap = VALID_SERVER_FRAMES.snapshot;
    expect(snap[0]).toBe(0x7d); // EntityState, Motion, Steer, events and removed sections
    expect([snap[1], snap[2]]).toEqual([5, 4]); // tick and ack_seq: one-byte varints; then five one-byte counts at 3..7
    const forgeries: [string, (f: Uint8Array) => void][] = [];
    for (let at = 3; at <= 7; at++) {
      for (const forged of [0, 0x7f, 0xff, 3]) forgeries.push([`count at ${at} = ${forged}`, (f) => { f[at] = forged; }]);
    }
    forgeries.push(['five continuation bytes in the counts', (f) => f.fill(0xff, 3, 8)]);
    forgeries.push(['a tick of five continuation bytes', (f) => f.fill(0xff, 1, 6)]);
    forgeries.push(['a tick over 2^32 − 1', (f) => f.set([0xff, 0xff, 0xff, 0xff, 0x1f], 1)]);
    forgeries.push(['an ack_seq that runs on', (f) => { f[2] = 0x84; }]);
    for (const bit of [4, 8, 16, 32, 64, 128]) forgeries.push([`flag ${bit} flipped`, (f) => { f[0] ^= bit; }]);
    for (const [what, forge] of forgeries) {
      const f = snap.slice();
      forge(f);
      expect(() => countReads(linearBudget(f.length), () => decodeServerMessage(f)), what).toThrow(ProtocolDecodeError);
    }
  });

  it('a Snapshot frame with an event text past its end, text that is not UTF-8, or trailing bytes, is BadFrame', () => {
    const chat = (text: string) => encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, events: [{ kind: EventKind.Chat, source: 1, target: 0, x: 0, y: 0, value: 0, text }] });
    const eventAt = SNAPSHOT_HEADER_SIZE + 1, textAt = eventAt + 24;
    const cases: [string, Uint8Array][] = [];
    const long = chat('hi');
    setU16(long, eventAt + 2, 200);
    cases.push(['text length 200', long]);
    const short = chat('hi');
    setU16(short, eventAt + 2, 1);
    cases.push(['text length 1 of 2', short]);
    const reserved = chat('hi');
    reserved[eventAt + 1] = 1;
    cases.push(['event byte 1', reserved]);
    const utf = chat('abcd');
    utf.set([0xc3, 0x28], textAt);
    cases.push(['invalid UTF-8', utf]);
    const trailing = new Uint8Array(chat('hi').length + 4);
    trailing.set(chat('hi'));
    cases.push(['4 trailing bytes', trailing]);
    expectBadFrames(cases);
  });

  it('a Snapshot frame whose Steer or removed NetId varint is cut, longer than 5 bytes or over 2^32 − 1, or whose removals leave bytes over, is BadFrame', () => {
    // Header (flags, tick, ack) then the counts: 3 + 1 bytes; a Steer is three varints: the
    // NetId and the target's grid codes (16 and 32: (1, 2)).
    const steer = (netId: number[], target = [0x10, 0x20]) => new Uint8Array([0x41, 1, 0, 1, ...netId, ...target]);
    const removed = (...netIds: number[][]) => new Uint8Array([0x21, 1, 0, netIds.length, ...netIds.flat()]);
    const FIVE_BYTES_MAX = [0xff, 0xff, 0xff, 0xff, 0x0f];
    expect(decodeServerMessage(steer([0x88, 0x01]))).toMatchObject({ steers: [{ netId: 136, targetX: 1, targetY: 2 }] });
    // The extreme codes: 2^32 − 1 is −2^31 eighths, 2^32 − 2 is 2^31 − 1 eighths.
    expect(decodeServerMessage(steer([7], [...FIVE_BYTES_MAX, 0xfe, 0xff, 0xff, 0xff, 0x0f])))
      .toMatchObject({ steers: [{ netId: 7, targetX: -268_435_456, targetY: 268_435_455.875 }] });
    expect(decodeServerMessage(removed(FIVE_BYTES_MAX, [7]))).toMatchObject({ removed: [0xffffffff, 7] });
    const cases: [string, Uint8Array][] = [
      ['a Steer NetId of six bytes', steer([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
      ['a Steer NetId over 2^32 − 1', steer([0x80, 0x80, 0x80, 0x80, 0x10])],
      ['a Steer without its target_y', steer([0x88, 0x01], [0x10])],
      ['a Steer target_y cut', steer([0x88, 0x01], [0x10, 0x80])],
      ['a Steer target_x of six bytes', steer([7], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x20])],
      ['a Steer target_x over 2^32 − 1', steer([7], [0x80, 0x80, 0x80, 0x80, 0x10, 0x20])],
      ['a Steer NetId cut at the end of the frame', new Uint8Array([0x41, 1, 0, 1, 0x88])],
      ['a removed NetId over 2^32 − 1', removed([0xff, 0xff, 0xff, 0xff, 0x1f])],
      ['a removed NetId cut', removed([0x88])],
      ['a removed NetId of six bytes', removed([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
      ['a byte after the removals', new Uint8Array([...removed([7]), 0])],
      ['fewer removals than counted', new Uint8Array([0x21, 1, 0, 3, 7, 8])],
    ];
    expectBadFrames(cases);
  });

  it('forged root, vtable and field offsets', () => {
    const base = VALID_CLIENT_FRAMES.move;
    const cases: [string, (f: Uint8Array) => void][] = [
      ['root past end', (f) => setU32(f, 0, 0xfffffff0)],
      ['root 0', (f) => setU32(f, 0, 0)],
      ['root misaligned', (f) => setU32(f, 0, rootOf(f) + 2)],
      ['root inside header', (f) => setU32(f, 0, 4)],
      ['vtable before start', (f) => setI32(f, rootOf(f), 0x7fffffff)],
      ['vtable past end', (f) => setI32(f, rootOf(f), -0x7fffffff)],
      ['vtable misaligned', (f) => setI32(f, rootOf(f), 1)],
      ['vtable size odd', (f) => setU16(f, vtableOf(f, rootOf(f)), 7)],
      ['vtable size < 4', (f) => setU16(f, vtableOf(f, rootOf(f)), 2)],
      ['vtable size huge', (f) => setU16(f, vtableOf(f, rootOf(f)), 0xfffe)],
      ['table size huge', (f) => setU16(f, vtableOf(f, rootOf(f)) + 2, 0xfff0)],
      ['table size < 4', (f) => setU16(f, vtableOf(f, rootOf(f)) + 2, 2)],
      ['field beyond table', (f) => setU16(f, vtableOf(f, rootOf(f)) + 6, 0x200)],
      ['field inside soffset', (f) => setU16(f, vtableOf(f, rootOf(f)) + 6, 2)],
      ['union value offset 0', (f) => setU32(f, fieldAt(f, rootOf(f), 1), 0)],
      ['union value offset past end', (f) => setU32(f, fieldAt(f, rootOf(f), 1), 0x7ffffff0)],
      ['union value offset negative', (f) => setU32(f, fieldAt(f, rootOf(f), 1), 0xfffffffc)],
      ['body field misaligned', (f) => {
        const body = bodyOf(f);
        const vt = vtableOf(f, body);
        setU16(f, vt + 4, u16(f, vt + 4) + 1); // seq at an odd offset
      }],
    ];
    for (const [label, mutate] of cases) {
      const f = base.slice();
      mutate(f);
      expectReject(f, ErrorCode.BadFrame, label);
    }
  });

  it('a table that points to itself or loops does not hang', () => {
    // Point the union body back at the root table: verified as a Move, whose fields do not
    // fit into ClientMessage's 8-byte table -> rejected, once, no recursion.
    const f = VALID_CLIENT_FRAMES.move.slice();
    const at = fieldAt(f, rootOf(f), 1);
    setU32(f, at, (rootOf(f) - at) >>> 0);
    expectReject(f, ErrorCode.BadFrame, 'body -> root');
  });
});

describe('union type whitelist', () => {
  it('unknown body types are UnknownMessage, NONE is BadFrame', () => {
    for (const t of [7, 8, 100, 255]) {
      const f = VALID_CLIENT_FRAMES.attack.slice();
      f[fieldAt(f, rootOf(f), 0)] = t;
      expectReject(f, ErrorCode.UnknownMessage, `type ${t}`);
    }
    const f = VALID_CLIENT_FRAMES.attack.slice();
    f[fieldAt(f, rootOf(f), 0)] = 0;
    expectReject(f, ErrorCode.BadFrame, 'type NONE with a value');
  });

  it('a body verified as the type it claims to be', () => {
    // Attack relabelled as Ping: Ping.client_time (8 bytes) does not fit Attack's table.
    const f = VALID_CLIENT_FRAMES.attack.slice();
    f[fieldAt(f, rootOf(f), 0)] = 6;
    const r = decodeBounded(f);
    // Either rejected structurally or decoded as a well-formed Ping; never garbage.
    if (r.ok) expect(r.msg.type).toBe('ping');
    else expect(r.code).toBe(ErrorCode.BadFrame);
  });

  it('missing body and missing required strings', () => {
    const b = new flatbuffers.Builder(64);
    b.startObject(2);
    const root = b.endObject();
    b.finish(root, 'MMOC');
    expectReject(b.asUint8Array().slice(), ErrorCode.BadFrame, 'no body');

    // Hello without name, Chat without text (the generated builders would refuse these).
    for (const [type, fields] of [[1, 3], [3, 2]] as const) {
      b.clear();
      b.startObject(fields);
      b.addFieldInt32(0, 1, 0);
      const body = b.endObject();
      b.startObject(2);
      b.addFieldOffset(1, body, 0);
      b.addFieldInt8(0, type, 0);
      b.finish(b.endObject(), 'MMOC');
      expectReject(b.asUint8Array().slice(), ErrorCode.BadFrame, `type ${type} without its string`);
    }
  });

  it('unknown extra fields from a newer schema are ignored', () => {
    const b = new flatbuffers.Builder(64);
    b.startObject(5);
    b.addFieldInt32(0, 5, 0); // seq
    b.addFieldFloat32(1, 1.5, 0); // x
    b.addFieldFloat32(2, 2.5, 0); // y
    b.addFieldInt32(4, 1234, 0); // a field this version does not know
    const body = b.endObject();
    b.startObject(2);
    b.addFieldOffset(1, body, 0);
    b.addFieldInt8(0, 2, 0);
    b.finish(b.endObject(), 'MMOC');
    expect(decodeBounded(b.asUint8Array().slice())).toEqual({ ok: true, msg: { type: 'move', seq: 5, x: 1.5, y: 2.5 } });
  });
});

describe('step inputs, told apart before decoding', () => {
  it('Move, Chat, Attack and UseItem are step inputs; Hello and Ping are not', () => {
    const inputs = Object.entries(VALID_CLIENT_FRAMES).filter(([, f]) => isStepInput(f)).map(([name]) => name);
    expect(inputs).toEqual(['move', 'chat', 'attack', 'useItem']);
  });

  it('a cut frame is one only if whole it is one (the decode refuses it later); relabelled, unidentified or random frames are not; nothing throws', () => {
    for (const [name, frame] of Object.entries(VALID_CLIENT_FRAMES)) {
      for (let len = 0; len < frame.length; len++) {
        if (isStepInput(frame.slice(0, len))) expect(isStepInput(frame), `${name} cut to ${len}`).toBe(true);
      }
      expect(isStepInput(frame.slice(0, 8)), `${name} cut to its identifier`).toBe(false);
    }
    const relabelled = VALID_CLIENT_FRAMES.move.slice();
    relabelled[fieldAt(relabelled, rootOf(relabelled), 0)] = 7;
    expect(isStepInput(relabelled)).toBe(false);
    const unidentified = VALID_CLIENT_FRAMES.move.slice();
    unidentified[4] ^= 0xff; // the file identifier
    expect(isStepInput(unidentified)).toBe(false);
    let state = 7;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 8 + (i % 64) }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
      expect(() => isStepInput(bytes)).not.toThrow();
    }
  });
});

describe('numbers', () => {
  it('NaN and Infinity coordinates and times are OutOfRange', () => {
    for (const [x, y] of [[NaN, 0], [0, NaN], [Infinity, 0], [0, -Infinity], [NaN, NaN], [3.5e38, 0]]) {
      expectReject(encodeMove({ seq: 1, x, y }), ErrorCode.OutOfRange, `move ${x},${y}`);
    }
    for (const t of [NaN, Infinity, -Infinity]) expectReject(encodePing({ clientTime: t }), ErrorCode.OutOfRange, `ping ${t}`);
    // A NaN with a payload, written by hand.
    const f = encodeMove({ seq: 1, x: 1, y: 2 });
    setU32(f, fieldAt(f, bodyOf(f), 1), 0x7fc00001);
    expectReject(f, ErrorCode.OutOfRange, 'NaN payload');
  });

  it('seq 0 and NetId 0 are OutOfRange', () => {
    expectReject(encodeMove({ seq: 0, x: 1, y: 1 }), ErrorCode.OutOfRange, 'move seq 0');
    expectReject(encodeChat({ seq: 0, text: 'hi' }), ErrorCode.OutOfRange, 'chat seq 0');
    expectReject(encodeAttack({ seq: 0, target: 5 }), ErrorCode.OutOfRange, 'attack seq 0');
    expectReject(encodeAttack({ seq: 1, target: 0 }), ErrorCode.OutOfRange, 'attack target 0');
    expectReject(encodeUseItem({ seq: 0, item: 5 }), ErrorCode.OutOfRange, 'useItem seq 0');
    expectReject(encodeUseItem({ seq: 1, item: 0 }), ErrorCode.OutOfRange, 'useItem item 0');
  });

  it('a wrong protocol version is ProtocolVersion', () => {
    for (const v of [0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, 65535]) {
      expectReject(encodeHello({ name: 'a', protocolVersion: v }), ErrorCode.ProtocolVersion, `version ${v}`);
    }
  });
});

describe('strings', () => {
  it('chat length is 1..256 characters', () => {
    expectAccept(encodeChat({ seq: 1, text: 'a'.repeat(MAX_CHAT_CHARS) }));
    expectAccept(encodeChat({ seq: 1, text: '😀'.repeat(MAX_CHAT_CHARS) }));
    expectReject(encodeChat({ seq: 1, text: 'a'.repeat(MAX_CHAT_CHARS + 1) }), ErrorCode.BadString, '257 ascii');
    expectReject(encodeChat({ seq: 1, text: 'é'.repeat(MAX_CHAT_CHARS + 1) }), ErrorCode.BadString, '257 two-byte');
    expectReject(encodeChat({ seq: 1, text: '😀'.repeat(MAX_CHAT_CHARS + 1) }), ErrorCode.BadString, '257 four-byte');
    expectReject(encodeChat({ seq: 1, text: '' }), ErrorCode.BadString, 'empty chat');
  });

  it('names are 1..24 characters', () => {
    expectAccept(encodeHello({ name: '😀'.repeat(MAX_NAME_CHARS) }));
    expectReject(encodeHello({ name: '' }), ErrorCode.BadString, 'empty name');
    expectReject(encodeHello({ name: 'n'.repeat(MAX_NAME_CHARS + 1) }), ErrorCode.BadString, '25 chars');
    expectReject(encodeHello({ name: '😀'.repeat(MAX_NAME_CHARS + 1) }), ErrorCode.BadString, '25 emoji');
  });

  it('control characters are BadString', () => {
    for (const c of ['\u0000', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u009f']) {
      expectReject(encodeChat({ seq: 1, text: `a${c}b` }), ErrorCode.BadString, `chat U+${c.charCodeAt(0).toString(16)}`);
      expectReject(encodeHello({ name: `a${c}b` }), ErrorCode.BadString, `name U+${c.charCodeAt(0).toString(16)}`);
    }
  });

  it('invalid UTF-8 is BadString', () => {
    const bad: [string, number[]][] = [
      ['0xff', [0x61, 0xff, 0x62]],
      ['lone continuation', [0x80, 0x61]],
      ['overlong slash', [0xc0, 0xaf]],
      ['overlong NUL', [0xc0, 0x80]],
      ['truncated 3-byte', [0xe2, 0x82]],
      ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['5-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ];
    for (const [label, raw] of bad) expectReject(chatWithRawText(raw), ErrorCode.BadString, label);
    expectAccept(chatWithRawText([0xf0, 0x9f, 0x98, 0x80])); // U+1F600, the control case
  });

  it('tokens are at most 512 bytes of printable ASCII', () => {
    expectAccept(encodeHello({ name: 'a', token: '!'.repeat(MAX_TOKEN_BYTES) }));
    expectReject(encodeHello({ name: 'a', token: 'a'.repeat(MAX_TOKEN_BYTES + 1) }), ErrorCode.BadString, '513 bytes');
    for (const t of ['has space', 'tab\t', 'é', '\u007f']) {
      expectReject(encodeHello({ name: 'a', token: t }), ErrorCode.BadString, `token ${JSON.stringify(t)}`);
    }
  });
});

// ---------------------------------------------------------------- fuzzing (child process)

const FUZZ_SCRIPT = (moduleUrl: string, budgetUrl: string) => `
const P = await import(${JSON.stringify(moduleUrl)});
const { countReads, linearBudget } = await import(${JSON.stringify(budgetUrl)});
let s = 0x9e3779b9;
function rnd() { // mulberry32
  s = (s + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const hex = (b) => Buffer.from(b).toString('hex');
const codes = new Set(Object.values(P.ErrorCode).filter((v) => typeof v === 'number'));
const out = { clientDecodes: 0, serverDecodes: 0, accepted: 0, problems: [], codes: {} };
const problem = (p) => { if (out.problems.length < 10) out.problems.push(p); };

function client(bytes, label) {
  let r;
  try { r = countReads(linearBudget(bytes.length), () => P.decodeClientMessage(bytes)).result; }
  catch (e) { problem({ label, hex: hex(bytes), threw: String(e) }); return; }
  out.clientDecodes++;
  if (r.ok) {
    out.accepted++;
    // Anything accepted must be a valid message: it survives a re-encode unchanged.
    const again = P.decodeClientMessage(P.encodeClientMessage(r.msg));
    if (!again.ok || JSON.stringify(again.msg) !== JSON.stringify(r.msg)) {
      problem({ label, hex: hex(bytes), accepted: r.msg, again });
    }
  } else {
    if (!codes.has(r.code) || r.code === 0 || typeof r.reason !== 'string' || r.reason.length === 0) {
      problem({ label, hex: hex(bytes), bad: r });
    }
    out.codes[P.ErrorCode[r.code]] = (out.codes[P.ErrorCode[r.code]] ?? 0) + 1;
  }
}

function server(bytes, label) {
  try { countReads(linearBudget(bytes.length), () => P.decodeServerMessage(bytes)); }
  catch (e) { if (!(e instanceof P.ProtocolDecodeError)) problem({ label, hex: hex(bytes), threw: String(e) }); }
  out.serverDecodes++;
}

const interesting = [0, 1, 2, 3, 4, 8, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
function mutate(frame) {
  const f = frame.slice();
  const dv = new DataView(f.buffer);
  const n = 1 + int(4);
  for (let i = 0; i < n; i++) {
    const op = int(4);
    if (op === 0) f[int(f.length)] = int(256);
    else if (op === 1) f[int(f.length)] ^= 1 << int(8);
    else if (op === 2 && f.length >= 4) dv.setUint32(int(f.length >> 2) << 2, interesting[int(interesting.length)], true);
    else if (f.length >= 2) dv.setUint16(int(f.length >> 1) << 1, interesting[int(interesting.length)] & 0xffff, true);
  }
  return f;
}

const clientFrames = [
  P.encodeHello({ name: 'Åsa', token: 'abc.def' }), P.encodeMove({ seq: 1, x: 1.5, y: 2.5 }),
  P.encodeChat({ seq: 2, text: 'hello 😀 world' }), P.encodeAttack({ seq: 3, target: 4 }),
  P.encodeUseItem({ seq: 4, item: 5 }), P.encodePing({ clientTime: 6.5 }),
];
const e = { netId: 1, x: 1, y: 2, targetX: 3, targetY: 4, speed: 5, rot: 0, hp: 1, maxHp: 2, mana: 3, maxMana: 4, level: 5, kind: 1, flags: 2 };
const serverFrames = [
  P.encodeWelcome({ sessionId: 'ab', netId: 1, zoneId: 1, zoneName: 'z', bounds: { minX: 0, minY: 0, maxX: 1, maxY: 1 }, tickRate: 20, tick: 1 }),
  P.encodeSnapshot({ tick: 1, ackSeq: 2, keyframe: true, entities: [e, e], removed: [3, 4], moves: [{ netId: 5, x: 1, y: 2, targetX: 3, targetY: 4, rot: 0 }],
    steers: [{ netId: 6, targetX: 1, targetY: 2 }], events: [{ kind: 6, source: 1, target: 0, x: 0, y: 0, value: 0, text: 'hi' }, { kind: 2, source: 1, target: 2, x: 0, y: 0, value: 5 }] }),
  P.encodePong({ clientTime: 1, serverTick: 2 }), P.encodeError({ code: 4, text: 'x' }),
  P.encodeZoneChange({ endpoint: 'ws://a', token: 't', zoneId: 3 }),
];

for (let i = 0; i < 4000; i++) {
  const len = int(300);
  const b = new Uint8Array(len);
  for (let j = 0; j < len; j++) b[j] = int(256);
  if (i % 2 === 1 && len >= 8) {
    // Plausible header so that the random body reaches the table verifier.
    b.set([0x4d, 0x4d, 0x4f, 0x43], 4);
    new DataView(b.buffer).setUint32(0, int(len >> 2) << 2, true);
  }
  client(b, 'random ' + i);
  if (len >= 8) b.set([0x4d, 0x4d, 0x4f, 0x53], 4);
  server(b, 'random ' + i);
}
for (let i = 0; i < 30000; i++) client(mutate(clientFrames[i % clientFrames.length]), 'mutation ' + i);
for (let i = 0; i < 15000; i++) server(mutate(serverFrames[i % serverFrames.length]), 'mutation ' + i);
console.log(JSON.stringify(out));
`;

describe('fuzzing', () => {
  it('random bytes and mutated frames never throw, hang or accept garbage', () => {
    const moduleUrl = pathToFileURL(path.join(ROOT, 'src/protocol/index.ts')).href;
    const budgetUrl = pathToFileURL(path.join(ROOT, 'test/protocol/readBudget.ts')).href;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', FUZZ_SCRIPT(moduleUrl, budgetUrl)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (res.error || res.signal) {
      throw new Error(`fuzz child did not finish (${res.error?.message ?? res.signal}): a decode hung?\n${res.stderr}`);
    }
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]) as {
      clientDecodes: number;
      serverDecodes: number;
      accepted: number;
      problems: unknown[];
      codes: Record<string, number>;
    };
    expect(out.problems, JSON.stringify(out.problems, null, 1)).toEqual([]);
    expect(out.clientDecodes).toBe(34_000);
    expect(out.serverDecodes).toBe(19_000);
    // The mutations reach deep: several distinct rejection codes occur.
    expect(Object.keys(out.codes)).toEqual(expect.arrayContaining(['BadFrame', 'UnknownMessage', 'BadString', 'OutOfRange']));
  }, 90_000);
});
