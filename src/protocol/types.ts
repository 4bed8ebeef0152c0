// Plain-object forms of the wire messages (schemas/*.fbs). Field names are the schema's in
// camelCase; units and ranges are documented in the schemas and in PROTOCOL.md.

import type { EntityKind, ErrorCode, EventKind } from './generated/server_generated.js';

// ---------------------------------------------------------------- client -> server

export interface HelloMsg {
  readonly type: 'hello';
  readonly protocolVersion: number;
  /** '' when absent. */
  readonly token: string;
  readonly name: string;
}

export interface MoveMsg {
  readonly type: 'move';
  readonly seq: number;
  readonly x: number;
  readonly y: number;
  /** Tick to apply it at (a predicting client); absent or 0: on arrival. */
  readonly applyTick?: number;
}

export interface ChatMsg {
  readonly type: 'chat';
  readonly seq: number;
  readonly text: string;
}

export interface AttackMsg {
  readonly type: 'attack';
  readonly seq: number;
  readonly target: number;
}

export interface UseItemMsg {
  readonly type: 'useItem';
  readonly seq: number;
  readonly item: number;
}

export interface PingMsg {
  readonly type: 'ping';
  readonly clientTime: number;
}

export type ClientMsg = HelloMsg | MoveMsg | ChatMsg | AttackMsg | UseItemMsg | PingMsg;
/** The client messages that carry an input sequence number. */
export type InputMsg = MoveMsg | ChatMsg | AttackMsg | UseItemMsg;

// ---------------------------------------------------------------- server -> client

export interface RectObj {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** One EntityState record (40 bytes on the wire). */
export interface EntityStateObj {
  netId: number;
  x: number;
  y: number;
  targetX: number;
  targetY: number;
  speed: number;
  rot: number;
  hp: number;
  maxHp: number;
  mana: number;
  maxMana: number;
  level: number;
  kind: EntityKind;
  /** EntityFlags bits: 1 dead, 2 moving. */
  flags: number;
}

/**
 * One Motion record (24 bytes on the wire): a known entity's new position, target and heading;
 * every other field (speed, flags, ...) is as in its last record.
 */
export interface MotionObj {
  netId: number;
  x: number;
  y: number;
  targetX: number;
  targetY: number;
  rot: number;
}

/**
 * One Steer record (3 to 15 bytes on the wire): a known walking entity's new target, on the walk
 * grid of 1/8 units; its position and heading the client works out (PROTOCOL.md §5.1), every
 * other field is as in its last record.
 */
export interface SteerObj {
  netId: number;
  targetX: number;
  targetY: number;
}

export interface EventObj {
  readonly kind: EventKind;
  readonly source: number;
  readonly target: number;
  readonly x: number;
  readonly y: number;
  readonly value: number;
  /** Chat text; '' for other kinds (absent on the wire). */
  readonly text: string;
}

export interface WelcomeMsg {
  readonly type: 'welcome';
  readonly protocolVersion: number;
  readonly sessionId: string;
  readonly netId: number;
  readonly zoneId: number;
  readonly zoneName: string;
  readonly bounds: RectObj;
  readonly tickRate: number;
  readonly tick: number;
}

export interface SnapshotMsg {
  readonly type: 'snapshot';
  readonly tick: number;
  readonly ackSeq: number;
  readonly keyframe: boolean;
  readonly entities: EntityStateObj[];
  /** Entities whose motion alone changed; applied after `entities` (PROTOCOL.md §7). */
  readonly moves: MotionObj[];
  /** Walking entities that turned toward a new target; applied after `moves` (PROTOCOL.md §7). */
  readonly steers: SteerObj[];
  readonly removed: number[];
  readonly events: EventObj[];
}

export interface PongMsg {
  readonly type: 'pong';
  readonly clientTime: number;
  readonly serverTick: number;
}

export interface ErrorMsg {
  readonly type: 'error';
  readonly code: ErrorCode;
  /** '' when absent. */
  readonly text: string;
}

export interface ZoneChangeMsg {
  readonly type: 'zoneChange';
  readonly endpoint: string;
  readonly token: string;
  readonly zoneId: number;
}

export type ServerMsg = WelcomeMsg | SnapshotMsg | PongMsg | ErrorMsg | ZoneChangeMsg;

// ---------------------------------------------------------------- encoder inputs

/** Encoder input: the message without its `type` tag (a full message object also fits). */
export type HelloInit = Omit<HelloMsg, 'type' | 'protocolVersion' | 'token'> & {
  /** Defaults to PROTOCOL_VERSION. */
  readonly protocolVersion?: number;
  /** Defaults to '' (written as absent). */
  readonly token?: string;
};
export type MoveInit = Omit<MoveMsg, 'type'>;
export type ChatInit = Omit<ChatMsg, 'type'>;
export type AttackInit = Omit<AttackMsg, 'type'>;
export type UseItemInit = Omit<UseItemMsg, 'type'>;
export type PingInit = Omit<PingMsg, 'type'>;

export type WelcomeInit = Omit<WelcomeMsg, 'type' | 'protocolVersion'> & {
  /** Defaults to PROTOCOL_VERSION. */
  readonly protocolVersion?: number;
};

export type EventInit = Omit<EventObj, 'text'> & {
  /** Chat only; '' or absent writes no string. */
  readonly text?: string;
};

export interface SnapshotInit {
  readonly tick: number;
  readonly ackSeq: number;
  readonly keyframe: boolean;
  /**
   * Records to send: objects, or already packed records (a Uint8Array whose length is a
   * multiple of ENTITY_STATE_SIZE, filled with writeEntityState), copied in one block.
   */
  readonly entities?: ArrayLike<EntityStateObj> | Uint8Array;
  /** Motion records: objects, or packed (MOTION_SIZE bytes each, filled with writeMotion). */
  readonly moves?: ArrayLike<MotionObj> | Uint8Array;
  /** Steer records: objects, or packed (PACKED_STEER_SIZE bytes each, filled with writeSteer), which the writer narrows to the wire's form. */
  readonly steers?: ArrayLike<SteerObj> | Uint8Array;
  /** NetIds (a plain array or a Uint32Array). */
  readonly removed?: ArrayLike<number>;
  readonly events?: ArrayLike<EventInit>;
}

export type PongInit = Omit<PongMsg, 'type'>;
export type ErrorInit = Omit<ErrorMsg, 'type' | 'text'> & { readonly text?: string };
export type ZoneChangeInit = Omit<ZoneChangeMsg, 'type'>;

/** Result of decodeClientMessage: never throws, errors carry the code to send back. */
export type DecodeResult =
  | { readonly ok: true; readonly msg: ClientMsg }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };
