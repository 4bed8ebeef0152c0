// Plain-object forms of the bus messages in schemas/cluster.fbs. Field meanings, units and
// ranges are documented there; `checkBody` in codec.ts enforces them on both sides.

import { RegistryErrorCode, ServerType } from '../protocol/generated/cluster_generated.js';

export { RegistryErrorCode, ServerType };

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

// Registry over the bus (see cluster.fbs and src/cluster/busRegistry.ts). No request names a
// server id: the server a request is about is always its authenticated sender.

/** Register the sender. Published on `registry.request`. */
export interface RegistryRegisterBody {
  type: 'registryRegister';
  /** 1..2^53-1; echoed in the reply. */
  requestId: number;
  /** Not None. */
  serverType: ServerType;
  /** 1..253 bytes of printable ASCII. */
  host: string;
  /** 1..65535. */
  port: number;
  /** 0..64 characters; '' for none. */
  region: string;
  /** >= 1 (uint32). */
  capacity: number;
}

/** The sender is alive; its load is current. */
export interface RegistryHeartbeatBody {
  type: 'registryHeartbeat';
  requestId: number;
  /** Current players or connections: finite, >= 0 (float64). */
  load: number;
  /** uint32. */
  players: number;
}

/** Active servers of a type, least loaded first. */
export interface RegistryQueryBody {
  type: 'registryQuery';
  requestId: number;
  /** Not None. */
  serverType: ServerType;
}

/** Remove the sender. */
export interface RegistryDeregisterBody {
  type: 'registryDeregister';
  requestId: number;
}

/** One registered server (inside RegistryReply). */
export interface ServerRecordObj {
  /** A server id. */
  id: string;
  /** Not None. */
  serverType: ServerType;
  /** 1..253 bytes of printable ASCII. */
  host: string;
  /** 1..65535. */
  port: number;
  /** 0..64 characters. */
  region: string;
  /** Finite, >= 0 (float64). */
  load: number;
  /** >= 1 (uint32). */
  capacity: number;
  active: boolean;
  /** uint32. */
  players: number;
}

/** The registry's answer; published on `registry.reply.<requester>`. */
export interface RegistryReplyBody {
  type: 'registryReply';
  /** The request's requestId. */
  requestId: number;
  ok: boolean;
  /** None exactly when ok. */
  code: RegistryErrorCode;
  /** 0..256 characters; '' when ok. */
  error: string;
  /** 0..64 characters; the offending field, or ''. */
  field: string;
  /** At most 64 (REPLY_MAX_SERVERS). */
  servers: ServerRecordObj[];
  /** >= servers.length (uint32). */
  total: number;
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
  | LoadReportBody
  | RegistryRegisterBody
  | RegistryHeartbeatBody
  | RegistryQueryBody
  | RegistryDeregisterBody
  | RegistryReplyBody;

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
