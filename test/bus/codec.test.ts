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
  decodeBusMessage,
  encodeBusMessage,
  type BusPayload,
  type PlayerTransferBody,
} from '../../src/bus/index.js';
import { CLUSTER_TABLE_SPECS, ITEM_STACK_SIZE, TRANSFER_ID_MAX_BYTES } from '../../src/bus/specs.js';
import {
  BusBody as BusBodyType,
  BusMessage,
  GlobalChat,
  ItemStack,
  PlayerTransfer,
} from '../../src/protocol/generated/cluster_generated.js';
import type { FieldSpec, TableSpec } from '../../src/protocol/verify.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const TRANSFER: PlayerTransferBody = {
  type: 'playerTransfer',
  transferId: 'zone-1-42-0001',
  playerId: 2 ** 53 - 1,
  name: 'Åsa 😀',
  fromZone: 1,
  toZone: 65535,
  state: { x: Math.fround(1024.7), y: Math.fround(-0.15625), level: 12, hp: 0, maxHp: 2_000_000_000, mana: 50, maxMana: 50 },
  inventory: [
    { itemType: 1, quantity: 3 },
    { itemType: 3, quantity: 4_294_967_295 },
  ],
};

const BODIES: Record<BusPayload['type'], BusPayload> = {
  playerTransfer: TRANSFER,
  transferAck: { type: 'transferAck', transferId: 'zone-1-42-0001', accepted: false, reason: 'zone full — try later' },
  globalChat: { type: 'globalChat', channel: 'trade_1', sender: 'Bob', text: 'WTS "sword" ок 😀' },
};

const withState = (st: Partial<PlayerTransferBody['state']>): BusPayload => ({ ...TRANSFER, state: { ...TRANSFER.state, ...st } });

function decodeOk(bytes: Uint8Array): BusPayload {
  const r = decodeBusMessage(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.reason}: ${r.detail}`);
  return r.body;
}

/** Builds a BusMessage with arbitrary (unchecked) content through the generated builders. */
function raw(build: (b: flatbuffers.Builder) => [number, number]): Uint8Array {
  const b = new flatbuffers.Builder(256);
  const [type, off] = build(b);
  BusMessage.startBusMessage(b);
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
      const bytes = encodeBusMessage(body);
      expect(bytes.length % 4).toBe(0);
      expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('MMB2');
      const back = decodeOk(bytes);
      expect(back).toEqual(body);
      // The result does not alias the input.
      bytes.fill(0);
      expect(back).toEqual(body);
    });
  }

  it('defaults: empty inventory, empty texts, zero ids where allowed, -0 positions', () => {
    const bodies: BusPayload[] = [
      { ...TRANSFER, inventory: [], fromZone: 0, toZone: 0, state: { ...TRANSFER.state, hp: 0, mana: 0, maxMana: 0, x: 0, y: -0 } },
      { type: 'transferAck', transferId: 't', accepted: true, reason: '' },
    ];
    for (const body of bodies) expect(decodeOk(encodeBusMessage(body))).toEqual(body);
    expect(Object.is((decodeOk(encodeBusMessage(bodies[0])) as PlayerTransferBody).state.y, -0)).toBe(true);
  });

  it('a maximal PlayerTransfer fits well under the size cap', () => {
    const inventory = Array.from({ length: 1024 }, (_, i) => ({ itemType: i + 1, quantity: 4_294_967_295 }));
    const body = { ...TRANSFER, name: '😀'.repeat(24), transferId: 'x'.repeat(TRANSFER_ID_MAX_BYTES), inventory };
    const bytes = encodeBusMessage(body);
    expect(bytes.length).toBeLessThan(MAX_BUS_MESSAGE_BYTES / 4);
    expect(decodeOk(bytes)).toEqual(body);
  });
});

describe('encode refuses out-of-range values', () => {
  const bad: [string, BusPayload][] = [
    ['chat text of 257 characters', { ...BODIES.globalChat, text: 'a'.repeat(257) } as BusPayload],
    ['empty chat text', { ...BODIES.globalChat, text: '' } as BusPayload],
    ['control character', { ...BODIES.globalChat, text: 'a\u0007b' } as BusPayload],
    ['lone surrogate', { ...BODIES.globalChat, text: 'a\ud800' } as BusPayload],
    ['channel with a dot', { ...BODIES.globalChat, channel: 'a.b' } as BusPayload],
    ['name of 25 characters', { ...TRANSFER, name: 'n'.repeat(25) }],
    ['hp above max', withState({ hp: 11, maxHp: 10 })],
    ['level 0', withState({ level: 0 })],
    ['NaN position', withState({ x: NaN })],
    ['position beyond float32', withState({ y: 1e39 })],
    ['no state', { ...TRANSFER, state: undefined } as unknown as BusPayload],
    ['duplicate item type', { ...TRANSFER, inventory: [{ itemType: 1, quantity: 1 }, { itemType: 1, quantity: 2 }] }],
    ['zone id beyond uint16', { ...TRANSFER, toZone: 65536 }],
    ['player id 0', { ...TRANSFER, playerId: 0 }],
    ['player id beyond 2^53', { ...TRANSFER, playerId: 2 ** 53 }],
    ['transfer id with a space', { ...TRANSFER, transferId: 'a b' }],
    ['ack reason of 257 characters', { ...BODIES.transferAck, reason: 'r'.repeat(257) } as BusPayload],
    ['unknown body type', { type: 'teleport' } as unknown as BusPayload],
  ];
  for (const [what, body] of bad) {
    it(what, () => {
      expect(() => encodeBusMessage(body)).toThrow(BusEncodeError);
    });
  }
});

describe('decode of untrusted bytes', () => {
  const good = encodeBusMessage(TRANSFER);

  it('oversized input is refused unread', () => {
    const r = decodeBusMessage(new Uint8Array(MAX_BUS_MESSAGE_BYTES + 4));
    expect(r).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('empty, short, misaligned, wrong identifier (a client frame, a version-1 bus message), not binary', () => {
    expect(decodeBusMessage(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBusMessage(new Uint8Array(4))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeBusMessage(good.subarray(0, good.length - 1))).toMatchObject({ ok: false, reason: 'malformed' });
    for (const id of ['MMOC', 'MMOB']) {
      const wrongId = good.slice();
      wrongId.set([...id].map((c) => c.charCodeAt(0)), 4);
      expect(decodeBusMessage(wrongId)).toMatchObject({ ok: false, reason: 'malformed' });
    }
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
      if (len >= 8 && rand() < 0.5) bytes.set([77, 77, 66, 50], 4); // right identifier half the time
      expect(() => decodeBusMessage(bytes)).not.toThrow();
    }
    for (const body of Object.values(BODIES)) {
      const base = encodeBusMessage(body);
      for (let i = 0; i < 400; i++) {
        const bytes = base.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] ^= 1 << Math.floor(rand() * 8);
        const r = decodeBusMessage(bytes);
        if (r.ok) {
          accepted++;
          // Whatever survives re-encodes (so it passed every value check).
          expect(() => encodeBusMessage(r.body)).not.toThrow();
        }
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('a forged vector length is refused by the bounds check', () => {
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

  it('unknown union types (the removed version-1 bodies among them) are refused by the whitelist', () => {
    for (const t of [4, 15, 99, 255]) {
      const bytes = rawChat('hi');
      const bb = new flatbuffers.ByteBuffer(bytes);
      const root = BusMessage.getRootAsBusMessage(bb);
      bytes[root.bb_pos + bb.__offset(root.bb_pos, 4)] = t;
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

  it('numbers: NaN and infinite positions, player id beyond 2^53', () => {
    const transfer = (x: number, playerId = 1n) =>
      raw((b) => {
        const tid = b.createString('t');
        const name = b.createString('n');
        return [BusBodyType.PlayerTransfer, PlayerTransfer.createPlayerTransfer(b, tid, playerId, name, 1, 2, 1, 1, 1, 0, 0, x, 0, 0)];
      });
    expect(decodeBusMessage(transfer(Infinity))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(transfer(NaN))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(transfer(0, 2n ** 53n))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(decodeBusMessage(transfer(1.5)).ok).toBe(true);
  });

  it('a body-less or type-less message is malformed', () => {
    // No body at all (the generated end function would refuse; build the table by hand).
    const b = new flatbuffers.Builder(64);
    b.startObject(2);
    b.addFieldInt8(0, BusBodyType.GlobalChat, 0);
    b.finish(b.endObject(), 'MMB2');
    expect(decodeBusMessage(b.asUint8Array().slice())).toMatchObject({ ok: false, reason: 'malformed' });
    // A body but no type byte.
    const c = new flatbuffers.Builder(64);
    const ch = c.createString('main');
    const chat = GlobalChat.createGlobalChat(c, ch, ch, ch);
    c.startObject(2);
    c.addFieldOffset(1, chat, 0);
    c.finish(c.endObject(), 'MMB2');
    expect(decodeBusMessage(c.asUint8Array().slice())).toMatchObject({ ok: false, reason: 'malformed' });
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
    const names = Object.keys(BODIES) as BusPayload['type'][];
    const files = names.map((n) => {
      const f = path.join(dir, `${n}.bin`);
      fs.writeFileSync(f, encodeBusMessage(BODIES[n]));
      return f;
    });
    execFileSync(FLATC, ['--json', '--strict-json', '--defaults-json', '-o', dir, path.join(ROOT, 'schemas/cluster.fbs'), '--', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const json = (n: string) => JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), 'utf8'));
    const t = json('playerTransfer');
    expect(t.body_type).toBe('PlayerTransfer');
    const p = TRANSFER, st = p.state;
    // flatc prints floats with 6 decimals.
    expect(t.body.x).toBeCloseTo(st.x, 5);
    expect(t.body).toEqual({
      transfer_id: p.transferId, player_id: p.playerId, name: p.name, from_zone: p.fromZone, to_zone: p.toZone,
      level: st.level, hp: st.hp, max_hp: st.maxHp, mana: st.mana, max_mana: st.maxMana, x: t.body.x, y: st.y,
      inventory: p.inventory.map((s) => ({ item_type: s.itemType, quantity: s.quantity })),
    });
    expect(json('transferAck').body).toEqual({ transfer_id: 'zone-1-42-0001', accepted: false, reason: 'zone full — try later' });
    expect(json('globalChat').body).toEqual({ channel: 'trade_1', sender: 'Bob', text: 'WTS "sword" ок 😀' });
    for (const n of names) expect(json(n).body_type.toLowerCase()).toBe(n.toLowerCase());
  });
});
