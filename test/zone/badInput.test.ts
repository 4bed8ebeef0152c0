// Every class of bad client input against a real server: each gets the exact ErrorCode of
// PROTOCOL.md §9, fatal ones close the connection with the listed close code, non-fatal ones
// leave it usable. Meanwhile an honest client receives a snapshot for every tick, and
// /metrics counts every refusal by reason.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MAX_CLIENT_FRAME_BYTES,
  PROTOCOL_VERSION,
  SOFT_ERROR_LIMIT,
  encodeChat,
  encodeHello,
  encodeMove,
  encodePing,
  errorCodeName,
  errorPolicy,
} from '../../src/protocol/index.js';
import { Rng } from '../../src/sim/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient, lateSnapshots, metricValue, waitUntil } from './wsClient.js';

let server: ZoneServer;
let honest: TestClient;
const clients: TestClient[] = [];
/** Refusals this file causes, by the server's metric label. */
const expectedRejections = new Map<string, number>();

function count(label: string, n = 1): void {
  expectedRejections.set(label, (expectedRejections.get(label) ?? 0) + n);
}

const url = () => `ws://127.0.0.1:${server.port}/`;

async function connect(label: string): Promise<TestClient> {
  const c = await TestClient.connect(url(), label);
  clients.push(c);
  return c;
}

async function join(name: string): Promise<TestClient> {
  const c = await TestClient.join(url(), name);
  c.keepSnapshots = false;
  clients.push(c);
  return c;
}

let pingNo = 0;
/** Proves the connection is open and has processed everything sent so far: Ping, await Pong. */
async function roundTrip(c: TestClient): Promise<void> {
  const t = 1e9 + ++pingNo;
  c.ping(t);
  await c.waitFor(() => c.pongs.some((p) => p.clientTime === t) || c.closeInfo !== undefined, 3000, 'pong');
  expect(c.closeInfo, `${c.label} closed: ${JSON.stringify(c.closeInfo)}`).toBeUndefined();
}

/** Sends `bytes` and expects a non-fatal Error `code`; the connection stays open. */
async function expectSoft(c: TestClient, send: () => void, code: ErrorCode, textPart?: string): Promise<void> {
  expect(errorPolicy(code).fatal).toBe(false);
  const n = c.errors.length;
  send();
  const err = await c.nextError(3000, n);
  expect(errorCodeName(err.code), err.text).toBe(errorCodeName(code));
  if (textPart) expect(err.text).toContain(textPart);
  await roundTrip(c);
  expect(c.errors).toHaveLength(n + 1);
  if (code !== ErrorCode.InputRejected) count(errorCodeName(code));
}

/** Sends and expects a fatal Error `code`, then the close with the policy's close code. */
async function expectFatal(c: TestClient, send: () => void, code: ErrorCode): Promise<void> {
  const policy = errorPolicy(code);
  expect(policy.fatal).toBe(true);
  const n = c.errors.length;
  send();
  const close = await c.waitClosed(3000);
  expect(c.errors.slice(n).map((e) => errorCodeName(e.code))).toEqual([errorCodeName(code)]);
  expect(close.code).toBe(policy.closeCode);
  expect(close.reason.startsWith(errorCodeName(code))).toBe(true);
  count(errorCodeName(code));
}

/** Byte offset of ClientMessage.body_type in a frame built by our encoders. */
function bodyTypeAt(frame: Uint8Array): number {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const root = v.getUint32(0, true);
  const vt = root - v.getInt32(root, true);
  const fo = v.getUint16(vt + 4, true);
  expect(fo).toBeGreaterThan(0);
  return root + fo;
}

/** Position of `needle` in `hay` (the placeholder string in a frame). */
function indexOf(hay: Uint8Array, needle: string): number {
  const i = Buffer.from(hay).indexOf(Buffer.from(needle, 'utf8'));
  expect(i).toBeGreaterThan(0);
  return i;
}

/** A Chat frame whose text bytes are exactly `bytes` (valid UTF-8 or not). */
function chatWithBytes(seq: number, bytes: number[]): Uint8Array {
  const frame = encodeChat({ seq, text: 'Q'.repeat(bytes.length) });
  frame.set(bytes, indexOf(frame, 'Q'.repeat(bytes.length)));
  return frame;
}

beforeAll(async () => {
  server = await startZoneServer({ port: 0, seed: 21, zone: { npcs: 0, items: 0 } });
  honest = await TestClient.join(url(), 'honest');
  honest.keepSnapshots = false;
});

afterAll(async () => {
  await Promise.all([honest, ...clients].map((c) => c?.close()));
  await server?.stop();
});

describe('bad input over real sockets', () => {
  it('text frame: BadFrame, closed 1002', async () => {
    const c = await join('texter');
    await expectFatal(c, () => c.sendText('{"type":"move","x":1}'), ErrorCode.BadFrame);
    // Also before Hello.
    const d = await connect('texter2');
    await expectFatal(d, () => d.sendText('hello?'), ErrorCode.BadFrame);
  });

  it('random bytes: BadFrame, closed 1002', async () => {
    const rng = new Rng(99);
    const c = await join('random');
    const bytes = new Uint8Array(64).map(() => rng.int(256));
    bytes[4] = 0; // never "MMOC" by chance
    await expectFatal(c, () => c.sendBytes(bytes), ErrorCode.BadFrame);
    // Shorter than a header, and not a multiple of 4.
    const d = await join('random2');
    await expectFatal(d, () => d.sendBytes(new Uint8Array([1, 2, 3])), ErrorCode.BadFrame);
  });

  it('truncated valid frames: BadFrame, closed 1002', async () => {
    const chat = encodeChat({ seq: 1, text: 'hello world' });
    const c = await join('trunc1');
    await expectFatal(c, () => c.sendBytes(chat.subarray(0, chat.length - 12)), ErrorCode.BadFrame);
    const move = encodeMove({ seq: 1, x: 1, y: 2 });
    const d = await join('trunc2');
    await expectFatal(d, () => d.sendBytes(move.subarray(0, move.length - 1)), ErrorCode.BadFrame);
    const e = await join('trunc3');
    await expectFatal(e, () => e.sendBytes(move.subarray(0, 24)), ErrorCode.BadFrame);
  });

  it('forged string lengths: BadFrame, closed 1002', async () => {
    const chat = encodeChat({ seq: 1, text: 'PLACEHOLDER!' });
    const at = indexOf(chat, 'PLACEHOLDER!') - 4;
    expect(new DataView(chat.buffer).getUint32(at, true)).toBe(12);
    const huge = chat.slice();
    new DataView(huge.buffer).setUint32(at, 0x7fffffff, true);
    const c = await join('forged1');
    await expectFatal(c, () => c.sendBytes(huge), ErrorCode.BadFrame);
    const past = chat.slice();
    // Exactly one byte too long: the terminator would lie just past the end of the frame.
    new DataView(past.buffer).setUint32(at, past.length - at - 4, true);
    const d = await join('forged2');
    await expectFatal(d, () => d.sendBytes(past), ErrorCode.BadFrame);
    // A Hello whose name claims 4 GB.
    const hello = encodeHello({ name: 'NAMEPLACE' });
    new DataView(hello.buffer).setUint32(indexOf(hello, 'NAMEPLACE') - 4, 0xffffffff, true);
    const e = await connect('forged3');
    await expectFatal(e, () => e.sendBytes(hello), ErrorCode.BadFrame);
  });

  it('unknown union type: UnknownMessage, not fatal; type 0: BadFrame, fatal', async () => {
    const c = await join('union');
    const frame = encodeMove({ seq: 1, x: 500, y: 500 });
    const unknown = frame.slice();
    unknown[bodyTypeAt(unknown)] = 9;
    await expectSoft(c, () => c.sendBytes(unknown), ErrorCode.UnknownMessage);
    const zero = frame.slice();
    zero[bodyTypeAt(zero)] = 0;
    await expectFatal(c, () => c.sendBytes(zero), ErrorCode.BadFrame);
  });

  it('NaN / Infinity / seq 0: OutOfRange; out-of-bounds target: InputRejected out_of_bounds; stale seq', async () => {
    const c = await join('mover');
    await expectSoft(c, () => c.sendBytes(encodeMove({ seq: 1, x: NaN, y: 500 })), ErrorCode.OutOfRange);
    await expectSoft(c, () => c.sendBytes(encodeMove({ seq: 2, x: 500, y: Infinity })), ErrorCode.OutOfRange);
    await expectSoft(c, () => c.sendBytes(encodeMove({ seq: 3, x: -Infinity, y: -Infinity })), ErrorCode.OutOfRange);
    await expectSoft(c, () => c.sendBytes(encodeMove({ seq: 0, x: 500, y: 500 })), ErrorCode.OutOfRange);
    c.seq = 4;
    await expectSoft(c, () => c.move(5000, 500), ErrorCode.InputRejected, 'out_of_bounds');
    count('input_out_of_bounds');
    await expectSoft(c, () => c.move(-0.5, 10), ErrorCode.InputRejected, 'out_of_bounds');
    count('input_out_of_bounds');
    // The player did not move anywhere.
    expect(c.self!.flags & 2).toBe(0);
    // Reusing a processed seq.
    await expectSoft(c, () => c.sendBytes(encodeMove({ seq: c.seq, x: 500, y: 500 })), ErrorCode.InputRejected, 'stale_seq');
    count('input_stale_seq');
    expect(c.isOpen).toBe(true);
  });

  it('bad chat strings: BadString, not fatal', async () => {
    const c = await join('chatter');
    await expectSoft(c, () => c.chat('x'.repeat(257)), ErrorCode.BadString);
    await expectSoft(c, () => c.chat('🙂'.repeat(257)), ErrorCode.BadString);
    await expectSoft(c, () => c.chat(''), ErrorCode.BadString);
    await expectSoft(c, () => c.chat('bell\u0007'), ErrorCode.BadString);
    await expectSoft(c, () => c.chat('c1\u0085'), ErrorCode.BadString);
    await expectSoft(c, () => c.sendBytes(chatWithBytes(++c.seq, [0x61, 0xff, 0xfe, 0x62])), ErrorCode.BadString);
    // A UTF-8-encoded surrogate (ED A0 80) and an overlong '/' (C0 AF).
    await expectSoft(c, () => c.sendBytes(chatWithBytes(++c.seq, [0xed, 0xa0, 0x80, 0xc0, 0xaf])), ErrorCode.BadString);
    // 256 characters is fine.
    const from = c.lastTick;
    c.chat('x'.repeat(256));
    await c.waitFor(() => c.events.some((e) => e.tick >= from && e.text.length === 256), 3000, 'own chat');
    expect(c.errors).toHaveLength(7);
  });

  it('Hello problems: empty name BadString (then a good Hello joins), token BadToken, version ProtocolVersion', async () => {
    const a = await connect('emptyname');
    await expectSoft(a, () => a.hello(''), ErrorCode.BadString);
    await expectSoft(a, () => a.hello('x'.repeat(25)), ErrorCode.BadString);
    await expectSoft(a, () => a.hello('tab\tname'), ErrorCode.BadString);
    a.hello('fine');
    await a.waitWelcome();

    const b = await connect('token');
    await expectFatal(b, () => b.hello('tok', { token: 'signed.jwt.token' }), ErrorCode.BadToken);
    const b2 = await connect('badtoken');
    // A token that is not printable ASCII is a bad string, not fatal.
    await expectSoft(b2, () => b2.hello('tok2', { token: 'with space' }), ErrorCode.BadString);

    const v = await connect('version');
    await expectFatal(v, () => v.hello('next', { protocolVersion: PROTOCOL_VERSION + 1 }), ErrorCode.ProtocolVersion);
    const v0 = await connect('version0');
    await expectFatal(v0, () => v0.hello('v0', { protocolVersion: 0 }), ErrorCode.ProtocolVersion);
  });

  it('input before Hello: NotJoined; a second Hello: AlreadyJoined', async () => {
    const c = await connect('early');
    await expectSoft(c, () => c.move(500, 500), ErrorCode.NotJoined);
    await expectSoft(c, () => c.chat('hi'), ErrorCode.NotJoined);
    c.hello('early');
    await c.waitWelcome();
    await expectSoft(c, () => c.hello('again'), ErrorCode.AlreadyJoined);
    // Still a working player: a move is accepted and acked.
    const seq = c.move(501, 501);
    await c.waitFor(() => (c.self?.targetX ?? 0) === 501 || (c.self?.x ?? 0) === 501, 3000, 'move applied');
    expect(seq).toBe(c.seq);
    expect(c.errors.map((e) => e.code)).toEqual([ErrorCode.NotJoined, ErrorCode.NotJoined, ErrorCode.AlreadyJoined]);
  });

  it('unknown target, attacking self, using a player as an item: InputRejected with the reason', async () => {
    const c = await join('fighter');
    await expectSoft(c, () => c.attack(999_999), ErrorCode.InputRejected, 'unknown_target');
    count('input_unknown_target');
    await expectSoft(c, () => c.attack(c.netId), ErrorCode.InputRejected, 'self_target');
    count('input_self_target');
    await expectSoft(c, () => c.useItem(honest.netId), ErrorCode.InputRejected, 'not_an_item');
    count('input_not_an_item');
  });

  it(`a grossly oversize frame (> 4 × ${MAX_CLIENT_FRAME_BYTES} bytes) is cut off by the WebSocket layer`, async () => {
    const c = await join('oversize');
    const players = server.status().players;
    const frame = new Uint8Array(MAX_CLIENT_FRAME_BYTES * 4 + 4);
    frame.set(encodePing({ clientTime: 1 }));
    c.sendBytes(frame);
    const close = await c.waitClosed(3000);
    // uWS itself drops the socket (maxPayloadLength): 1006, no Error frame (PROTOCOL.md §9).
    expect(close.code).toBe(1006);
    await waitUntil(() => server.status().players === players - 1, 3000, 'player removed');
  });

  it('an oversize frame gets Error TooLarge and close 1009', async () => {
    const c = await join('oversize2');
    const frame = new Uint8Array(MAX_CLIENT_FRAME_BYTES + 4);
    frame.set(encodePing({ clientTime: 1 }));
    c.sendBytes(frame);
    const close = await c.waitClosed(3000);
    expect(close.code).toBe(1009);
    expect(c.errors.map((e) => e.code)).toEqual([ErrorCode.TooLarge]);
    count('TooLarge');
  });

  it('a flood is RateLimited and closed after the soft-error budget; 20 inputs/s + 1 ping/s never is', async () => {
    const steady = await join('steady');
    const flooder = await join('flooder');
    let pings = 0;
    let i = 0;
    const inputs = setInterval(() => { if (steady.isOpen) steady.move(i % 2 ? 495 : 505, i++ % 2 ? 495 : 505); }, 50);
    const pinger = setInterval(() => { if (steady.isOpen) steady.ping(++pings); }, 1000);
    try {
      // Let the steady client run a while, flood in the middle of it.
      await steady.waitTick(steady.lastTick + 20);
      for (let k = 0; k < 200; k++) flooder.sendBytes(encodePing({ clientTime: k }));
      const close = await flooder.waitClosed(5000);
      expect(close.code).toBe(1008);
      expect(flooder.errors.map((e) => errorCodeName(e.code))).toEqual(Array(SOFT_ERROR_LIMIT + 1).fill('RateLimited'));
      count('RateLimited', SOFT_ERROR_LIMIT + 1);
      // The burst went through before the limit hit.
      expect(flooder.pongs.length).toBeGreaterThanOrEqual(55);
      expect(flooder.pongs.length).toBeLessThan(200 - SOFT_ERROR_LIMIT);
      await steady.waitTick(steady.lastTick + 40); // 3 s in all at 20 Hz
    } finally {
      clearInterval(inputs);
      clearInterval(pinger);
    }
    const last = steady.seq;
    expect(last).toBeGreaterThanOrEqual(40);
    await steady.waitFor(() => steady.pongs.length === pings, 3000, 'all pongs');
    await roundTrip(steady);
    await steady.waitFor(() => steady.ackSeq === last, 2000, 'every input acked');
    expect(steady.errors).toEqual([]);
  });

  it('closes a connection after more than SOFT_ERROR_LIMIT non-fatal errors with 1008', async () => {
    const c = await join('sloppy');
    const frame = encodeMove({ seq: 1, x: 500, y: 500 });
    frame[bodyTypeAt(frame)] = 42;
    for (let k = 0; k < SOFT_ERROR_LIMIT; k++) await expectSoft(c, () => c.sendBytes(frame), ErrorCode.UnknownMessage);
    c.sendBytes(frame);
    const close = await c.waitClosed(3000);
    expect(close.code).toBe(1008);
    expect(c.errors).toHaveLength(SOFT_ERROR_LIMIT + 1);
    count('UnknownMessage');
  });

  it('never disturbed the honest client, and /metrics counts every refusal by reason', async () => {
    expect(honest.isOpen).toBe(true);
    expect(honest.errors).toEqual([]);
    expect(honest.decodeFailures).toEqual([]);
    expect(honest.unknownMoves).toBe(0);
    const ticks = honest.snapshotTicks;
    expect(lateSnapshots(ticks)).toEqual([]);
    expect(ticks[ticks.length - 1] - ticks[0]).toBeGreaterThan(50); // the file runs ~5 s at 20 Hz
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(server.world.tick - 2);

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const text = await res.text();
    const seen = new Map<string, number>();
    for (const m of text.matchAll(/^mmo_inbound_rejected_total\{[^}]*reason="([^"]+)"[^}]*\} (\S+)$/gm)) seen.set(m[1], Number(m[2]));
    expect(Object.fromEntries([...seen].sort())).toEqual(Object.fromEntries([...expectedRejections].sort()));
    expect(await metricValue(server.port, 'mmo_inbound_rejected_total', { reason: 'BadFrame' })).toBe(expectedRejections.get('BadFrame'));
  });
});
