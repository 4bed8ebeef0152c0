// Round trips: encode a plain object, decode the frame, get exactly the same values back.
// Floats are chosen to be exact in float32 (the wire type) so equality is exact.

import { describe, expect, it } from 'vitest';

import {
  ENTITY_STATE_SIZE,
  Encoder,
  EntityFlags,
  EntityKind,
  ErrorCode,
  EventKind,
  MAX_CHAT_CHARS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_NAME_CHARS,
  MAX_TOKEN_BYTES,
  PROTOCOL_VERSION,
  decodeClientMessage,
  decodeServerMessage,
  encodeAttack,
  encodeChat,
  encodeClientMessage,
  encodeError,
  encodeHello,
  encodeMove,
  encodePing,
  encodePong,
  encodeServerMessage,
  encodeSnapshot,
  encodeUseItem,
  encodeWelcome,
  encodeZoneChange,
  writeEntityState,
  writeMotion,
  writeSteer,
  isSnapshotFrame,
  snapshotTick,
  MOTION_SIZE,
  SNAPSHOT_HEADER_SIZE,
  PACKED_STEER_SIZE,
  type ClientMsg,
  type EntityStateObj,
  type EventObj,
  type MotionObj,
  type ServerMsg,
  type SnapshotMsg,
  type SteerObj,
} from '../../src/protocol/index.js';

function client(bytes: Uint8Array): ClientMsg {
  const r = decodeClientMessage(bytes);
  if (!r.ok) throw new Error(`decode failed: ${ErrorCode[r.code]} ${r.reason}`);
  return r.msg;
}

const PLAYER: EntityStateObj = {
  netId: 4_000_000_001,
  x: 1024.75,
  y: -2.25,
  targetX: 1030.5,
  targetY: -0.15625,
  speed: 5,
  rot: -3.140625,
  hp: 65_535,
  maxHp: 65_535,
  mana: 0,
  maxMana: 50,
  level: 1,
  kind: EntityKind.Player,
  flags: EntityFlags.Moving,
};
const NPC: EntityStateObj = {
  netId: 2,
  x: 0,
  y: 0,
  targetX: 0,
  targetY: 0,
  speed: 0,
  rot: 3.140625,
  hp: 0,
  maxHp: 120,
  mana: 7,
  maxMana: 8,
  level: 12,
  kind: EntityKind.Npc,
  flags: EntityFlags.Dead,
};
const ITEM: EntityStateObj = {
  netId: 3,
  x: 99999.5,
  y: 0.5,
  targetX: 99999.5,
  targetY: 0.5,
  speed: 0,
  rot: 0,
  hp: 1,
  maxHp: 1,
  mana: 0,
  maxMana: 0,
  level: 0,
  kind: EntityKind.Item,
  flags: EntityFlags.Dead | EntityFlags.Moving,
};

const MOVES: MotionObj[] = [
  { netId: 4_000_000_001, x: 1025.5, y: -2.25, targetX: 0.5, targetY: 77.75, rot: 1.5 },
  { netId: 9, x: -3, y: 4, targetX: -3, targetY: 4, rot: -0.5 },
];

const STEERS: SteerObj[] = [
  { netId: 4_000_000_002, targetX: -511.75, targetY: 1023.5 },
  { netId: 10, targetX: 0, targetY: 0 },
];

const EVENTS: EventObj[] = [
  { kind: EventKind.Attack, source: 1, target: 2, x: 10.5, y: 20.25, value: 0, text: '' },
  { kind: EventKind.Damage, source: 1, target: 2, x: 11.5, y: 21.25, value: 12, text: '' },
  { kind: EventKind.Death, source: 1, target: 2, x: 11.5, y: 21.25, value: 0, text: '' },
  { kind: EventKind.Respawn, source: 0, target: 2, x: -5, y: 5, value: 0, text: '' },
  { kind: EventKind.ItemPickup, source: 1, target: 3, x: 1, y: 2, value: 7, text: '' },
  { kind: EventKind.Chat, source: 1, target: 0, x: 10.5, y: 20.25, value: 0, text: 'héllo "wörld" \\ 😀 ок' },
  { kind: EventKind.ZoneExit, source: 4_294_967_295, target: 0, x: 3, y: 4, value: -2_147_483_648, text: '' },
];

describe('client -> server round trips', () => {
  it('Hello', () => {
    const token = 'v1.eyJ0eXAiOi-_~.abc';
    expect(client(encodeHello({ name: 'Ünïcødé 😀', token }))).toEqual({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      token,
      name: 'Ünïcødé 😀',
    });
    // Token absent and maximal sizes.
    expect(client(encodeHello({ name: 'x' }))).toEqual({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: '', name: 'x' });
    const big = encodeHello({ name: '😀'.repeat(MAX_NAME_CHARS), token: '~'.repeat(MAX_TOKEN_BYTES) });
    expect(big.length).toBeLessThanOrEqual(MAX_CLIENT_FRAME_BYTES);
    expect(client(big)).toMatchObject({ name: '😀'.repeat(MAX_NAME_CHARS), token: '~'.repeat(MAX_TOKEN_BYTES) });
  });

  it('Move', () => {
    expect(client(encodeMove({ seq: 1, x: 1024.75, y: -0.15625 }))).toEqual({ type: 'move', seq: 1, x: 1024.75, y: -0.15625 });
    expect(client(encodeMove({ seq: 0xffffffff, x: -3e38, y: 0 }))).toEqual({
      type: 'move',
      seq: 0xffffffff,
      x: Math.fround(-3e38),
      y: 0,
    });
    // A predicting client's move carries the tick it is meant for.
    expect(client(encodeMove({ seq: 2, x: 5, y: 6, applyTick: 12_345 }))).toEqual({ type: 'move', seq: 2, x: 5, y: 6, applyTick: 12_345 });
  });

  it('Chat', () => {
    expect(client(encodeChat({ seq: 7, text: 'hello, world' }))).toEqual({ type: 'chat', seq: 7, text: 'hello, world' });
    // The largest chat: 256 four-byte characters still fits the frame cap.
    const text = '😀'.repeat(MAX_CHAT_CHARS);
    const frame = encodeChat({ seq: 8, text });
    expect(frame.length).toBeLessThanOrEqual(MAX_CLIENT_FRAME_BYTES);
    expect(client(frame)).toEqual({ type: 'chat', seq: 8, text });
  });

  it('Attack', () => {
    expect(client(encodeAttack({ seq: 3, target: 4_000_000_001 }))).toEqual({ type: 'attack', seq: 3, target: 4_000_000_001 });
  });

  it('UseItem', () => {
    expect(client(encodeUseItem({ seq: 4, item: 77 }))).toEqual({ type: 'useItem', seq: 4, item: 77 });
  });

  it('Ping', () => {
    // client_time is a double: not float32-exact on purpose.
    expect(client(encodePing({ clientTime: 1_700_000_000_123.456 }))).toEqual({ type: 'ping', clientTime: 1_700_000_000_123.456 });
    expect(client(encodePing({ clientTime: 0 }))).toEqual({ type: 'ping', clientTime: 0 });
  });
});

describe('server -> client round trips', () => {
  it('Welcome', () => {
    const welcome: ServerMsg = {
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      sessionId: '9f86d081884c7d659a2feaa0c55ad015',
      netId: 42,
      zoneId: 65_535,
      zoneName: 'Östra Skogen',
      bounds: { minX: -512, minY: -256.5, maxX: 512, maxY: 1024.25 },
      tickRate: 20,
      tick: 4_294_967_295,
    };
    expect(decodeServerMessage(encodeWelcome(welcome))).toEqual(welcome);
  });

  it('Snapshot (delta with records and removals)', () => {
    const snap: SnapshotMsg = {
      type: 'snapshot',
      tick: 123_456,
      ackSeq: 99,
      keyframe: false,
      entities: [PLAYER, NPC, ITEM],
      moves: MOVES,
      steers: STEERS,
      removed: [5, 6, 4_294_967_295],
      events: [],
    };
    expect(decodeServerMessage(encodeSnapshot(snap))).toEqual(snap);
  });

  it('Snapshot keyframe carrying the tick\'s Events', () => {
    const snap: SnapshotMsg = {
      type: 'snapshot',
      tick: 1,
      ackSeq: 0,
      keyframe: true,
      entities: [ITEM, PLAYER],
      moves: [],
      steers: [],
      removed: [],
      events: EVENTS,
    };
    expect(decodeServerMessage(encodeSnapshot(snap))).toEqual(snap);
  });

  it('Pong', () => {
    expect(decodeServerMessage(encodePong({ clientTime: 1_700_000_000_123.456, serverTick: 77 }))).toEqual({
      type: 'pong',
      clientTime: 1_700_000_000_123.456,
      serverTick: 77,
    });
  });

  it('Error', () => {
    expect(decodeServerMessage(encodeError({ code: ErrorCode.InputRejected, text: 'target out of range' }))).toEqual({
      type: 'error',
      code: ErrorCode.InputRejected,
      text: 'target out of range',
    });
    expect(decodeServerMessage(encodeError({ code: ErrorCode.ServerFull }))).toEqual({
      type: 'error',
      code: ErrorCode.ServerFull,
      text: '',
    });
  });

  it('ZoneChange', () => {
    const zc: ServerMsg = { type: 'zoneChange', endpoint: 'wss://zone-2.example:9001/ws', token: 'tok.en-_~', zoneId: 2 };
    expect(decodeServerMessage(encodeZoneChange(zc))).toEqual(zc);
  });
});

describe('encoder behaviour', () => {
  it('encodeServerMessage / encodeClientMessage dispatch on type', () => {
    const pong: ServerMsg = { type: 'pong', clientTime: 1.5, serverTick: 2 };
    expect(encodeServerMessage(pong)).toEqual(encodePong(pong));
    const move: ClientMsg = { type: 'move', seq: 1, x: 2, y: 3 };
    expect(encodeClientMessage(move)).toEqual(encodeMove(move));
  });

  it('Encoder returns views that the next call overwrites; free functions return copies', () => {
    const enc = new Encoder(64);
    const a = enc.pong({ clientTime: 1, serverTick: 1 });
    const aCopy = a.slice();
    enc.pong({ clientTime: 2, serverTick: 2 });
    expect(a).not.toEqual(aCopy); // the view was reused
    const b = encodePong({ clientTime: 1, serverTick: 1 });
    encodePong({ clientTime: 2, serverTick: 2 });
    expect(b).toEqual(aCopy); // the copy was not
    expect(b.byteOffset).toBe(0);
    expect(b.buffer.byteLength).toBe(b.byteLength);
  });

  it('one Encoder encodes many messages of growing size without stale state', () => {
    const enc = new Encoder(16);
    for (let n = 0; n < 300; n += 37) {
      const entities = Array.from({ length: n }, (_, i) => ({ ...PLAYER, netId: i + 1 }));
      const snap = decodeServerMessage(enc.snapshot({ tick: n, ackSeq: n, keyframe: true, entities, events: EVENTS }));
      expect(snap).toEqual({ type: 'snapshot', tick: n, ackSeq: n, keyframe: true, entities, moves: [], steers: [], removed: [], events: EVENTS });
      expect(client(enc.chat({ seq: n + 1, text: 'x'.repeat(n % 200 + 1) }))).toMatchObject({ seq: n + 1 });
    }
  });

  it('pre-packed entity, Motion and Steer records encode to the same bytes as objects', () => {
    const entities = [PLAYER, NPC, ITEM];
    const packed = new Uint8Array(entities.length * ENTITY_STATE_SIZE);
    const view = new DataView(packed.buffer);
    entities.forEach((e, i) => writeEntityState(view, i * ENTITY_STATE_SIZE, e));
    const moves = new Uint8Array(MOVES.length * MOTION_SIZE);
    MOVES.forEach((m, i) => writeMotion(new DataView(moves.buffer), i * MOTION_SIZE, m));
    const steers = new Uint8Array(STEERS.length * PACKED_STEER_SIZE);
    STEERS.forEach((m, i) => writeSteer(new DataView(steers.buffer), i * PACKED_STEER_SIZE, m));
    const fromObjects = encodeSnapshot({ tick: 9, ackSeq: 8, keyframe: false, entities, moves: MOVES, steers: STEERS, removed: [1], events: EVENTS });
    const fromPacked = encodeSnapshot({ tick: 9, ackSeq: 8, keyframe: false, entities: packed, moves, steers, removed: new Uint32Array([1]), events: EVENTS });
    expect(fromPacked).toEqual(fromObjects);
    expect(() => encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, entities: new Uint8Array(41) })).toThrow(RangeError);
    expect(() => encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, moves: new Uint8Array(25) })).toThrow(RangeError);
    expect(() => encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, steers: new Uint8Array(20) })).toThrow(RangeError);
    // No Steer carries a target off the walk grid: the server sends a Motion record for it.
    expect(() => encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, steers: [{ netId: 1, targetX: 0.1, targetY: 0 }] })).toThrow(/not on the walk grid/);
  });

  it('frame sizes: empty delta, 100-entity keyframe, Motion and Steer records', () => {
    const empty = encodeSnapshot({ tick: 1_000_000, ackSeq: 12_345, keyframe: false });
    expect(empty.length).toBe(1 + 3 + 2); // flags, tick and ack_seq as 3- and 2-byte varints
    expect(encodeSnapshot({ tick: 127, ackSeq: 0, keyframe: false }).length).toBe(SNAPSHOT_HEADER_SIZE);
    expect(encodeSnapshot({ tick: 0xffffffff, ackSeq: 0xffffffff, keyframe: false }).length).toBe(11);
    const entities = Array.from({ length: 100 }, (_, i) => ({ ...PLAYER, netId: i + 1 }));
    const kf = encodeSnapshot({ tick: 1_000_000, ackSeq: 12_345, keyframe: true, entities });
    expect(kf.length).toBe(100 * ENTITY_STATE_SIZE + 6 + 1);
    const moved = encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, moves: MOVES, removed: [7] });
    expect(moved.length).toBe(SNAPSHOT_HEADER_SIZE + 2 + MOVES.length * MOTION_SIZE + 1); // two one-byte counts, NetId 7 as a one-byte varint
    // A Steer is its NetId and the target's grid codes as varints: 5 + 2 + 2 bytes for
    // 4,000,000,002 → (−511.75, 1023.5) (codes 8,187 and 16,376), 1 + 1 + 1 for 10 → (0, 0).
    const steered = encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, steers: STEERS });
    expect(steered.length).toBe(SNAPSHOT_HEADER_SIZE + 1 + 9 + 3);
    // Removed NetIds as varints: 1, 2, 3 and 5 bytes.
    const removed = [127, 128, 2_097_151, 0xffffffff];
    const gone = encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: false, removed });
    expect(gone.length).toBe(SNAPSHOT_HEADER_SIZE + 1 + 1 + 2 + 3 + 5);
    expect((decodeServerMessage(gone) as SnapshotMsg).removed).toEqual(removed);
  });

  it('writes the Snapshot frame byte for byte as PROTOCOL.md §5.1 shows', () => {
    const frame = encodeSnapshot({
      tick: 123_456, ackSeq: 42, keyframe: false, moves: [{ netId: 7, x: 1, y: 2, targetX: 3, targetY: 4, rot: 0.5 }],
      steers: [{ netId: 8, targetX: 5, targetY: 6 }], removed: [9],
      events: [{ kind: EventKind.Chat, source: 7, target: 0, x: 1, y: 2, value: 0, text: 'hi!' }],
    });
    const hex = Buffer.from(frame).toString('hex');
    expect(hex).toBe([
      '79', // flags: Snapshot frame, Motion records, Steer records, events, removed
      'c0c407', '2a', // tick 123456, ack_seq 42 (varints)
      '01', '01', '01', '01', // counts: 1 Motion record, 1 Steer record, 1 event, 1 removed
      '07000000', '0000803f', '00000040', '00004040', '00008040', '0000003f', // Motion: 7, (1, 2) → (3, 4), rot 0.5
      '08', '50', '60', // Steer: 8, → (5, 6): grid codes 80 and 96 (varints)
      '06000300', '07000000', '00000000', '0000803f', '00000040', '00000000', '686921', // Chat "hi!"
      '09', // removed: 9 (a varint)
    ].join(''));
    // A count of 300 takes two bytes: ac 02.
    const many = encodeSnapshot({ tick: 1, ackSeq: 0, keyframe: true, removed: Array.from({ length: 300 }, (_, i) => i + 1) });
    expect(Buffer.from(many.subarray(0, SNAPSHOT_HEADER_SIZE + 2)).toString('hex')).toBe('23' + '01' + '00' + 'ac02');
    // Header varints round-trip up to 2^32 − 1, and the tick reads without decoding the frame.
    for (const tick of [0, 127, 128, 16_383, 16_384, 123_456, 0xffffffff]) {
      const f = encodeSnapshot({ tick, ackSeq: 0xffffffff - tick, keyframe: false, removed: [1] });
      expect(decodeServerMessage(f)).toMatchObject({ tick, ackSeq: 0xffffffff - tick });
      expect(snapshotTick(f, 0, f.length)).toBe(tick);
      expect(snapshotTick(f, 0, 2)).toBe(tick < 128 ? tick : -1); // cut
    }
    expect((decodeServerMessage(many) as SnapshotMsg).removed).toHaveLength(300);
  });

  it('tells the two kinds of server frame apart by byte 0: a FlatBuffer root offset is a multiple of 4', () => {
    const flat = [
      encodePong({ clientTime: 1, serverTick: 2 }), encodeError({ code: ErrorCode.TooSlow, text: 'x'.repeat(13) }),
      encodeZoneChange({ endpoint: 'ws://127.0.0.1:1/', token: 't', zoneId: 2 }),
    ];
    for (const f of flat) {
      expect(f[0] % 4).toBe(0);
      expect(isSnapshotFrame(f)).toBe(false);
    }
    expect(isSnapshotFrame(encodeSnapshot({ tick: 0, ackSeq: 0, keyframe: true }))).toBe(true);
  });

  it('decodes frames that sit at an unaligned offset inside a larger buffer', () => {
    for (const frame of [encodeChat({ seq: 1, text: 'odd' }), encodePing({ clientTime: 3.25 })]) {
      const host = new Uint8Array(frame.length + 3);
      host.set(frame, 1);
      expect(decodeClientMessage(host.subarray(1, 1 + frame.length))).toEqual(decodeClientMessage(frame));
    }
    const snap = encodeSnapshot({ tick: 2, ackSeq: 1, keyframe: true, entities: [PLAYER], removed: [3], events: EVENTS });
    const host = new Uint8Array(snap.length + 5);
    host.set(snap, 3);
    expect(decodeServerMessage(host.subarray(3, 3 + snap.length))).toEqual(decodeServerMessage(snap));
    // An ArrayBuffer (what uWS hands over) works too.
    expect(decodeServerMessage(snap.slice().buffer)).toEqual(decodeServerMessage(snap));
  });
});
