// Encoders: plain objects -> one WebSocket binary frame: a finished FlatBuffer, or for a
// Snapshot a Snapshot frame (snapshotFrame.ts).
//
// Two forms:
// - `new Encoder()` reuses one flatbuffers.Builder and one Snapshot frame buffer. Its methods
//   return a VIEW into a buffer that is valid only until the next call on the same Encoder:
//   send it (uWS copies on send) or `.slice()` it before encoding again. This is the hot path
//   for per-client snapshot fan-out: once every frame length has been seen, encoding allocates
//   nothing (buffers are reused in place and a view is kept per length).
// - `encodeX(...)` free functions share one module-level Encoder and return a fresh COPY,
//   safe to keep, queue, or hand to `ws` (which may hold on to the buffer).
//
// Encoders do not validate: integers are written modulo their width and floats as float32 or
// float64, exactly as given. (That lets tests build invalid frames with the real encoders.)
// Fields equal to their schema default (0, false, '') are omitted from the frame, which the
// decoders read back as that default.

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
import {
  Error as ErrorTable,
  Pong,
  Rect,
  ServerBody,
  ServerMessage,
  Welcome,
  ZoneChange,
} from './generated/server_generated.js';
import { CLIENT_FILE_IDENTIFIER, PROTOCOL_VERSION, SERVER_FILE_IDENTIFIER } from './constants.js';
import { SnapshotWriter } from './snapshotFrame.js';
import type {
  AttackInit,
  ChatInit,
  ClientMsg,
  ErrorInit,
  HelloInit,
  MoveInit,
  PingInit,
  PongInit,
  ServerMsg,
  SnapshotInit,
  UseItemInit,
  WelcomeInit,
  ZoneChangeInit,
} from './types.js';

/** The flatbuffers Builder's private state that Builder.clear() resets. */
interface BuilderFields {
  bb: flatbuffers.ByteBuffer;
  space: number;
  minalign: number;
  vtable_in_use: number;
  isNested: boolean;
  object_start: number;
  vtables: { length: number };
  vector_num_elems: number;
  force_defaults: boolean;
  string_maps: Map<string, number> | null;
}

/**
 * The builder's list of vtable offsets (it reads [i] and length, and pushes), kept as an
 * object whose storage survives `length = 0`: an Array would give it up and allocate anew.
 */
class OffsetList {
  [i: number]: number;
  length = 0;

  push(offset: number): number {
    this[this.length] = offset;
    return ++this.length;
  }
}

/**
 * Reusable encoder. Every method returns a view into this encoder's buffer, valid until the
 * next call on the same instance. Not reentrant; use one per thread of work.
 */
export class Encoder {
  private readonly b: flatbuffers.Builder;
  private readonly snapshots = new SnapshotWriter();
  /** Views of the builder's buffer by message length (a message ends at the buffer's end), and the buffer they view. */
  private views: Uint8Array[] = [];
  private viewed: Uint8Array | undefined;

  constructor(initialBytes = 16 * 1024) {
    this.b = new flatbuffers.Builder(initialBytes);
    (this.b as unknown as BuilderFields).vtables = new OffsetList();
  }

  // ------------------------------------------------------------ server -> client

  welcome(w: WelcomeInit): Uint8Array {
    const b = this.begin();
    const sessionId = b.createString(w.sessionId);
    const zoneName = b.createString(w.zoneName);
    Welcome.startWelcome(b);
    // Largest fields first so the table needs no padding.
    Welcome.addBounds(b, Rect.createRect(b, w.bounds.minX, w.bounds.minY, w.bounds.maxX, w.bounds.maxY));
    Welcome.addSessionId(b, sessionId);
    Welcome.addZoneName(b, zoneName);
    Welcome.addNetId(b, w.netId);
    Welcome.addTick(b, w.tick);
    Welcome.addProtocolVersion(b, w.protocolVersion ?? PROTOCOL_VERSION);
    Welcome.addZoneId(b, w.zoneId);
    Welcome.addTickRate(b, w.tickRate);
    return this.server(ServerBody.Welcome, Welcome.endWelcome(b));
  }

  /** A Snapshot frame (PROTOCOL.md §5.1), not a FlatBuffer. */
  snapshot(s: SnapshotInit): Uint8Array {
    return this.snapshots.write(s);
  }

  pong(p: PongInit): Uint8Array {
    const b = this.begin();
    Pong.startPong(b);
    Pong.addClientTime(b, p.clientTime);
    Pong.addServerTick(b, p.serverTick);
    return this.server(ServerBody.Pong, Pong.endPong(b));
  }

  error(e: ErrorInit): Uint8Array {
    const b = this.begin();
    const text = e.text ? b.createString(e.text) : 0;
    ErrorTable.startError(b);
    if (text !== 0) ErrorTable.addText(b, text);
    ErrorTable.addCode(b, e.code);
    return this.server(ServerBody.Error, ErrorTable.endError(b));
  }

  zoneChange(z: ZoneChangeInit): Uint8Array {
    const b = this.begin();
    const endpoint = b.createString(z.endpoint);
    const token = b.createString(z.token);
    ZoneChange.startZoneChange(b);
    ZoneChange.addEndpoint(b, endpoint);
    ZoneChange.addToken(b, token);
    ZoneChange.addZoneId(b, z.zoneId);
    return this.server(ServerBody.ZoneChange, ZoneChange.endZoneChange(b));
  }

  /** Any server message by its `type`. */
  serverMessage(m: ServerMsg): Uint8Array {
    switch (m.type) {
      case 'welcome':
        return this.welcome(m);
      case 'snapshot':
        return this.snapshot(m);
      case 'pong':
        return this.pong(m);
      case 'error':
        return this.error(m);
      case 'zoneChange':
        return this.zoneChange(m);
    }
  }

  // ------------------------------------------------------------ client -> server

  hello(h: HelloInit): Uint8Array {
    const b = this.begin();
    const token = h.token ? b.createString(h.token) : 0;
    const name = b.createString(h.name);
    Hello.startHello(b);
    if (token !== 0) Hello.addToken(b, token);
    Hello.addName(b, name);
    Hello.addProtocolVersion(b, h.protocolVersion ?? PROTOCOL_VERSION);
    return this.client(ClientBody.Hello, Hello.endHello(b));
  }

  move(m: MoveInit): Uint8Array {
    const b = this.begin();
    Move.startMove(b);
    Move.addSeq(b, m.seq);
    Move.addX(b, m.x);
    Move.addY(b, m.y);
    if (m.applyTick) Move.addApplyTick(b, m.applyTick);
    return this.client(ClientBody.Move, Move.endMove(b));
  }

  chat(c: ChatInit): Uint8Array {
    const b = this.begin();
    const text = b.createString(c.text);
    Chat.startChat(b);
    Chat.addText(b, text);
    Chat.addSeq(b, c.seq);
    return this.client(ClientBody.Chat, Chat.endChat(b));
  }

  attack(a: AttackInit): Uint8Array {
    const b = this.begin();
    Attack.startAttack(b);
    Attack.addSeq(b, a.seq);
    Attack.addTarget(b, a.target);
    return this.client(ClientBody.Attack, Attack.endAttack(b));
  }

  useItem(u: UseItemInit): Uint8Array {
    const b = this.begin();
    UseItem.startUseItem(b);
    UseItem.addSeq(b, u.seq);
    UseItem.addItem(b, u.item);
    return this.client(ClientBody.UseItem, UseItem.endUseItem(b));
  }

  ping(p: PingInit): Uint8Array {
    const b = this.begin();
    Ping.startPing(b);
    Ping.addClientTime(b, p.clientTime);
    return this.client(ClientBody.Ping, Ping.endPing(b));
  }

  /** Any client message by its `type`. */
  clientMessage(m: ClientMsg): Uint8Array {
    switch (m.type) {
      case 'hello':
        return this.hello(m);
      case 'move':
        return this.move(m);
      case 'chat':
        return this.chat(m);
      case 'attack':
        return this.attack(m);
      case 'useItem':
        return this.useItem(m);
      case 'ping':
        return this.ping(m);
    }
  }

  // ------------------------------------------------------------ internals

  /**
   * The builder, emptied. Builder.clear() would allocate a new vtable list for every message;
   * the same fields are reset here in place (flatbuffers 25's, as its clear() sets them), the
   * vtable list being an OffsetList.
   */
  private begin(): flatbuffers.Builder {
    const b = this.b as unknown as BuilderFields;
    b.bb.clear();
    b.space = b.bb.capacity();
    b.minalign = 1;
    b.vtable_in_use = 0;
    b.isNested = false;
    b.object_start = 0;
    b.vtables.length = 0;
    b.vector_num_elems = 0;
    b.force_defaults = false;
    b.string_maps = null;
    return this.b;
  }

  /** The finished message: a view of the builder's buffer kept for its length. */
  private finished(): Uint8Array {
    const bytes = this.b.dataBuffer().bytes(), at = this.b.dataBuffer().position();
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.views = [];
    }
    return this.views[bytes.length - at] ??= bytes.subarray(at);
  }

  private server(type: ServerBody, body: flatbuffers.Offset): Uint8Array {
    const b = this.b;
    ServerMessage.startServerMessage(b);
    ServerMessage.addBody(b, body);
    ServerMessage.addBodyType(b, type);
    b.finish(ServerMessage.endServerMessage(b), SERVER_FILE_IDENTIFIER);
    return this.finished();
  }

  private client(type: ClientBody, body: flatbuffers.Offset): Uint8Array {
    const b = this.b;
    ClientMessage.startClientMessage(b);
    ClientMessage.addBody(b, body);
    ClientMessage.addBodyType(b, type);
    b.finish(ClientMessage.endClientMessage(b), CLIENT_FILE_IDENTIFIER);
    return this.finished();
  }
}

// ---------------------------------------------------------------- copying free functions

const shared = new Encoder();

/** Server -> client Welcome, as a fresh copy. */
export function encodeWelcome(w: WelcomeInit): Uint8Array {
  return shared.welcome(w).slice();
}
/** Server -> client Snapshot (with the tick's events), as a fresh copy. */
export function encodeSnapshot(s: SnapshotInit): Uint8Array {
  return shared.snapshot(s).slice();
}
/** Server -> client Pong, as a fresh copy. */
export function encodePong(p: PongInit): Uint8Array {
  return shared.pong(p).slice();
}
/** Server -> client Error, as a fresh copy. */
export function encodeError(e: ErrorInit): Uint8Array {
  return shared.error(e).slice();
}
/** Server -> client ZoneChange, as a fresh copy. */
export function encodeZoneChange(z: ZoneChangeInit): Uint8Array {
  return shared.zoneChange(z).slice();
}
/** Any server message, as a fresh copy. */
export function encodeServerMessage(m: ServerMsg): Uint8Array {
  return shared.serverMessage(m).slice();
}

/** Client -> server Hello, as a fresh copy. */
export function encodeHello(h: HelloInit): Uint8Array {
  return shared.hello(h).slice();
}
/** Client -> server Move, as a fresh copy. */
export function encodeMove(m: MoveInit): Uint8Array {
  return shared.move(m).slice();
}
/** Client -> server Chat, as a fresh copy. */
export function encodeChat(c: ChatInit): Uint8Array {
  return shared.chat(c).slice();
}
/** Client -> server Attack, as a fresh copy. */
export function encodeAttack(a: AttackInit): Uint8Array {
  return shared.attack(a).slice();
}
/** Client -> server UseItem, as a fresh copy. */
export function encodeUseItem(u: UseItemInit): Uint8Array {
  return shared.useItem(u).slice();
}
/** Client -> server Ping, as a fresh copy. */
export function encodePing(p: PingInit): Uint8Array {
  return shared.ping(p).slice();
}
/** Any client message, as a fresh copy. */
export function encodeClientMessage(m: ClientMsg): Uint8Array {
  return shared.clientMessage(m).slice();
}
