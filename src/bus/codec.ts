// Bus codec: plain objects <-> one BusMessage FlatBuffer (schemas/cluster.fbs).
//
// encodeBusMessage checks every field against the schema's documented ranges first and throws
// BusEncodeError on a violation (a sender finds out at once, instead of every receiver
// silently dropping the message). It returns a fresh copy, safe to keep.
//
// decodeBusMessage is for UNTRUSTED bytes: it never throws and runs in time linear in the
// size. It caps the size, then runs the shared bounds-checking Verifier
// (src/protocol/verify.ts) over the whole buffer with the union whitelist and string caps of
// specs.ts before any generated accessor reads it, then checks UTF-8, character counts,
// charsets and numeric ranges (finite floats, ids >= 1, hp <= max_hp, ...). The result holds no
// reference to the input buffer.
//
// Who sent a message is not the codec's business: the bus takes it from the subject (endpoint.ts).

import * as flatbuffers from 'flatbuffers';

import { ErrorCode } from '../protocol/index.js';
import {
  BusBody,
  BusMessage as BusMessageTable,
  GlobalChat,
  ItemStack,
  PlayerTransfer,
  TransferAck,
} from '../protocol/generated/cluster_generated.js';
import { Verifier } from '../protocol/verify.js';
import type { PlayerState } from '../sim/index.js';
import type { BusPayload, ItemStackObj } from './messages.js';
import {
  BUS_MESSAGE_SPEC,
  CHANNEL_MAX_CHARS,
  INVENTORY_MAX_STACKS,
  NAME_MAX_CHARS,
  TEXT_MAX_CHARS,
  TRANSFER_ID_MAX_BYTES,
} from './specs.js';

/** File identifier at bytes 4..7 of every bus message. */
export const BUS_FILE_IDENTIFIER = 'MMB2';
/** Largest bus message in bytes; anything longer is dropped unread. */
export const MAX_BUS_MESSAGE_BYTES = 65_536;
/** Largest player id: JavaScript numbers are exact up to here. */
export const MAX_SAFE_ID = Number.MAX_SAFE_INTEGER;
const MAX_F32 = 3.4028234663852886e38;

/** Why an inbound message was dropped by the codec. */
export type CodecDropReason = 'oversized' | 'malformed' | 'unknownType' | 'invalid';

export type BusDecodeResult =
  | { ok: true; body: BusPayload }
  | { ok: false; reason: CodecDropReason; detail: string };

export class BusEncodeError extends Error {
  override name = 'BusEncodeError';
}

// ---------------------------------------------------------------- value rules (both directions)

const CHANNEL_RE = /^[A-Za-z0-9_-]{1,32}$/;

function isPrintableAscii(s: string, min: number, maxBytes: number): boolean {
  if (s.length < min || s.length > maxBytes) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Text rule: min..max code points, no control characters, no lone surrogates. */
function textProblem(s: string, min: number, max: number): string | null {
  let chars = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `control character U+${c.toString(16).padStart(4, '0')}`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return 'lone surrogate';
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return 'lone surrogate';
    }
    chars++;
    if (chars > max) break;
  }
  if (chars < min || chars > max) return `${chars > max ? `more than ${max}` : chars} characters, allowed ${min}..${max}`;
  return null;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isF32(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_F32;
}

const str = (what: string, v: unknown, min: number, max: number): string | null => {
  if (typeof v !== 'string') return `${what} is not a string`;
  const p = textProblem(v, min, max);
  return p === null ? null : `${what}: ${p}`;
};
const int = (what: string, v: unknown, min: number, max: number): string | null =>
  isInt(v, min, max) ? null : `${what} must be an integer in ${min}..${max}, got ${String(v)}`;
const first = (...problems: (string | null)[]): string | null => problems.find((p) => p !== null) ?? null;
const transferId = (v: unknown): string | null =>
  typeof v === 'string' && isPrintableAscii(v, 1, TRANSFER_ID_MAX_BYTES)
    ? null
    : `transferId must be 1..${TRANSFER_ID_MAX_BYTES} printable ASCII characters`;

/** The sim's PlayerState within the wire's ranges (cluster.fbs, PlayerTransfer). */
function stateProblem(st: PlayerState): string | null {
  return first(
    int('level', st.level, 1, 0xffff),
    int('maxHp', st.maxHp, 1, 0x7fffffff),
    int('hp', st.hp, 0, isInt(st.maxHp, 1, 0x7fffffff) ? st.maxHp : 0x7fffffff),
    int('maxMana', st.maxMana, 0, 0x7fffffff),
    int('mana', st.mana, 0, isInt(st.maxMana, 0, 0x7fffffff) ? st.maxMana : 0x7fffffff),
    isF32(st.x) && isF32(st.y) ? null : 'x and y must be finite float32 values',
  );
}

/**
 * Checks a body against the ranges documented in cluster.fbs. Returns null when valid, else
 * what is wrong. Used before encoding and after decoding.
 */
export function checkBody(b: BusPayload): string | null {
  if (b === null || typeof b !== 'object') return 'body is not an object';
  switch (b.type) {
    case 'playerTransfer': {
      const p = first(
        transferId(b.transferId),
        int('playerId', b.playerId, 1, MAX_SAFE_ID),
        str('name', b.name, 1, NAME_MAX_CHARS),
        int('fromZone', b.fromZone, 0, 0xffff),
        int('toZone', b.toZone, 0, 0xffff),
        b.state !== null && typeof b.state === 'object' ? stateProblem(b.state) : 'state is not an object',
        Array.isArray(b.inventory) && b.inventory.length <= INVENTORY_MAX_STACKS
          ? null
          : `inventory must be an array of at most ${INVENTORY_MAX_STACKS} stacks`,
      );
      if (p !== null) return p;
      const seen = new Set<number>();
      for (const s of b.inventory) {
        if (s === null || typeof s !== 'object' || !isInt(s.itemType, 1, 0xffffffff) || !isInt(s.quantity, 1, 0xffffffff)) {
          return 'inventory stacks need itemType and quantity in 1..4294967295';
        }
        if (seen.has(s.itemType)) return `inventory lists item type ${s.itemType} twice`;
        seen.add(s.itemType);
      }
      return null;
    }
    case 'transferAck':
      return first(
        transferId(b.transferId),
        typeof b.accepted === 'boolean' ? null : 'accepted must be a boolean',
        str('reason', b.reason, 0, TEXT_MAX_CHARS),
      );
    case 'globalChat':
      return first(
        typeof b.channel === 'string' && b.channel.length <= CHANNEL_MAX_CHARS && CHANNEL_RE.test(b.channel)
          ? null
          : `channel must be 1..${CHANNEL_MAX_CHARS} characters of [A-Za-z0-9_-]`,
        str('sender', b.sender, 1, NAME_MAX_CHARS),
        str('text', b.text, 1, TEXT_MAX_CHARS),
      );
    default:
      return `unknown body type ${String((b as { type?: unknown }).type)}`;
  }
}

// ---------------------------------------------------------------- encode

const builder = new flatbuffers.Builder(1024);

function encodeBody(b: flatbuffers.Builder, body: BusPayload): [BusBody, flatbuffers.Offset] {
  switch (body.type) {
    case 'playerTransfer': {
      const tid = b.createString(body.transferId);
      const name = b.createString(body.name);
      let inv = 0;
      if (body.inventory.length > 0) {
        PlayerTransfer.startInventoryVector(b, body.inventory.length);
        for (let i = body.inventory.length - 1; i >= 0; i--) {
          const s = body.inventory[i];
          ItemStack.createItemStack(b, s.itemType, s.quantity);
        }
        inv = b.endVector();
      }
      const st = body.state;
      PlayerTransfer.startPlayerTransfer(b);
      PlayerTransfer.addTransferId(b, tid);
      PlayerTransfer.addPlayerId(b, BigInt(body.playerId));
      PlayerTransfer.addName(b, name);
      PlayerTransfer.addFromZone(b, body.fromZone);
      PlayerTransfer.addToZone(b, body.toZone);
      PlayerTransfer.addLevel(b, st.level);
      PlayerTransfer.addHp(b, st.hp);
      PlayerTransfer.addMaxHp(b, st.maxHp);
      PlayerTransfer.addMana(b, st.mana);
      PlayerTransfer.addMaxMana(b, st.maxMana);
      // Written even when 0 so that -0 survives: a transferred position is bit-identical.
      b.forceDefaults(true);
      PlayerTransfer.addX(b, st.x);
      PlayerTransfer.addY(b, st.y);
      b.forceDefaults(false);
      if (inv !== 0) PlayerTransfer.addInventory(b, inv);
      return [BusBody.PlayerTransfer, PlayerTransfer.endPlayerTransfer(b)];
    }
    case 'transferAck': {
      const tid = b.createString(body.transferId);
      const reason = body.reason === '' ? 0 : b.createString(body.reason);
      TransferAck.startTransferAck(b);
      TransferAck.addTransferId(b, tid);
      TransferAck.addAccepted(b, body.accepted);
      if (reason !== 0) TransferAck.addReason(b, reason);
      return [BusBody.TransferAck, TransferAck.endTransferAck(b)];
    }
    case 'globalChat': {
      const channel = b.createString(body.channel);
      const sender = b.createString(body.sender);
      const text = b.createString(body.text);
      return [BusBody.GlobalChat, GlobalChat.createGlobalChat(b, channel, sender, text)];
    }
  }
}

/**
 * Encodes one bus message after checking it (BusEncodeError when a field is out of range or
 * the result exceeds MAX_BUS_MESSAGE_BYTES). Returns a fresh copy.
 */
export function encodeBusMessage(body: BusPayload): Uint8Array {
  const problem = checkBody(body);
  if (problem !== null) throw new BusEncodeError(`cannot encode ${String(body?.type)}: ${problem}`);
  const b = builder;
  b.clear();
  const [type, bodyOff] = encodeBody(b, body);
  BusMessageTable.startBusMessage(b);
  BusMessageTable.addBodyType(b, type);
  BusMessageTable.addBody(b, bodyOff);
  BusMessageTable.finishBusMessageBuffer(b, BusMessageTable.endBusMessage(b));
  const out = b.asUint8Array().slice();
  if (out.length > MAX_BUS_MESSAGE_BYTES) {
    throw new BusEncodeError(`${body.type} encodes to ${out.length} bytes, more than ${MAX_BUS_MESSAGE_BYTES}`);
  }
  return out;
}

// ---------------------------------------------------------------- decode (untrusted)

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8 = flatbuffers.Encoding.UTF8_BYTES;

class Invalid extends Error {}

/** Reads a verified string field as bytes and decodes it strictly; '' when absent. */
function text(raw: string | Uint8Array | null, what: string): string {
  if (raw === null) return '';
  try {
    return fatalUtf8.decode(raw as Uint8Array);
  } catch {
    throw new Invalid(`${what} is not valid UTF-8`);
  }
}

function u64(v: bigint, what: string): number {
  if (v > BigInt(MAX_SAFE_ID)) throw new Invalid(`${what} ${v} exceeds 2^53-1`);
  return Number(v);
}

function readBody(root: BusMessageTable): BusPayload {
  switch (root.bodyType()) {
    case BusBody.PlayerTransfer: {
      const t = root.body(new PlayerTransfer()) as PlayerTransfer;
      const n = t.inventoryLength();
      if (n > INVENTORY_MAX_STACKS) throw new Invalid(`inventory has ${n} stacks, at most ${INVENTORY_MAX_STACKS}`);
      const inventory: ItemStackObj[] = [];
      const s = new ItemStack();
      for (let i = 0; i < n; i++) {
        t.inventory(i, s);
        inventory.push({ itemType: s.itemType(), quantity: s.quantity() });
      }
      return {
        type: 'playerTransfer',
        transferId: text(t.transferId(UTF8), 'PlayerTransfer.transfer_id'),
        playerId: u64(t.playerId(), 'PlayerTransfer.player_id'),
        name: text(t.name(UTF8), 'PlayerTransfer.name'),
        fromZone: t.fromZone(),
        toZone: t.toZone(),
        state: { x: t.x(), y: t.y(), level: t.level(), hp: t.hp(), maxHp: t.maxHp(), mana: t.mana(), maxMana: t.maxMana() },
        inventory,
      };
    }
    case BusBody.TransferAck: {
      const a = root.body(new TransferAck()) as TransferAck;
      return {
        type: 'transferAck',
        transferId: text(a.transferId(UTF8), 'TransferAck.transfer_id'),
        accepted: a.accepted(),
        reason: text(a.reason(UTF8), 'TransferAck.reason'),
      };
    }
    case BusBody.GlobalChat: {
      const c = root.body(new GlobalChat()) as GlobalChat;
      return {
        type: 'globalChat',
        channel: text(c.channel(UTF8), 'GlobalChat.channel'),
        sender: text(c.sender(UTF8), 'GlobalChat.sender'),
        text: text(c.text(UTF8), 'GlobalChat.text'),
      };
    }
    default:
      // Unreachable: the verifier whitelists the union types.
      throw new Invalid(`unknown body type ${root.bodyType()}`);
  }
}

function asBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** Decodes and validates one untrusted bus message. Never throws. */
export function decodeBusMessage(data: Uint8Array | ArrayBuffer): BusDecodeResult {
  const bytes = asBytes(data);
  if (bytes === null) return { ok: false, reason: 'malformed', detail: 'not binary data' };
  if (bytes.byteLength > MAX_BUS_MESSAGE_BYTES) {
    return { ok: false, reason: 'oversized', detail: `${bytes.byteLength} bytes, at most ${MAX_BUS_MESSAGE_BYTES}` };
  }
  const v = new Verifier(bytes);
  const rootPos = v.verifyRoot(BUS_FILE_IDENTIFIER, BUS_MESSAGE_SPEC);
  if (rootPos < 0) {
    const f = v.failure!;
    const reason: CodecDropReason =
      f.code === ErrorCode.UnknownMessage ? 'unknownType' : f.code === ErrorCode.BadString ? 'invalid' : 'malformed';
    return { ok: false, reason, detail: f.reason };
  }
  try {
    const body = readBody(new BusMessageTable().__init(rootPos, new flatbuffers.ByteBuffer(bytes)));
    const problem = checkBody(body);
    if (problem !== null) return { ok: false, reason: 'invalid', detail: `${body.type}: ${problem}` };
    return { ok: true, body };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: 'invalid', detail: err.message };
    return { ok: false, reason: 'malformed', detail: (err as Error).message };
  }
}
