// The bus codec: round trip of every message, refusal of out-of-range values on both sides,
// and the untrusted-bytes path (garbage, truncation, bit flips, forged lengths, unknown union
// types, bad strings, non-finite numbers). Also: the verifier specs mirror the generated code,
// and (with Debian's flatc) flatc --json reads what we encode.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as flatbuffers from 'flatbuffers';
import { afterAll, describe, expect, it } from 'vitest';
import { countReads, linearBudget } from '../protocol/readBudget.js';

import {
  BusEncodeError,
  MAX_BUS_MESSAGE_BYTES,
  REPLY_MAX_SERVERS,
  RegistryErrorCode,
  ServerType,
  decodeBusMessage,
  encodeBusMessage,
  type BusBody,
  type BusEnvelope,
} from '../../src/bus/index.js';
import { CLUSTER_TABLE_SPECS, ITEM_STACK_SIZE } from '../../src/bus/specs.js';
import {
  BusBody as BusBodyType,
  BusMessage,
  GlobalChat,
  GlobalEvent,
  ItemStack,
  PlayerTransfer,
  RegistryDeregister,
  RegistryHeartbeat,
  RegistryQuery,
  RegistryRegister,
  RegistryReply,
  ServerRecord,
} from '../../src/protocol/generated/cluster_generated.js';
import type { FieldSpec, TableSpec } from '../../src/protocol/verify.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const proof = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const mac = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

const BODIES: Record<BusBody['type'], BusBody> = {
  hello: { type: 'hello', serverId: 'zone-1', serverType: ServerType.Zone, nonce: '0123456789abcdef0123456789abcdef', proof },
  helloAck: {
    type: 'helloAck',
    serverId: 'gate_way-2',
    serverType: ServerType.Gateway,
    nonce: 'ffffffffffffffffffffffffffffffff',
    to: 'zone-1',
    echo: '0123456789abcdef0123456789abcdef',
    wantReply: true,
    proof,
  },
  playerTransfer: {
    type: 'playerTransfer',
    transferId: 'zone-1:42:0001',
    playerId: 2 ** 53 - 1,
    name: 'Åsa 😀',
    fromZone: 1,
    toZone: 65535,
    level: 12,
    hp: 0,
    maxHp: 2_000_000_000,
    mana: 50,
    maxMana: 50,
    x: Math.fround(1024.7),
    y: Math.fround(-0.15625),
    inventory: [
      { itemType: 1, quantity: 3 },
      { itemType: 3, quantity: 4_294_967_295 },
    ],
  },
  transferAck: { type: 'transferAck', transferId: 'zone-1:42:0001', accepted: false, reason: 'zone full — try later' },
  zoneChange: { type: 'zoneChange', playerId: 42, endpoint: 'wss://zone-2.example:9001/ws', token: 'tok.EN-123', zoneId: 2 },
  globalChat: { type: 'globalChat', channel: 'trade_1', sender: 'Bob', text: 'WTS "sword" ок 😀' },
  guildMessage: { type: 'guildMessage', guildId: 7, sender: 'Ann', text: 'raid at 8' },
  globalEvent: { type: 'globalEvent', kind: 3, text: 'double xp', value: -1.5e300 },
  serverStatus: { type: 'serverStatus', serverId: 'zone-1', players: 123, capacity: 1000, cpu: 37.5, memoryMb: 812, activeZones: 4 },
  loadReport: { type: 'loadReport', serverId: 'zone-1', load: 0.25, capacity: 1000 },
  registryRegister: {
    type: 'registryRegister',
    requestId: 2 ** 53 - 1,
    serverType: ServerType.Zone,
    host: 'zone-1.eu.example',
    port: 65535,
    region: 'eu-west Östra 😀',
    capacity: 4_294_967_295,
  },
  registryHeartbeat: { type: 'registryHeartbeat', requestId: 7, load: 17.5, players: 4_294_967_295 },
  registryQuery: { type: 'registryQuery', requestId: 8, serverType: ServerType.Gateway },
  registryDeregister: { type: 'registryDeregister', requestId: 9 },
  registryReply: {
    type: 'registryReply',
    requestId: 10,
    ok: true,
    code: RegistryErrorCode.None,
    error: '',
    field: '',
    servers: [
      { id: 'zone-2', serverType: ServerType.Zone, host: '::1', port: 1, region: '', load: 0, capacity: 1, active: true, players: 0 },
      { id: 'zone-1', serverType: ServerType.Zone, host: '10.0.0.5', port: 9001, region: 'eu', load: 150.5, capacity: 200, active: false, players: 150 },
    ],
    total: 3,
  },
};

const refusal: BusBody = {
  type: 'registryReply',
  requestId: 11,
  ok: false,
  code: RegistryErrorCode.Conflict,
  error: 'zone server 10.0.0.5:9001 is already registered as zone-1 — "quotes"',
  field: 'port',
  servers: [],
  total: 0,
};

function env(body: BusBody, m: Uint8Array | null = mac): BusEnvelope {
  return { from: 'zone-1', seq: 1, mac: body.type === 'hello' || body.type === 'helloAck' ? null : m, body };
}

function decodeOk(bytes: Uint8Array): BusEnvelope {
  const r = decodeBusMessage(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}: ${r.detail}`);
  return r.msg;
}

/** Builds a BusMessage with arbitrary (unchecked) content through the generated builders. */
function raw(build: (b: flatbuffers.Builder) => [number, number], opts: { from?: string; seq?: bigint } = {}): Uint8Array {
  const b = new flatbuffers.Builder(256);
  const [type, off] = build(b);
  const from = b.createString(opts.from ?? 'zone-1');
  const m = b.createByteVector(mac);
  BusMessage.startBusMessage(b);
  BusMessage.addFrom(b, from);
  BusMessage.addSeq(b, opts.seq ?? 1n);
  BusMessage.addMac(b, m);
  BusMessage.addBodyType(b, type);
  BusMessage.addBody(b, off);
  BusMessage.finishBusMessageBuffer(b, BusMessage.endBusMessage(b));
  return b.asUint8Array().slice();
}

function rawChat(text: string | Uint8Array, channel = 'main'): Uint8Array {
  return raw((b) => {
    const c = b.createString(channel);
    const s = b.createString('Bob');
    const t = b.createString(text);
    return [BusBodyType.GlobalChat, GlobalChat.createGlobalChat(b, c, s, t)];
  });
}

/** Deterministic PRNG (mulberry32) for the fuzz loops. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('round trip', () => {
  for (const [type, body] of Object.entries(BODIES)) {
    it(type, () => {
      const e = env(body);
      const bytes = encodeBusMessage(e);
      expect(bytes.length % 4).toBe(0);
      expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('MMOB');
      const back = decodeOk(bytes);
      expect(back).toEqual(e);
      // The result does not alias the input.
      bytes.fill(0);
      expect(back).toEqual(e);
    });
  }

  it('defaults: empty inventory, empty texts, zero ids where allowed, -0 positions, large seq', () => {
    const bodies: BusBody[] = [
      { ...BODIES.playerTransfer, inventory: [], fromZone: 0, toZone: 0, hp: 0, mana: 0, maxMana: 0, x: 0, y: -0 } as BusBody,
      { type: 'transferAck', transferId: 't', accepted: true, reason: '' },
      { type: 'globalEvent', kind: 1, text: '', value: 0 },
      { type: 'serverStatus', serverId: 'a', players: 0, capacity: 0, cpu: 0, memoryMb: 0, activeZones: 0 },
      refusal,
      { type: 'registryReply', requestId: 1, ok: true, code: RegistryErrorCode.None, error: '', field: '', servers: [], total: 0 },
      { type: 'registryRegister', requestId: 1, serverType: ServerType.Login, host: 'h', port: 1, region: '', capacity: 1 },
      { type: 'registryHeartbeat', requestId: 1, load: 0, players: 0 },
    ];
    for (const body of bodies) {
      const e = { ...env(body), seq: Number.MAX_SAFE_INTEGER };
      expect(decodeOk(encodeBusMessage(e))).toEqual(e);
    }
  });

  it('a maximal RegistryReply (64 records, longest strings) fits under the size cap', () => {
    const r = {
      id: 'i'.repeat(64), serverType: ServerType.Zone, host: 'h'.repeat(253), port: 65535, region: '😀'.repeat(64),
      load: 1e9, capacity: 4_294_967_295, active: true, players: 4_294_967_295,
    };
    const body: BusBody = {
      ...refusal, error: '😀'.repeat(256), field: '😀'.repeat(64), servers: Array.from({ length: REPLY_MAX_SERVERS }, () => r), total: 4096,
    };
    const bytes = encodeBusMessage(env(body));
    expect(bytes.length).toBeLessThan(MAX_BUS_MESSAGE_BYTES);
    expect(decodeOk(bytes).body).toEqual(body);
  });

  it('a maximal PlayerTransfer fits well under the size cap', () => {
    const inventory = Array.from({ length: 1024 }, (_, i) => ({ itemType: i + 1, quantity: 4_294_967_295 }));
    const body = { ...BODIES.playerTransfer, name: '😀'.repeat(24), transferId: 'x'.repeat(64), inventory };
    const bytes = encodeBusMessage(env(body));
    expect(bytes.length).toBeLessThan(MAX_BUS_MESSAGE_BYTES / 4);
    expect(decodeOk(bytes).body).toEqual(body);
  });
});

describe('encode refuses out-of-range values', () => {
  const bad: [string, BusEnvelope][] = [
    ['chat text of 257 characters', env({ ...BODIES.globalChat, text: 'a'.repeat(257) } as BusBody)],
    ['empty chat text', env({ ...BODIES.globalChat, text: '' } as BusBody)],
    ['control character', env({ ...BODIES.globalChat, text: 'a\u0007b' } as BusBody)],
    ['lone surrogate', env({ ...BODIES.globalChat, text: 'a\ud800' } as BusBody)],
    ['channel with a dot', env({ ...BODIES.globalChat, channel: 'a.b' } as BusBody)],
    ['name of 25 characters', env({ ...BODIES.playerTransfer, name: 'n'.repeat(25) } as BusBody)],
    ['hp above max', env({ ...BODIES.playerTransfer, hp: 11, maxHp: 10 } as BusBody)],
    ['NaN position', env({ ...BODIES.playerTransfer, x: NaN } as BusBody)],
    ['position beyond float32', env({ ...BODIES.playerTransfer, y: 1e39 } as BusBody)],
    ['duplicate item type', env({ ...BODIES.playerTransfer, inventory: [{ itemType: 1, quantity: 1 }, { itemType: 1, quantity: 2 }] } as BusBody)],
    ['zone id beyond uint16', env({ ...BODIES.playerTransfer, toZone: 65536 } as BusBody)],
    ['player id 0', env({ ...BODIES.zoneChange, playerId: 0 } as BusBody)],
    ['player id beyond 2^53', env({ ...BODIES.zoneChange, playerId: 2 ** 53 } as BusBody)],
    ['http endpoint', env({ ...BODIES.zoneChange, endpoint: 'http://x' } as BusBody)],
    ['token with a space', env({ ...BODIES.zoneChange, token: 'a b' } as BusBody)],
    ['infinite event value', env({ ...BODIES.globalEvent, value: Infinity } as BusBody)],
    ['event kind 0', env({ ...BODIES.globalEvent, kind: 0 } as BusBody)],
    ['negative cpu', env({ ...BODIES.serverStatus, cpu: -1 } as BusBody)],
    ['fractional players', env({ ...BODIES.serverStatus, players: 1.5 } as BusBody)],
    ['load above 1000', env({ ...BODIES.loadReport, load: 1001 } as BusBody)],
    ['server type None', env({ ...BODIES.hello, serverType: ServerType.None } as BusBody)],
    ['short proof', env({ ...BODIES.hello, proof: new Uint8Array(31) } as BusBody)],
    ['upper-case nonce', env({ ...BODIES.hello, nonce: 'A'.repeat(32) } as BusBody)],
    ['unknown body type', env({ type: 'teleport' } as unknown as BusBody)],
    ['seq 0', { ...env(BODIES.globalChat), seq: 0 }],
    ['server id with a dot', { ...env(BODIES.globalChat), from: 'zone.1' }],
    ['empty server id', { ...env(BODIES.globalChat), from: '' }],
    ['mac of 31 bytes', env(BODIES.globalChat, new Uint8Array(31))],
    ['register: request id 0', env({ ...BODIES.registryRegister, requestId: 0 } as BusBody)],
    ['register: request id beyond 2^53', env({ ...BODIES.registryRegister, requestId: 2 ** 53 } as BusBody)],
    ['register: port 0', env({ ...BODIES.registryRegister, port: 0 } as BusBody)],
    ['register: port 65536', env({ ...BODIES.registryRegister, port: 65536 } as BusBody)],
    ['register: capacity 0', env({ ...BODIES.registryRegister, capacity: 0 } as BusBody)],
    ['register: capacity beyond uint32', env({ ...BODIES.registryRegister, capacity: 2 ** 32 } as BusBody)],
    ['register: server type None', env({ ...BODIES.registryRegister, serverType: ServerType.None } as BusBody)],
    ['register: server type 8', env({ ...BODIES.registryRegister, serverType: 8 } as unknown as BusBody)],
    ['register: empty host', env({ ...BODIES.registryRegister, host: '' } as BusBody)],
    ['register: host with a space', env({ ...BODIES.registryRegister, host: 'a b' } as BusBody)],
    ['register: host of 254 bytes', env({ ...BODIES.registryRegister, host: 'h'.repeat(254) } as BusBody)],
    ['register: non-ASCII host', env({ ...BODIES.registryRegister, host: 'hösten' } as BusBody)],
    ['register: region of 65 characters', env({ ...BODIES.registryRegister, region: 'r'.repeat(65) } as BusBody)],
    ['register: region with a control character', env({ ...BODIES.registryRegister, region: 'eu\n' } as BusBody)],
    ['heartbeat: negative load', env({ ...BODIES.registryHeartbeat, load: -1 } as BusBody)],
    ['heartbeat: NaN load', env({ ...BODIES.registryHeartbeat, load: NaN } as BusBody)],
    ['heartbeat: fractional players', env({ ...BODIES.registryHeartbeat, players: 0.5 } as BusBody)],
    ['query: server type None', env({ ...BODIES.registryQuery, serverType: ServerType.None } as BusBody)],
    ['deregister: request id 0', env({ type: 'registryDeregister', requestId: 0 })],
    ['reply: ok with an error code', env({ ...BODIES.registryReply, code: RegistryErrorCode.Invalid } as BusBody)],
    ['reply: refusal without a code', env({ ...refusal, code: RegistryErrorCode.None } as BusBody)],
    ['reply: code 6', env({ ...refusal, code: 6 } as unknown as BusBody)],
    ['reply: error of 257 characters', env({ ...refusal, error: 'e'.repeat(257) } as BusBody)],
    ['reply: field of 65 characters', env({ ...refusal, field: 'f'.repeat(65) } as BusBody)],
    ['reply: total below the record count', env({ ...BODIES.registryReply, total: 1 } as BusBody)],
    ['reply: 65 records', env({ ...BODIES.registryReply, servers: Array(65).fill((BODIES.registryReply as { servers: unknown[] }).servers[0]), total: 65 } as BusBody)],
    ['reply: record with a bad id', env({ ...BODIES.registryReply, servers: [{ ...(BODIES.registryReply as { servers: object[] }).servers[0], id: 'a.b' }] } as BusBody)],
    ['reply: record with port 0', env({ ...BODIES.registryReply, servers: [{ ...(BODIES.registryReply as { servers: object[] }).servers[0], port: 0 }] } as BusBody)],
    ['reply: record with capacity 0', env({ ...BODIES.registryReply, servers: [{ ...(BODIES.registryReply as { servers: object[] }).servers[0], capacity: 0 }] } as BusBody)],
    ['reply: record with infinite load', env({ ...BODIES.registryReply, servers: [{ ...(BODIES.registryReply as { servers: object[] }).servers[0], load: Infinity }] } as BusBody)],
  ];
  for (const [what, e] of bad) {
    it(what, () => {
      expect(() => encodeBusMessage(e)).toThrow(BusEncodeError);
    });
  }
});

describe('decode of untrusted bytes', () => {
  const good = encodeBusMessage(env(BODIES.playerTransfer));

  it('oversized input is refused unread', () => {
    const r = decodeBusMessage(new Uint8Array(MAX_BUS_MESSAGE_BYTES + 4));
    expect(r).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('empty, short, misaligned, wrong identifier, not binary', () => {
    expect(decodeBusMessage(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBusMessage(new Uint8Array(4))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBusMessage(good.subarray(0, good.length - 1))).toMatchObject({ ok: false, reason: 'malformed' });
    const wrongId = good.slice();
    wrongId.set([77, 77, 79, 67], 4); // "MMOC", a client frame
    expect(decodeBusMessage(wrongId)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBusMessage('hello' as unknown as Uint8Array)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('every truncation of a valid message is refused without throwing', () => {
    for (let n = 0; n < good.length; n++) {
      const r = decodeBusMessage(good.slice(0, n));
      expect(r.ok, `length ${n}`).toBe(false);
    }
  });

  it('random garbage and random bit flips never throw, and anything accepted is valid', () => {
    const rand = rng(12345);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const len = 4 * Math.floor(rand() * 64);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      if (len >= 8 && rand() < 0.5) bytes.set([77, 77, 79, 66], 4); // right identifier half the time
      expect(() => decodeBusMessage(bytes)).not.toThrow();
    }
    for (const body of Object.values(BODIES)) {
      const base = encodeBusMessage(env(body));
      for (let i = 0; i < 400; i++) {
        const bytes = base.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] ^= 1 << Math.floor(rand() * 8);
        const r = decodeBusMessage(bytes);
        if (r.ok) {
          accepted++;
          // Whatever survives re-encodes (so it passed every value check).
          expect(() => encodeBusMessage(r.msg)).not.toThrow();
        }
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('a forged vector length is refused at once (no long loop)', () => {
    // Point at the inventory vector length and claim 2^31 stacks.
    const bytes = good.slice();
    const bb = new flatbuffers.ByteBuffer(bytes);
    const root = BusMessage.getRootAsBusMessage(bb);
    const t = root.body(new PlayerTransfer()) as PlayerTransfer;
    const lenPos = bb.__vector(t.bb_pos + bb.__offset(t.bb_pos, 28)) - 4;
    expect(bb.readUint32(lenPos)).toBe(2);
    new DataView(bytes.buffer).setUint32(lenPos, 0x80000000, true);
    // Work bounded by the bytes, not the claimed length (reads counted, not timed).
    expect(countReads(linearBudget(bytes.length), () => decodeBusMessage(bytes)).result).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('more than 1024 inventory stacks is invalid', () => {
    const bytes = raw((b) => {
      const tid = b.createString('t');
      const name = b.createString('n');
      PlayerTransfer.startInventoryVector(b, 1025);
      for (let i = 1025; i >= 1; i--) ItemStack.createItemStack(b, i, 1);
      const inv = b.endVector();
      return [BusBodyType.PlayerTransfer, PlayerTransfer.createPlayerTransfer(b, tid, 1n, name, 1, 2, 1, 1, 1, 0, 0, 0, 0, inv)];
    });
    expect(decodeBusMessage(bytes)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('unknown union types are refused by the whitelist', () => {
    for (const t of [16, 99, 255]) {
      const bytes = rawChat('hi');
      const bb = new flatbuffers.ByteBuffer(bytes);
      const root = BusMessage.getRootAsBusMessage(bb);
      bytes[root.bb_pos + bb.__offset(root.bb_pos, 10)] = t;
      expect(decodeBusMessage(bytes)).toMatchObject({ ok: false, reason: 'unknownType' });
    }
  });

  it('strings: over the byte cap, bad UTF-8, control characters, too many characters', () => {
    expect(decodeBusMessage(rawChat('a'.repeat(1025)))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat(Uint8Array.of(0x61, 0xff, 0x62)))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat(Uint8Array.of(0xed, 0xa0, 0x80)))).toMatchObject({ ok: false, reason: 'invalid' }); // surrogate
    expect(decodeBusMessage(rawChat('a\nb'))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat('a'.repeat(257)))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat('ok', 'bad channel'))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat('😀'.repeat(256))).ok).toBe(true);
  });

  it('numbers: NaN, infinities, seq 0 and beyond 2^53', () => {
    const event = (value: number) =>
      raw((b) => {
        GlobalEvent.startGlobalEvent(b);
        GlobalEvent.addKind(b, 1);
        GlobalEvent.addValue(b, value);
        return [BusBodyType.GlobalEvent, GlobalEvent.endGlobalEvent(b)];
      });
    expect(decodeBusMessage(event(NaN))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(event(-Infinity))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(event(1)).ok).toBe(true);
    const transfer = (x: number) =>
      raw((b) => {
        const tid = b.createString('t');
        const name = b.createString('n');
        return [BusBodyType.PlayerTransfer, PlayerTransfer.createPlayerTransfer(b, tid, 1n, name, 1, 2, 1, 1, 1, 0, 0, x, 0, 0)];
      });
    expect(decodeBusMessage(transfer(Infinity))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(transfer(NaN))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(rawChat('hi')).ok).toBe(true);
    const seq = (s: bigint) =>
      raw((b) => {
        const c = b.createString('main');
        const s2 = b.createString('Bob');
        const t = b.createString('hi');
        return [BusBodyType.GlobalChat, GlobalChat.createGlobalChat(b, c, s2, t)];
      }, { seq: s });
    expect(decodeBusMessage(seq(0n))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(seq(2n ** 53n))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(seq(2n ** 53n - 1n)).ok).toBe(true);
  });

  it('a body-less or type-less message is malformed', () => {
    // No body at all (the generated end function would refuse; build the table by hand).
    const b = new flatbuffers.Builder(64);
    const from = b.createString('zone-1');
    b.startObject(5);
    b.addFieldOffset(0, from, 0);
    b.addFieldInt64(1, 1n, 0n);
    b.finish(b.endObject(), 'MMOB');
    expect(decodeBusMessage(b.asUint8Array().slice())).toMatchObject({ ok: false, reason: 'malformed' });
    // A body but no type byte.
    const c = new flatbuffers.Builder(64);
    const from2 = c.createString('zone-1');
    const ch = c.createString('main');
    const chat = GlobalChat.createGlobalChat(c, ch, ch, ch);
    c.startObject(5);
    c.addFieldOffset(0, from2, 0);
    c.addFieldInt64(1, 1n, 0n);
    c.addFieldOffset(4, chat, 0);
    c.finish(c.endObject(), 'MMOB');
    expect(decodeBusMessage(c.asUint8Array().slice())).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('decode of untrusted registry messages', () => {
  const bad = (bytes: Uint8Array, reason = 'invalid') => expect(decodeBusMessage(bytes)).toMatchObject({ ok: false, reason });

  const register = (o: { id?: bigint; type?: number; host?: string | Uint8Array | null; port?: number; region?: string | Uint8Array; capacity?: number } = {}) =>
    raw((b) => {
      const host = o.host === null ? 0 : b.createString(o.host ?? 'h.example');
      const region = o.region === undefined ? 0 : b.createString(o.region);
      RegistryRegister.startRegistryRegister(b);
      RegistryRegister.addRequestId(b, o.id ?? 1n);
      RegistryRegister.addType(b, o.type ?? ServerType.Zone);
      if (host !== 0) RegistryRegister.addHost(b, host);
      RegistryRegister.addPort(b, o.port ?? 9001);
      if (region !== 0) RegistryRegister.addRegion(b, region);
      RegistryRegister.addCapacity(b, o.capacity ?? 100);
      return [BusBodyType.RegistryRegister, b.endObject()];
    });

  it('RegistryRegister: ids, type, host, port, region, capacity', () => {
    expect(decodeOk(register()).body).toEqual({
      type: 'registryRegister', requestId: 1, serverType: ServerType.Zone, host: 'h.example', port: 9001, region: '', capacity: 100,
    });
    bad(register({ id: 0n }));
    bad(register({ id: 2n ** 53n }));
    bad(register({ type: ServerType.None }));
    bad(register({ type: 200 }));
    bad(register({ host: null }), 'malformed'); // required
    bad(register({ host: '' }));
    bad(register({ host: 'a b' }));
    bad(register({ host: 'a\u0000b' }));
    bad(register({ host: 'h'.repeat(254) })); // over the verifier's byte cap
    bad(register({ port: 0 }));
    bad(register({ capacity: 0 }));
    bad(register({ region: 'eu\u0007' }));
    bad(register({ region: Uint8Array.of(0x65, 0xff) })); // not UTF-8
    bad(register({ region: 'r'.repeat(65) }));
    expect(decodeOk(register({ region: '😀'.repeat(64), port: 65535, capacity: 4_294_967_295 })).body).toMatchObject({ port: 65535 });
  });

  it('RegistryHeartbeat: finite, non-negative load', () => {
    const hb = (load: number, id = 1n) => raw((b) => [BusBodyType.RegistryHeartbeat, RegistryHeartbeat.createRegistryHeartbeat(b, id, load, 3)]);
    expect(decodeOk(hb(2.5)).body).toEqual({ type: 'registryHeartbeat', requestId: 1, load: 2.5, players: 3 });
    bad(hb(NaN));
    bad(hb(Infinity));
    bad(hb(-0.5));
    bad(hb(1, 0n));
  });

  it('RegistryQuery and RegistryDeregister: request id and type', () => {
    const q = (type: number, id = 1n) => raw((b) => [BusBodyType.RegistryQuery, RegistryQuery.createRegistryQuery(b, id, type)]);
    expect(decodeOk(q(ServerType.Chat)).body).toEqual({ type: 'registryQuery', requestId: 1, serverType: ServerType.Chat });
    bad(q(ServerType.None));
    bad(q(8));
    bad(q(ServerType.Zone, 0n));
    const d = (id: bigint) => raw((b) => [BusBodyType.RegistryDeregister, RegistryDeregister.createRegistryDeregister(b, id)]);
    expect(decodeOk(d(5n)).body).toEqual({ type: 'registryDeregister', requestId: 5 });
    bad(d(0n)); // also what an absent request_id reads as
    bad(d(2n ** 64n - 1n));
  });

  type Rec = { id?: string | null; type?: number; host?: string; port?: number; load?: number; capacity?: number };
  const reply = (o: { ok?: boolean; code?: number; error?: string; field?: string; recs?: Rec[]; total?: number } = {}) =>
    raw((b) => {
      const recs = (o.recs ?? []).map((r) => {
        const id = r.id === null ? 0 : b.createString(r.id ?? 'zone-1');
        const host = b.createString(r.host ?? 'h');
        ServerRecord.startServerRecord(b);
        if (id !== 0) ServerRecord.addId(b, id);
        ServerRecord.addType(b, r.type ?? ServerType.Zone);
        ServerRecord.addHost(b, host);
        ServerRecord.addPort(b, r.port ?? 1);
        ServerRecord.addLoad(b, r.load ?? 0);
        ServerRecord.addCapacity(b, r.capacity ?? 1);
        return b.endObject();
      });
      const servers = recs.length > 0 ? RegistryReply.createServersVector(b, recs) : 0;
      const error = b.createString(o.error ?? '');
      const field = b.createString(o.field ?? '');
      const ok = o.ok ?? true;
      return [
        BusBodyType.RegistryReply,
        RegistryReply.createRegistryReply(b, 1n, ok, o.code ?? (ok ? RegistryErrorCode.None : RegistryErrorCode.Invalid), error, field, servers, o.total ?? recs.length),
      ];
    });

  it('RegistryReply: code consistent with ok, texts, records, total', () => {
    expect(decodeOk(reply({ recs: [{}] })).body).toMatchObject({ ok: true, servers: [{ id: 'zone-1', active: false, region: '' }], total: 1 });
    expect(decodeOk(reply({ ok: false, error: 'port: bad', field: 'port' })).body).toMatchObject({ ok: false, field: 'port' });
    bad(reply({ ok: true, code: RegistryErrorCode.Full }));
    bad(reply({ ok: false, code: RegistryErrorCode.None }));
    bad(reply({ ok: false, code: 6 }));
    bad(reply({ ok: false, error: 'a\nb' }));
    bad(reply({ ok: false, field: 'f'.repeat(65) }));
    bad(reply({ recs: [{}, {}], total: 1 }));
    bad(reply({ recs: Array.from({ length: 65 }, () => ({})) }));
    bad(reply({ recs: [{ id: null }] }), 'malformed'); // required
    bad(reply({ recs: [{ id: 'a b' }] }));
    bad(reply({ recs: [{ type: ServerType.None }] }));
    bad(reply({ recs: [{ host: 'a b' }] }));
    bad(reply({ recs: [{ port: 0 }] }));
    bad(reply({ recs: [{ capacity: 0 }] }));
    bad(reply({ recs: [{ load: NaN }] }));
    bad(reply({ recs: [{ load: -1 }] }));
  });
});

// ------------------------------------------------------------------ specs mirror the schema

const GEN = path.join(ROOT, 'src/protocol/generated/mmo/cluster');
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function expectedRead(f: FieldSpec): RegExp {
  switch (f.kind) {
    case 'scalar':
      return { 1: /read(Int8|Uint8)\(/, 2: /read(Int16|Uint16)\(/, 4: /read(Int32|Uint32|Float32)\(/, 8: /read(Float64|Int64|Uint64)\(/ }[f.size];
    case 'unionType':
      return /readUint8\(/;
    case 'string':
      return /__string\(/;
    case 'vector':
    case 'tableVector':
      return /__vector\(|__vector_len\(/;
    case 'struct':
      return /__init\(this\.bb_pos \+ offset/;
    case 'table':
      return /__indirect\(/;
    case 'union':
      return /__union\(/;
  }
}

describe('verifier specs mirror cluster.fbs', () => {
  for (const spec of CLUSTER_TABLE_SPECS) {
    it(spec.name, () => check(spec));
  }
  it('ItemStack is 8 bytes', () => {
    expect(ItemStack.sizeOf()).toBe(ITEM_STACK_SIZE);
  });
});

function check(spec: TableSpec): void {
  const src = fs.readFileSync(path.join(GEN, `${kebab(spec.name)}.ts`), 'utf8');
  const re = /\n(\w+)(?:<[^>\n]*>)?\([^)\n]*\)[^{\n]*\{\n\s*const offset = this\.bb!\.__offset\(this\.bb_pos, (\d+)\);\n\s*return ([^\n]*)/g;
  const byId = new Map<number, { name: string; read: string }>();
  for (const m of src.matchAll(re)) {
    const id = (Number(m[2]) - 4) / 2;
    if (!byId.has(id)) byId.set(id, { name: m[1], read: m[3] });
  }
  const so = /builder\.startObject\((\d+)\)/.exec(src);
  expect(so, `${spec.name}: startObject`).not.toBeNull();
  expect(Number(so![1]), `${spec.name}: field count`).toBe(spec.fields.length);
  const ids = [...byId.keys()].sort((a, b) => a - b);
  expect(ids.map((id) => byId.get(id)!.name), `${spec.name}: field names in id order`).toEqual(
    spec.fields.map((f) => camel(f.name)),
  );
  ids.forEach((id) => expect(byId.get(id)!.read, `${spec.name}.${byId.get(id)!.name}`).toMatch(expectedRead(spec.fields[id])));
  const required = [...src.matchAll(/builder\.requiredField\(offset, (\d+)\)/g)].map((m) => (Number(m[1]) - 4) / 2);
  expect(required, `${spec.name}: required fields`).toEqual(spec.fields.flatMap((f, i) => (f.required ? [i] : [])));
}

// ------------------------------------------------------------------ flatc reads what we encode

const FLATC = process.env.FLATC ?? '/usr/bin/flatc';
const HAVE_FLATC = fs.existsSync(FLATC);
const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!HAVE_FLATC)('flatc --json reads what we encode (cluster.fbs)', () => {
  it('every message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmo-bus-json-'));
    tmpDirs.push(dir);
    const names = Object.keys(BODIES);
    const files = names.map((n) => {
      const f = path.join(dir, `${n}.bin`);
      fs.writeFileSync(f, encodeBusMessage(env(BODIES[n as BusBody['type']])));
      return f;
    });
    execFileSync(FLATC, ['--json', '--strict-json', '--defaults-json', '-o', dir, path.join(ROOT, 'schemas/cluster.fbs'), '--', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const json = (n: string) => JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), 'utf8'));
    const t = json('playerTransfer');
    expect(t.from).toBe('zone-1');
    expect(t.seq).toBe(1);
    expect(t.mac).toEqual([...mac]);
    expect(t.body_type).toBe('PlayerTransfer');
    const p = BODIES.playerTransfer as Extract<BusBody, { type: 'playerTransfer' }>;
    // flatc prints floats with 6 decimals.
    expect(t.body.x).toBeCloseTo(p.x, 5);
    expect(t.body).toEqual({
      transfer_id: p.transferId, player_id: p.playerId, name: p.name, from_zone: p.fromZone, to_zone: p.toZone,
      level: p.level, hp: p.hp, max_hp: p.maxHp, mana: p.mana, max_mana: p.maxMana, x: t.body.x, y: p.y,
      inventory: p.inventory.map((s) => ({ item_type: s.itemType, quantity: s.quantity })),
    });
    expect(json('hello').body).toEqual({ server_id: 'zone-1', server_type: 'Zone', nonce: '0123456789abcdef0123456789abcdef', proof: [...proof] });
    expect(json('helloAck').body).toMatchObject({ server_type: 'Gateway', to: 'zone-1', want_reply: true });
    expect(json('globalChat').body).toEqual({ channel: 'trade_1', sender: 'Bob', text: 'WTS "sword" ок 😀' });
    expect(json('serverStatus').body).toEqual({ server_id: 'zone-1', players: 123, capacity: 1000, cpu: 37.5, memory_mb: 812, active_zones: 4 });
    expect(json('loadReport').body).toEqual({ server_id: 'zone-1', load: 0.25, capacity: 1000 });
    expect(json('globalEvent').body).toEqual({ kind: 3, text: 'double xp', value: -1.5e300 });
    expect(json('registryRegister').body).toEqual({
      request_id: 2 ** 53 - 1, type: 'Zone', host: 'zone-1.eu.example', port: 65535, region: 'eu-west Östra 😀', capacity: 4_294_967_295,
    });
    expect(json('registryHeartbeat').body).toEqual({ request_id: 7, load: 17.5, players: 4_294_967_295 });
    expect(json('registryQuery').body).toEqual({ request_id: 8, type: 'Gateway' });
    expect(json('registryDeregister').body).toEqual({ request_id: 9 });
    expect(json('registryReply').body).toEqual({
      request_id: 10, ok: true, code: 'None', total: 3,
      servers: [
        { id: 'zone-2', type: 'Zone', host: '::1', port: 1, load: 0, capacity: 1, active: true, players: 0 },
        { id: 'zone-1', type: 'Zone', host: '10.0.0.5', port: 9001, region: 'eu', load: 150.5, capacity: 200, active: false, players: 150 },
      ],
    });
    for (const n of names) expect(json(n).body_type.toLowerCase()).toBe(n.toLowerCase());
  });
});
