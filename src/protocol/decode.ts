// Decoders: one WebSocket binary frame -> a plain message object.
//
// decodeClientMessage is for UNTRUSTED bytes (the server's inbound path): it never throws,
// runs in time linear in the frame size, and touches generated accessors only after the
// Verifier has bounds-checked the whole buffer. Returned objects hold no reference to the
// input, so the caller may reuse or free it afterwards (uWS invalidates a message's
// ArrayBuffer when the handler returns: decode inside the handler).
//
// decodeServerMessage is for the client SDK, bots and tests. It trusts the server's content
// but still verifies the structure, so garbage gives a clear ProtocolDecodeError, never a
// hang or a wrong read.

import * as flatbuffers from 'flatbuffers';

import {
  Attack,
  Chat,
  ClientBody,
  ClientMessage,
  Hello,
  Move,
  Ping,
  UseItem,
} from './generated/client_generated.js';
import { CLIENT_MESSAGE_SPEC } from './generated/client_specs.js';
import {
  ErrorCode,
  Error as ErrorTable,
  Pong,
  ServerBody,
  ServerMessage,
  Welcome,
  ZoneChange,
} from './generated/server_generated.js';
import { SERVER_MESSAGE_SPEC } from './generated/server_specs.js';
import {
  CLIENT_FILE_IDENTIFIER,
  MAX_CHAT_CHARS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_NAME_CHARS,
  MAX_SERVER_FRAME_BYTES,
  MIN_CHAT_CHARS,
  MIN_NAME_CHARS,
  PROTOCOL_VERSION,
  SERVER_FILE_IDENTIFIER,
  errorCodeName,
} from './constants.js';
import { SnapshotFrameError, isSnapshotFrame, readSnapshotFrame } from './snapshotFrame.js';
import type { DecodeResult, ServerMsg } from './types.js';
import { Verifier } from './verify.js';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Thrown by decodeServerMessage; `code` classifies the problem like the server would. */
export class ProtocolDecodeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, reason: string) {
    super(`${errorCodeName(code)}: ${reason}`);
    this.name = 'ProtocolDecodeError';
    this.code = code;
  }
}

function asBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

// ---------------------------------------------------------------- client -> server

function reject(code: ErrorCode, reason: string): DecodeResult {
  return { ok: false, code, reason };
}

/**
 * Checks a verified string's bytes: valid UTF-8 (fatal decoder), minChars..maxChars Unicode
 * code points, no control characters (U+0000..U+001F, U+007F..U+009F). Returns the string
 * or an error reason.
 */
function checkText(
  bytes: Uint8Array | null,
  what: string,
  minChars: number,
  maxChars: number,
): { ok: true; text: string } | { ok: false; reason: string } {
  if (bytes === null) return minChars > 0 ? { ok: false, reason: `${what} missing` } : { ok: true, text: '' };
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    return { ok: false, reason: `${what} is not valid UTF-8` };
  }
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      return { ok: false, reason: `${what} contains control character U+${c.toString(16).padStart(4, '0')}` };
    }
    // Valid UTF-8 decodes to well-formed UTF-16: a high surrogate always starts a pair.
    if (c < 0xdc00 || c > 0xdfff) chars++;
  }
  if (chars < minChars || chars > maxChars) {
    return { ok: false, reason: `${what} has ${chars} characters, allowed ${minChars}..${maxChars}` };
  }
  return { ok: true, text };
}

function checkToken(bytes: Uint8Array | null): { ok: true; text: string } | { ok: false; reason: string } {
  if (bytes === null) return { ok: true, text: '' };
  // Length is capped by the verifier (MAX_TOKEN_BYTES).
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c < 0x21 || c > 0x7e) return { ok: false, reason: `token byte ${i} is not printable ASCII` };
  }
  return { ok: true, text: fatalUtf8.decode(bytes) };
}

function checkSeq(seq: number): string | null {
  return seq === 0 ? 'seq must be >= 1' : null;
}

const UTF8 = flatbuffers.Encoding.UTF8_BYTES;
// Accessor objects reused across calls (decoding is synchronous).
const rootObj = new ClientMessage();
const helloObj = new Hello();
const moveObj = new Move();
const chatObj = new Chat();
const attackObj = new Attack();
const useItemObj = new UseItem();
const pingObj = new Ping();

/**
 * Decodes and validates one untrusted client frame. Never throws. On failure `code` is the
 * ErrorCode to send back (see errorPolicy for whether to close) and `reason` a short
 * English explanation suitable for Error.text and logs.
 */
export function decodeClientMessage(data: Uint8Array | ArrayBuffer): DecodeResult {
  try {
    return decodeClientUnsafe(data);
  } catch (err) {
    // Unreachable if the verifier is right; kept so that no input can throw into the server.
    return reject(ErrorCode.BadFrame, `undecodable frame (${(err as Error).message})`);
  }
}

/** The client bodies that are inputs for the simulation's next step (PROTOCOL.md §4). */
const STEP_INPUTS: ReadonlySet<ClientBody> = new Set([ClientBody.Move, ClientBody.Attack, ClientBody.Chat, ClientBody.UseItem]);

/**
 * Whether a client frame is an input that the next step applies (Move, Attack, Chat, UseItem),
 * read from its body type alone, unverified: nothing is lost by handling such a frame when the
 * tick begins rather than when it arrives. Anything else (Ping, Hello, a frame that is not a
 * ClientMessage) is false: it wants handling at once. decodeClientMessage still checks every frame.
 */
export function isStepInput(bytes: Uint8Array): boolean {
  try {
    const bb = new flatbuffers.ByteBuffer(bytes);
    return bytes.length >= 8 && bb.__has_identifier(CLIENT_FILE_IDENTIFIER) && STEP_INPUTS.has(ClientMessage.getRootAsClientMessage(bb).bodyType());
  } catch {
    return false; // an offset out of range: not a well-formed frame
  }
}

function decodeClientUnsafe(data: Uint8Array | ArrayBuffer): DecodeResult {
  const bytes = asBytes(data);
  if (bytes === null) return reject(ErrorCode.BadFrame, 'not a binary frame');
  if (bytes.byteLength > MAX_CLIENT_FRAME_BYTES) {
    return reject(ErrorCode.TooLarge, `frame is ${bytes.byteLength} bytes, at most ${MAX_CLIENT_FRAME_BYTES} allowed`);
  }
  const v = new Verifier(bytes);
  const rootPos = v.verifyRoot(CLIENT_FILE_IDENTIFIER, CLIENT_MESSAGE_SPEC);
  if (rootPos < 0) {
    const f = v.failure!;
    return reject(f.code, f.reason);
  }

  const bb = new flatbuffers.ByteBuffer(bytes);
  const root = rootObj.__init(rootPos, bb);
  switch (root.bodyType()) {
    case ClientBody.Hello: {
      const h = root.body(helloObj) as Hello;
      const protocolVersion = h.protocolVersion();
      if (protocolVersion !== PROTOCOL_VERSION) {
        return reject(
          ErrorCode.ProtocolVersion,
          `protocol version ${protocolVersion} is not supported (server speaks ${PROTOCOL_VERSION})`,
        );
      }
      const name = checkText(h.name(UTF8) as Uint8Array | null, 'name', MIN_NAME_CHARS, MAX_NAME_CHARS);
      if (!name.ok) return reject(ErrorCode.BadString, name.reason);
      const token = checkToken(h.token(UTF8) as Uint8Array | null);
      if (!token.ok) return reject(ErrorCode.BadString, token.reason);
      return { ok: true, msg: { type: 'hello', protocolVersion, token: token.text, name: name.text } };
    }
    case ClientBody.Move: {
      const m = root.body(moveObj) as Move;
      const seq = m.seq();
      const x = m.x();
      const y = m.y();
      const bad = checkSeq(seq);
      if (bad !== null) return reject(ErrorCode.OutOfRange, bad);
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        return reject(ErrorCode.OutOfRange, `move target (${x}, ${y}) is not finite`);
      }
      const applyTick = m.applyTick();
      return { ok: true, msg: applyTick === 0 ? { type: 'move', seq, x, y } : { type: 'move', seq, x, y, applyTick } };
    }
    case ClientBody.Chat: {
      const c = root.body(chatObj) as Chat;
      const seq = c.seq();
      const bad = checkSeq(seq);
      if (bad !== null) return reject(ErrorCode.OutOfRange, bad);
      const text = checkText(c.text(UTF8) as Uint8Array | null, 'chat text', MIN_CHAT_CHARS, MAX_CHAT_CHARS);
      if (!text.ok) return reject(ErrorCode.BadString, text.reason);
      return { ok: true, msg: { type: 'chat', seq, text: text.text } };
    }
    case ClientBody.Attack: {
      const a = root.body(attackObj) as Attack;
      const seq = a.seq();
      const target = a.target();
      const bad = checkSeq(seq) ?? (target === 0 ? 'attack target must be a NetId >= 1' : null);
      if (bad !== null) return reject(ErrorCode.OutOfRange, bad);
      return { ok: true, msg: { type: 'attack', seq, target } };
    }
    case ClientBody.UseItem: {
      const u = root.body(useItemObj) as UseItem;
      const seq = u.seq();
      const item = u.item();
      const bad = checkSeq(seq) ?? (item === 0 ? 'item must be a NetId >= 1' : null);
      if (bad !== null) return reject(ErrorCode.OutOfRange, bad);
      return { ok: true, msg: { type: 'useItem', seq, item } };
    }
    case ClientBody.Ping: {
      const p = root.body(pingObj) as Ping;
      const clientTime = p.clientTime();
      if (!Number.isFinite(clientTime)) return reject(ErrorCode.OutOfRange, `client_time ${clientTime} is not finite`);
      return { ok: true, msg: { type: 'ping', clientTime } };
    }
    default:
      // The verifier only lets the six whitelisted bodies through.
      return reject(ErrorCode.UnknownMessage, `unknown message type ${root.bodyType()}`);
  }
}

// ---------------------------------------------------------------- server -> client

function need(s: string | null, what: string): string {
  if (s === null) throw new ProtocolDecodeError(ErrorCode.BadFrame, `${what} missing`);
  return s;
}

/**
 * Decodes one server frame: a Snapshot frame or a FlatBuffers ServerMessage (byte 0 tells
 * which). Throws ProtocolDecodeError on anything malformed (or longer than
 * MAX_SERVER_FRAME_BYTES); a FlatBuffers Snapshot (protocol version 1) is UnknownMessage.
 */
export function decodeServerMessage(data: Uint8Array | ArrayBuffer): ServerMsg {
  const bytes = asBytes(data);
  if (bytes === null) throw new ProtocolDecodeError(ErrorCode.BadFrame, 'not a binary frame');
  if (bytes.byteLength > MAX_SERVER_FRAME_BYTES) {
    throw new ProtocolDecodeError(ErrorCode.TooLarge, `frame is ${bytes.byteLength} bytes, at most ${MAX_SERVER_FRAME_BYTES}`);
  }
  if (isSnapshotFrame(bytes)) {
    try {
      return readSnapshotFrame(bytes);
    } catch (err) {
      if (err instanceof SnapshotFrameError) throw new ProtocolDecodeError(err.code, err.message);
      throw err;
    }
  }
  const v = new Verifier(bytes);
  const rootPos = v.verifyRoot(SERVER_FILE_IDENTIFIER, SERVER_MESSAGE_SPEC);
  if (rootPos < 0) throw new ProtocolDecodeError(v.failure!.code, v.failure!.reason);

  const bb = new flatbuffers.ByteBuffer(bytes);
  const root = new ServerMessage().__init(rootPos, bb);
  switch (root.bodyType()) {
    case ServerBody.Welcome: {
      const w = root.body(new Welcome()) as Welcome;
      const r = w.bounds()!;
      return {
        type: 'welcome',
        protocolVersion: w.protocolVersion(),
        sessionId: need(w.sessionId(), 'Welcome.session_id'),
        netId: w.netId(),
        zoneId: w.zoneId(),
        zoneName: need(w.zoneName(), 'Welcome.zone_name'),
        bounds: { minX: r.minX(), minY: r.minY(), maxX: r.maxX(), maxY: r.maxY() },
        tickRate: w.tickRate(),
        tick: w.tick(),
      };
    }
    case ServerBody.Pong: {
      const p = root.body(new Pong()) as Pong;
      return { type: 'pong', clientTime: p.clientTime(), serverTick: p.serverTick() };
    }
    case ServerBody.Error: {
      const e = root.body(new ErrorTable()) as ErrorTable;
      return { type: 'error', code: e.code(), text: e.text() ?? '' };
    }
    case ServerBody.ZoneChange: {
      const z = root.body(new ZoneChange()) as ZoneChange;
      return {
        type: 'zoneChange',
        endpoint: need(z.endpoint(), 'ZoneChange.endpoint'),
        token: need(z.token(), 'ZoneChange.token'),
        zoneId: z.zoneId(),
      };
    }
    default:
      throw new ProtocolDecodeError(ErrorCode.UnknownMessage, `unknown server message type ${root.bodyType()}`);
  }
}

/** decodeServerMessage without exceptions, for callers that prefer a result object. */
export function tryDecodeServerMessage(
  data: Uint8Array | ArrayBuffer,
): { ok: true; msg: ServerMsg } | { ok: false; code: ErrorCode; reason: string } {
  try {
    return { ok: true, msg: decodeServerMessage(data) };
  } catch (err) {
    if (err instanceof ProtocolDecodeError) return { ok: false, code: err.code, reason: err.message };
    return { ok: false, code: ErrorCode.BadFrame, reason: (err as Error).message };
  }
}
