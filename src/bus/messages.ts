// Plain-object forms of the bus messages in schemas/cluster.fbs. Field meanings, units and
// ranges are documented there; `checkBody` in codec.ts enforces them on both sides.

import { ServerType } from '../protocol/generated/cluster_generated.js';

export { ServerType };

/** Handshake step 1 (see cluster.fbs). Built and checked by the bus itself. */
export interface HelloBody {
  type: 'hello';
  serverId: string;
  serverType: ServerType;
  /** 32 lowercase hex characters. */
  nonce: string;
  /** 32 bytes of HMAC-SHA256. */
  proof: Uint8Array;
}

/** Handshake step 2/3 (see cluster.fbs). Built and checked by the bus itself. */
export interface HelloAckBody {
  type: 'helloAck';
  serverId: string;
  serverType: ServerType;
  nonce: string;
  to: string;
  echo: string;
  wantReply: boolean;
  proof: Uint8Array;
}

export interface ItemStackObj {
  /** >= 1. */
  itemType: number;
  /** >= 1. */
  quantity: number;
}

export interface PlayerTransferBody {
  type: 'playerTransfer';
  /** 1..64 bytes of printable ASCII; unique per handoff. */
  transferId: string;
  /** 1..2^53-1. */
  playerId: number;
  /** 1..24 characters. */
  name: string;
  /** 0..65535. */
  fromZone: number;
  /** 0..65535. */
  toZone: number;
  /** 1..65535. */
  level: number;
  /** 0..maxHp (int32). */
  hp: number;
  /** >= 1 (int32). */
  maxHp: number;
  /** 0..maxMana (int32). */
  mana: number;
  /** >= 0 (int32). */
  maxMana: number;
  /** World units, float32 (values are rounded to float32 on the wire). */
  x: number;
  y: number;
  /** At most 1024 stacks, each itemType once. */
  inventory: ItemStackObj[];
}

export interface TransferAckBody {
  type: 'transferAck';
  transferId: string;
  accepted: boolean;
  /** 0..256 characters; '' when accepted. */
  reason: string;
}

export interface ZoneChangeBody {
  type: 'zoneChange';
  playerId: number;
  /** ws:// or wss:// URL, 1..256 bytes of printable ASCII. */
  endpoint: string;
  /** 1..512 bytes of printable ASCII. */
  token: string;
  /** 0..65535. */
  zoneId: number;
}

export interface GlobalChatBody {
  type: 'globalChat';
  /** 1..32 characters of [A-Za-z0-9_-]. */
  channel: string;
  /** 1..24 characters. */
  sender: string;
  /** 1..256 characters. */
  text: string;
}

export interface GuildMessageBody {
  type: 'guildMessage';
  /** 1..2^53-1. */
  guildId: number;
  sender: string;
  text: string;
}

export interface GlobalEventBody {
  type: 'globalEvent';
  /** Application-defined, 1..65535. */
  kind: number;
  /** 0..256 characters. */
  text: string;
  /** Finite float64. */
  value: number;
}

export interface ServerStatusBody {
  type: 'serverStatus';
  /** Must equal the sender. */
  serverId: string;
  players: number;
  capacity: number;
  /** Percent of one core, finite, >= 0 (float32). */
  cpu: number;
  /** Resident memory, MiB (uint32). */
  memoryMb: number;
  activeZones: number;
}

export interface LoadReportBody {
  type: 'loadReport';
  /** Must equal the sender. */
  serverId: string;
  /** 0 idle .. 1 at capacity (> 1 overloaded), finite, <= 1000 (float32). */
  load: number;
  capacity: number;
}

export type HandshakeBody = HelloBody | HelloAckBody;

/** What applications publish and receive. */
export type BusPayload =
  | PlayerTransferBody
  | TransferAckBody
  | ZoneChangeBody
  | GlobalChatBody
  | GuildMessageBody
  | GlobalEventBody
  | ServerStatusBody
  | LoadReportBody;

export type BusBody = HandshakeBody | BusPayload;
export type BusBodyType = BusBody['type'];

/** One bus message (root BusMessage). */
export interface BusEnvelope {
  /** Claimed sender; believed only after the handshake and the MAC check. */
  from: string;
  /** 1..2^53-1. */
  seq: number;
  /** 32 bytes, or null when absent (handshake messages). */
  mac: Uint8Array | null;
  body: BusBody;
}
