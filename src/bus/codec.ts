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
// Authentication (handshake, MAC, duplicates) is not the codec's business: see endpoint.ts.

import * as flatbuffers from 'flatbuffers';

import { ErrorCode } from '../protocol/index.js';
import {
  BusBody,
  BusMessage as BusMessageTable,
  GlobalChat,
  GlobalEvent,
  GuildMessage,
  Hello,
  HelloAck,
  ItemStack,
  LoadReport,
  PlayerTransfer,
  RegistryDeregister,
  RegistryHeartbeat,
  RegistryQuery,
  RegistryRegister,
  RegistryReply,
  ServerRecord,
  ServerStatus,
  TransferAck,
  ZoneChange,
} from '../protocol/generated/cluster_generated.js';
import { Verifier } from '../protocol/verify.js';
import {
  RegistryErrorCode,
  ServerType,
  type BusBody as BusBodyObj,
  type BusEnvelope,
  type ItemStackObj,
  type ServerRecordObj,
} from './messages.js';
import {
  BUS_MESSAGE_SPEC,
  CHANNEL_MAX_CHARS,
  ENDPOINT_MAX_BYTES,
  HMAC_BYTES,
  HOST_MAX_BYTES,
  INVENTORY_MAX_STACKS,
  NAME_MAX_CHARS,
  REGION_MAX_CHARS,
  REGISTRY_ERROR_MAX_CHARS,
  REGISTRY_FIELD_MAX_CHARS,
  REPLY_MAX_SERVERS,
  SERVER_ID_MAX_CHARS,
  TEXT_MAX_CHARS,
  TOKEN_MAX_BYTES,
  TRANSFER_ID_MAX_BYTES,
} from './specs.js';

/** File identifier at bytes 4..7 of every bus message. */
export const BUS_FILE_IDENTIFIER = 'MMOB';
/** Largest bus message in bytes; anything longer is dropped unread. */
export const MAX_BUS_MESSAGE_BYTES = 65_536;
/** Largest seq / player id / guild id: JavaScript numbers are exact up to here. */
export const MAX_SAFE_ID = Number.MAX_SAFE_INTEGER;
const MAX_F32 = 3.4028234663852886e38;
const MAX_LOAD = 1000;

/** Why an inbound message was dropped by the codec. */
export type CodecDropReason = 'oversized' | 'malformed' | 'unknownType' | 'invalid';

export type BusDecodeResult =
  | {
      ok: true;
      msg: BusEnvelope;
      /** Byte offset of the 32 MAC bytes in the input, or -1 when there is no MAC. */
      macOffset: number;
    }
  | { ok: false; reason: CodecDropReason; detail: string };

export class BusEncodeError extends Error {
  override name = 'BusEncodeError';
}

// ---------------------------------------------------------------- value rules (both directions)

const SERVER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const NONCE_RE = /^[0-9a-f]{32}$/;
const CHANNEL_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** A server id: 1..64 characters of [A-Za-z0-9_-]. */
export function isServerId(s: unknown): s is string {
  return typeof s === 'string' && s.length <= SERVER_ID_MAX_CHARS && SERVER_ID_RE.test(s);
}

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

function isBytes(v: unknown, n: number): v is Uint8Array {
  return v instanceof Uint8Array && v.length === n;
}

const str = (what: string, v: unknown, min: number, max: number): string | null => {
  if (typeof v !== 'string') return `${what} is not a string`;
  const p = textProblem(v, min, max);
  return p === null ? null : `${what}: ${p}`;
};
const int = (what: string, v: unknown, min: number, max: number): string | null =>
  isInt(v, min, max) ? null : `${what} must be an integer in ${min}..${max}, got ${String(v)}`;
const first = (...problems: (string | null)[]): string | null => problems.find((p) => p !== null) ?? null;
const serverType = (v: unknown): string | null =>
  isInt(v, ServerType.Login, ServerType.Gateway) ? null : `server type ${String(v)} is not a ServerType`;
const host = (v: unknown): string | null =>
  typeof v === 'string' && isPrintableAscii(v, 1, HOST_MAX_BYTES)
    ? null
    : `host must be 1..${HOST_MAX_BYTES} printable ASCII characters`;

function checkRecord(r: ServerRecordObj): string | null {
  return first(
    isServerId(r.id) ? null : 'id is not a server id',
    serverType(r.serverType),
    host(r.host),
    int('port', r.port, 1, 0xffff),
    str('region', r.region, 0, REGION_MAX_CHARS),
    typeof r.load === 'number' && Number.isFinite(r.load) && r.load >= 0 ? null : 'load must be finite and >= 0',
    int('capacity', r.capacity, 1, 0xffffffff),
    typeof r.active === 'boolean' ? null : 'active must be a boolean',
    int('players', r.players, 0, 0xffffffff),
  );
}

/**
 * Checks a body against the ranges documented in cluster.fbs. Returns null when valid, else
 * what is wrong. Used before encoding and after decoding.
 */
export function checkBody(b: BusBodyObj): string | null {
  if (b === null || typeof b !== 'object') return 'body is not an object';


  switch (b.type) {
    case 'hello':
      return first(
        isServerId(b.serverId) ? null : 'serverId is not a server id',
        serverType(b.serverType),
        typeof b.nonce === 'string' && NONCE_RE.test(b.nonce) ? null : 'nonce must be 32 lowercase hex characters',
        isBytes(b.proof, HMAC_BYTES) ? null : `proof must be ${HMAC_BYTES} bytes`,
      );
    case 'helloAck':
      return first(
        isServerId(b.serverId) ? null : 'serverId is not a server id',
        serverType(b.serverType),
        typeof b.nonce === 'string' && NONCE_RE.test(b.nonce) ? null : 'nonce must be 32 lowercase hex characters',
        isServerId(b.to) ? null : 'to is not a server id',
        typeof b.echo === 'string' && NONCE_RE.test(b.echo) ? null : 'echo must be 32 lowercase hex characters',
        typeof b.wantReply === 'boolean' ? null : 'wantReply must be a boolean',
        isBytes(b.proof, HMAC_BYTES) ? null : `proof must be ${HMAC_BYTES} bytes`,
      );
    case 'playerTransfer': {
      const p = first(
        typeof b.transferId === 'string' && isPrintableAscii(b.transferId, 1, TRANSFER_ID_MAX_BYTES)
          ? null
          : `transferId must be 1..${TRANSFER_ID_MAX_BYTES} printable ASCII characters`,
        int('playerId', b.playerId, 1, MAX_SAFE_ID),
        str('name', b.name, 1, NAME_MAX_CHARS),
        int('fromZone', b.fromZone, 0, 0xffff),
        int('toZone', b.toZone, 0, 0xffff),
        int('level', b.level, 1, 0xffff),
        int('maxHp', b.maxHp, 1, 0x7fffffff),
        int('hp', b.hp, 0, isInt(b.maxHp, 1, 0x7fffffff) ? b.maxHp : 0x7fffffff),
        int('maxMana', b.maxMana, 0, 0x7fffffff),
        int('mana', b.mana, 0, isInt(b.maxMana, 0, 0x7fffffff) ? b.maxMana : 0x7fffffff),
        isF32(b.x) && isF32(b.y) ? null : 'x and y must be finite float32 values',
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
        typeof b.transferId === 'string' && isPrintableAscii(b.transferId, 1, TRANSFER_ID_MAX_BYTES)
          ? null
          : `transferId must be 1..${TRANSFER_ID_MAX_BYTES} printable ASCII characters`,
        typeof b.accepted === 'boolean' ? null : 'accepted must be a boolean',
        str('reason', b.reason, 0, TEXT_MAX_CHARS),
      );
    case 'zoneChange':
      return first(
        int('playerId', b.playerId, 1, MAX_SAFE_ID),
        typeof b.endpoint === 'string' &&
          isPrintableAscii(b.endpoint, 1, ENDPOINT_MAX_BYTES) &&
          /^wss?:\/\/./.test(b.endpoint)
          ? null
          : `endpoint must be a ws:// or wss:// URL of at most ${ENDPOINT_MAX_BYTES} printable ASCII characters`,
        typeof b.token === 'string' && isPrintableAscii(b.token, 1, TOKEN_MAX_BYTES)
          ? null
          : `token must be 1..${TOKEN_MAX_BYTES} printable ASCII characters`,
        int('zoneId', b.zoneId, 0, 0xffff),
      );
    case 'globalChat':
      return first(
        typeof b.channel === 'string' && b.channel.length <= CHANNEL_MAX_CHARS && CHANNEL_RE.test(b.channel)
          ? null
          : `channel must be 1..${CHANNEL_MAX_CHARS} characters of [A-Za-z0-9_-]`,
        str('sender', b.sender, 1, NAME_MAX_CHARS),
        str('text', b.text, 1, TEXT_MAX_CHARS),
      );
    case 'guildMessage':
      return first(
        int('guildId', b.guildId, 1, MAX_SAFE_ID),
        str('sender', b.sender, 1, NAME_MAX_CHARS),
        str('text', b.text, 1, TEXT_MAX_CHARS),
      );
    case 'globalEvent':
      return first(
        int('kind', b.kind, 1, 0xffff),
        str('text', b.text, 0, TEXT_MAX_CHARS),
        typeof b.value === 'number' && Number.isFinite(b.value) ? null : 'value must be finite',
      );
    case 'serverStatus':
      return first(
        isServerId(b.serverId) ? null : 'serverId is not a server id',
        int('players', b.players, 0, 0xffffffff),
        int('capacity', b.capacity, 0, 0xffffffff),
        isF32(b.cpu) && b.cpu >= 0 ? null : 'cpu must be finite and >= 0',
        int('memoryMb', b.memoryMb, 0, 0xffffffff),
        int('activeZones', b.activeZones, 0, 0xffffffff),
      );
    case 'loadReport':
      return first(
        isServerId(b.serverId) ? null : 'serverId is not a server id',
        typeof b.load === 'number' && Number.isFinite(b.load) && b.load >= 0 && b.load <= MAX_LOAD
          ? null
          : `load must be finite in 0..${MAX_LOAD}`,
        int('capacity', b.capacity, 0, 0xffffffff),
      );
    case 'registryRegister':
      return first(
        int('requestId', b.requestId, 1, MAX_SAFE_ID),
        serverType(b.serverType),
        host(b.host),
        int('port', b.port, 1, 0xffff),
        str('region', b.region, 0, REGION_MAX_CHARS),
        int('capacity', b.capacity, 1, 0xffffffff),
      );
    case 'registryHeartbeat':
      return first(
        int('requestId', b.requestId, 1, MAX_SAFE_ID),
        typeof b.load === 'number' && Number.isFinite(b.load) && b.load >= 0 ? null : 'load must be finite and >= 0',
        int('players', b.players, 0, 0xffffffff),
      );
    case 'registryQuery':
      return first(int('requestId', b.requestId, 1, MAX_SAFE_ID), serverType(b.serverType));
    case 'registryDeregister':
      return int('requestId', b.requestId, 1, MAX_SAFE_ID);
    case 'registryReply': {
      const p = first(
        int('requestId', b.requestId, 1, MAX_SAFE_ID),
        typeof b.ok === 'boolean' ? null : 'ok must be a boolean',
        b.ok === true
          ? b.code === RegistryErrorCode.None
            ? null
            : 'code must be None when ok'
          : isInt(b.code, RegistryErrorCode.Invalid, RegistryErrorCode.Internal)
            ? null
            : `code ${String(b.code)} is not a RegistryErrorCode other than None`,
        str('error', b.error, 0, REGISTRY_ERROR_MAX_CHARS),
        str('field', b.field, 0, REGISTRY_FIELD_MAX_CHARS),
        Array.isArray(b.servers) && b.servers.length <= REPLY_MAX_SERVERS
          ? null
          : `servers must be an array of at most ${REPLY_MAX_SERVERS} records`,
      );
      if (p !== null) return p;
      const t = int('total', b.total, b.servers.length, 0xffffffff);
      if (t !== null) return t;
      for (let i = 0; i < b.servers.length; i++) {
        const r = b.servers[i];
        const q = r === null || typeof r !== 'object' ? 'is not an object' : checkRecord(r);
        if (q !== null) return `servers[${i}]: ${q}`;
      }
      return null;
    }
    default:
      return `unknown body type ${String((b as { type?: unknown }).type)}`;
  }
}

function checkEnvelope(m: BusEnvelope): string | null {
  if (!isServerId(m.from)) return 'from is not a server id';
  if (!isInt(m.seq, 1, MAX_SAFE_ID)) return `seq must be an integer in 1..2^53-1, got ${String(m.seq)}`;
  if (m.mac !== null && !isBytes(m.mac, HMAC_BYTES)) return `mac must be ${HMAC_BYTES} bytes or null`;
  return checkBody(m.body);
}

// ---------------------------------------------------------------- encode

const builder = new flatbuffers.Builder(1024);

function encodeBody(b: flatbuffers.Builder, body: BusBodyObj): [BusBody, flatbuffers.Offset] {
  switch (body.type) {
    case 'hello': {
      const id = b.createString(body.serverId);
      const nonce = b.createString(body.nonce);
      const proof = b.createByteVector(body.proof);
      Hello.startHello(b);
      Hello.addServerId(b, id);
      Hello.addServerType(b, body.serverType);
      Hello.addNonce(b, nonce);
      Hello.addProof(b, proof);
      return [BusBody.Hello, Hello.endHello(b)];
    }
    case 'helloAck': {
      const id = b.createString(body.serverId);
      const nonce = b.createString(body.nonce);
      const to = b.createString(body.to);
      const echo = b.createString(body.echo);
      const proof = b.createByteVector(body.proof);
      HelloAck.startHelloAck(b);
      HelloAck.addServerId(b, id);
      HelloAck.addServerType(b, body.serverType);
      HelloAck.addNonce(b, nonce);
      HelloAck.addTo(b, to);
      HelloAck.addEcho(b, echo);
      HelloAck.addWantReply(b, body.wantReply);
      HelloAck.addProof(b, proof);
      return [BusBody.HelloAck, HelloAck.endHelloAck(b)];
    }
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
      PlayerTransfer.startPlayerTransfer(b);
      PlayerTransfer.addTransferId(b, tid);
      PlayerTransfer.addPlayerId(b, BigInt(body.playerId));
      PlayerTransfer.addName(b, name);
      PlayerTransfer.addFromZone(b, body.fromZone);
      PlayerTransfer.addToZone(b, body.toZone);
      PlayerTransfer.addLevel(b, body.level);
      PlayerTransfer.addHp(b, body.hp);
      PlayerTransfer.addMaxHp(b, body.maxHp);
      PlayerTransfer.addMana(b, body.mana);
      PlayerTransfer.addMaxMana(b, body.maxMana);
      // Written even when 0 so that -0 survives: a transferred position is bit-identical.
      b.forceDefaults(true);
      PlayerTransfer.addX(b, body.x);
      PlayerTransfer.addY(b, body.y);
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
    case 'zoneChange': {
      const endpoint = b.createString(body.endpoint);
      const token = b.createString(body.token);
      ZoneChange.startZoneChange(b);
      ZoneChange.addPlayerId(b, BigInt(body.playerId));
      ZoneChange.addEndpoint(b, endpoint);
      ZoneChange.addToken(b, token);
      ZoneChange.addZoneId(b, body.zoneId);
      return [BusBody.ZoneChange, ZoneChange.endZoneChange(b)];
    }
    case 'globalChat': {
      const channel = b.createString(body.channel);
      const sender = b.createString(body.sender);
      const text = b.createString(body.text);
      return [BusBody.GlobalChat, GlobalChat.createGlobalChat(b, channel, sender, text)];
    }
    case 'guildMessage': {
      const sender = b.createString(body.sender);
      const text = b.createString(body.text);
      return [BusBody.GuildMessage, GuildMessage.createGuildMessage(b, BigInt(body.guildId), sender, text)];
    }
    case 'globalEvent': {
      const text = body.text === '' ? 0 : b.createString(body.text);
      GlobalEvent.startGlobalEvent(b);
      GlobalEvent.addKind(b, body.kind);
      if (text !== 0) GlobalEvent.addText(b, text);
      GlobalEvent.addValue(b, body.value);
      return [BusBody.GlobalEvent, GlobalEvent.endGlobalEvent(b)];
    }
    case 'serverStatus': {
      const id = b.createString(body.serverId);
      return [
        BusBody.ServerStatus,
        ServerStatus.createServerStatus(b, id, body.players, body.capacity, body.cpu, body.memoryMb, body.activeZones),
      ];
    }
    case 'loadReport': {
      const id = b.createString(body.serverId);
      return [BusBody.LoadReport, LoadReport.createLoadReport(b, id, body.load, body.capacity)];
    }
    case 'registryRegister': {
      const host = b.createString(body.host);
      const region = body.region === '' ? 0 : b.createString(body.region);
      return [
        BusBody.RegistryRegister,
        RegistryRegister.createRegistryRegister(b, BigInt(body.requestId), body.serverType, host, body.port, region, body.capacity),
      ];
    }
    case 'registryHeartbeat':
      return [
        BusBody.RegistryHeartbeat,
        RegistryHeartbeat.createRegistryHeartbeat(b, BigInt(body.requestId), body.load, body.players),
      ];
    case 'registryQuery':
      return [BusBody.RegistryQuery, RegistryQuery.createRegistryQuery(b, BigInt(body.requestId), body.serverType)];
    case 'registryDeregister':
      return [BusBody.RegistryDeregister, RegistryDeregister.createRegistryDeregister(b, BigInt(body.requestId))];
    case 'registryReply': {
      const error = body.error === '' ? 0 : b.createString(body.error);
      const field = body.field === '' ? 0 : b.createString(body.field);
      let servers = 0;
      if (body.servers.length > 0) {
        const offs = body.servers.map((r) => {
          const id = b.createString(r.id);
          const host = b.createString(r.host);
          const region = r.region === '' ? 0 : b.createString(r.region);
          return ServerRecord.createServerRecord(b, id, r.serverType, host, r.port, region, r.load, r.capacity, r.active, r.players);
        });
        servers = RegistryReply.createServersVector(b, offs);
      }
      return [
        BusBody.RegistryReply,
        RegistryReply.createRegistryReply(b, BigInt(body.requestId), body.ok, body.code, error, field, servers, body.total),
      ];
    }
  }
}

/**
 * Encodes one bus message after checking it (BusEncodeError when a field is out of range or
 * the result exceeds MAX_BUS_MESSAGE_BYTES). Returns a fresh copy.
 */
export function encodeBusMessage(msg: BusEnvelope): Uint8Array {
  const problem = checkEnvelope(msg);
  if (problem !== null) throw new BusEncodeError(`cannot encode ${String(msg?.body?.type)}: ${problem}`);
  const b = builder;
  b.clear();
  const [type, bodyOff] = encodeBody(b, msg.body);
  const from = b.createString(msg.from);
  const mac = msg.mac === null ? 0 : b.createByteVector(msg.mac);
  BusMessageTable.startBusMessage(b);
  BusMessageTable.addFrom(b, from);
  BusMessageTable.addSeq(b, BigInt(msg.seq));
  if (mac !== 0) BusMessageTable.addMac(b, mac);
  BusMessageTable.addBodyType(b, type);
  BusMessageTable.addBody(b, bodyOff);
  BusMessageTable.finishBusMessageBuffer(b, BusMessageTable.endBusMessage(b));
  const out = b.asUint8Array().slice();
  if (out.length > MAX_BUS_MESSAGE_BYTES) {
    throw new BusEncodeError(`${msg.body.type} encodes to ${out.length} bytes, more than ${MAX_BUS_MESSAGE_BYTES}`);
  }
  return out;
}

/**
 * Offset of the MAC bytes in a buffer that encodeBusMessage produced (trusted input), or -1.
 * The bus encodes with 32 zero bytes, computes the MAC over that, and writes it here.
 */
export function locateMac(bytes: Uint8Array): number {
  const root = BusMessageTable.getRootAsBusMessage(new flatbuffers.ByteBuffer(bytes));
  const mac = root.macArray();
  return mac === null ? -1 : mac.byteOffset - bytes.byteOffset;
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

function copyBytes(v: Uint8Array | null): Uint8Array {
  return v === null ? new Uint8Array(0) : v.slice();
}

function readBody(root: BusMessageTable): BusBodyObj {
  switch (root.bodyType()) {
    case BusBody.Hello: {
      const h = root.body(new Hello()) as Hello;
      return {
        type: 'hello',
        serverId: text(h.serverId(UTF8), 'Hello.server_id'),
        serverType: h.serverType(),
        nonce: text(h.nonce(UTF8), 'Hello.nonce'),
        proof: copyBytes(h.proofArray()),
      };
    }
    case BusBody.HelloAck: {
      const h = root.body(new HelloAck()) as HelloAck;
      return {
        type: 'helloAck',
        serverId: text(h.serverId(UTF8), 'HelloAck.server_id'),
        serverType: h.serverType(),
        nonce: text(h.nonce(UTF8), 'HelloAck.nonce'),
        to: text(h.to(UTF8), 'HelloAck.to'),
        echo: text(h.echo(UTF8), 'HelloAck.echo'),
        wantReply: h.wantReply(),
        proof: copyBytes(h.proofArray()),
      };
    }
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
        level: t.level(),
        hp: t.hp(),
        maxHp: t.maxHp(),
        mana: t.mana(),
        maxMana: t.maxMana(),
        x: t.x(),
        y: t.y(),
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
    case BusBody.ZoneChange: {
      const z = root.body(new ZoneChange()) as ZoneChange;
      return {
        type: 'zoneChange',
        playerId: u64(z.playerId(), 'ZoneChange.player_id'),
        endpoint: text(z.endpoint(UTF8), 'ZoneChange.endpoint'),
        token: text(z.token(UTF8), 'ZoneChange.token'),
        zoneId: z.zoneId(),
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
    case BusBody.GuildMessage: {
      const g = root.body(new GuildMessage()) as GuildMessage;
      return {
        type: 'guildMessage',
        guildId: u64(g.guildId(), 'GuildMessage.guild_id'),
        sender: text(g.sender(UTF8), 'GuildMessage.sender'),
        text: text(g.text(UTF8), 'GuildMessage.text'),
      };
    }
    case BusBody.GlobalEvent: {
      const e = root.body(new GlobalEvent()) as GlobalEvent;
      return { type: 'globalEvent', kind: e.kind(), text: text(e.text(UTF8), 'GlobalEvent.text'), value: e.value() };
    }
    case BusBody.ServerStatus: {
      const s = root.body(new ServerStatus()) as ServerStatus;
      return {
        type: 'serverStatus',
        serverId: text(s.serverId(UTF8), 'ServerStatus.server_id'),
        players: s.players(),
        capacity: s.capacity(),
        cpu: s.cpu(),
        memoryMb: s.memoryMb(),
        activeZones: s.activeZones(),
      };
    }
    case BusBody.LoadReport: {
      const l = root.body(new LoadReport()) as LoadReport;
      return {
        type: 'loadReport',
        serverId: text(l.serverId(UTF8), 'LoadReport.server_id'),
        load: l.load(),
        capacity: l.capacity(),
      };
    }
    case BusBody.RegistryRegister: {
      const r = root.body(new RegistryRegister()) as RegistryRegister;
      return {
        type: 'registryRegister',
        requestId: u64(r.requestId(), 'RegistryRegister.request_id'),
        serverType: r.type(),
        host: text(r.host(UTF8), 'RegistryRegister.host'),
        port: r.port(),
        region: text(r.region(UTF8), 'RegistryRegister.region'),
        capacity: r.capacity(),
      };
    }
    case BusBody.RegistryHeartbeat: {
      const h = root.body(new RegistryHeartbeat()) as RegistryHeartbeat;
      return {
        type: 'registryHeartbeat',
        requestId: u64(h.requestId(), 'RegistryHeartbeat.request_id'),
        load: h.load(),
        players: h.players(),
      };
    }
    case BusBody.RegistryQuery: {
      const q = root.body(new RegistryQuery()) as RegistryQuery;
      return { type: 'registryQuery', requestId: u64(q.requestId(), 'RegistryQuery.request_id'), serverType: q.type() };
    }
    case BusBody.RegistryDeregister: {
      const d = root.body(new RegistryDeregister()) as RegistryDeregister;
      return { type: 'registryDeregister', requestId: u64(d.requestId(), 'RegistryDeregister.request_id') };
    }
    case BusBody.RegistryReply: {
      const r = root.body(new RegistryReply()) as RegistryReply;
      const n = r.serversLength();
      if (n > REPLY_MAX_SERVERS) throw new Invalid(`servers has ${n} records, at most ${REPLY_MAX_SERVERS}`);
      const servers: ServerRecordObj[] = [];
      const rec = new ServerRecord();
      for (let i = 0; i < n; i++) {
        r.servers(i, rec);
        servers.push({
          id: text(rec.id(UTF8), 'ServerRecord.id'),
          serverType: rec.type(),
          host: text(rec.host(UTF8), 'ServerRecord.host'),
          port: rec.port(),
          region: text(rec.region(UTF8), 'ServerRecord.region'),
          load: rec.load(),
          capacity: rec.capacity(),
          active: rec.active(),
          players: rec.players(),
        });
      }
      return {
        type: 'registryReply',
        requestId: u64(r.requestId(), 'RegistryReply.request_id'),
        ok: r.ok(),
        code: r.code(),
        error: text(r.error(UTF8), 'RegistryReply.error'),
        field: text(r.field(UTF8), 'RegistryReply.field'),
        servers,
        total: r.total(),
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
    const root = new BusMessageTable().__init(rootPos, new flatbuffers.ByteBuffer(bytes));
    const from = text(root.from(UTF8), 'BusMessage.from');
    const seq = u64(root.seq(), 'BusMessage.seq');
    const macView = root.macArray();
    const macOffset = macView === null ? -1 : macView.byteOffset - bytes.byteOffset;
    const msg: BusEnvelope = { from, seq, mac: macView === null ? null : macView.slice(), body: readBody(root) };
    const problem = checkEnvelope(msg);
    if (problem !== null) return { ok: false, reason: 'invalid', detail: `${msg.body.type}: ${problem}` };
    return { ok: true, msg, macOffset };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: 'invalid', detail: err.message };
    return { ok: false, reason: 'malformed', detail: (err as Error).message };
  }
}
