// Verifier specs for schemas/cluster.fbs: a hand-written mirror of the schema (field ids in
// declaration order; a union takes two ids, type then value) for the shared FlatBuffers
// verifier in src/protocol/verify.ts. test/bus/codec.test.ts checks them against the generated
// code, so a schema edit that is not mirrored here fails the tests.
//
// The byte caps here are the structural bound (characters x 4 for UTF-8 text); the codec then
// checks characters, charsets and numeric ranges on the verified strings.

import type { TableSpec } from '../protocol/verify.js';

export const SERVER_ID_MAX_CHARS = 64;
export const NONCE_HEX_CHARS = 32;
export const HMAC_BYTES = 32;
export const TRANSFER_ID_MAX_BYTES = 64;
export const NAME_MAX_CHARS = 24;
export const TEXT_MAX_CHARS = 256;
export const CHANNEL_MAX_CHARS = 32;
export const ENDPOINT_MAX_BYTES = 256;
export const TOKEN_MAX_BYTES = 512;
export const INVENTORY_MAX_STACKS = 1024;
export const ITEM_STACK_SIZE = 8;
/** Registry over the bus (RegistryRegister .. RegistryReply). */
export const HOST_MAX_BYTES = 253;
export const REGION_MAX_CHARS = 64;
export const REGISTRY_ERROR_MAX_CHARS = 256;
export const REGISTRY_FIELD_MAX_CHARS = 64;
/** Most ServerRecords in one RegistryReply (a maximal reply stays well under 64 KiB). */
export const REPLY_MAX_SERVERS = 64;
const UTF8_MAX = 4;

const u8 = (name: string) => ({ name, kind: 'scalar', size: 1 }) as const;
const u16 = (name: string) => ({ name, kind: 'scalar', size: 2 }) as const;
const u32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const i32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const f32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const u64 = (name: string) => ({ name, kind: 'scalar', size: 8 }) as const;
const f64 = (name: string) => ({ name, kind: 'scalar', size: 8 }) as const;
const str = (name: string, maxBytes: number, required = false) =>
  ({ name, kind: 'string', maxBytes, required }) as const;
const bytes = (name: string, required = false) =>
  ({ name, kind: 'vector', elemSize: 1, elemAlign: 1, required }) as const;

export const HELLO_SPEC: TableSpec = {
  name: 'Hello',
  fields: [
    str('server_id', SERVER_ID_MAX_CHARS, true),
    u8('server_type'),
    str('nonce', NONCE_HEX_CHARS, true),
    bytes('proof', true),
  ],
};
export const HELLO_ACK_SPEC: TableSpec = {
  name: 'HelloAck',
  fields: [
    str('server_id', SERVER_ID_MAX_CHARS, true),
    u8('server_type'),
    str('nonce', NONCE_HEX_CHARS, true),
    str('to', SERVER_ID_MAX_CHARS, true),
    str('echo', NONCE_HEX_CHARS, true),
    u8('want_reply'),
    bytes('proof', true),
  ],
};
export const PLAYER_TRANSFER_SPEC: TableSpec = {
  name: 'PlayerTransfer',
  fields: [
    str('transfer_id', TRANSFER_ID_MAX_BYTES, true),
    u64('player_id'),
    str('name', NAME_MAX_CHARS * UTF8_MAX, true),
    u16('from_zone'),
    u16('to_zone'),
    u16('level'),
    i32('hp'),
    i32('max_hp'),
    i32('mana'),
    i32('max_mana'),
    f32('x'),
    f32('y'),
    { name: 'inventory', kind: 'vector', elemSize: ITEM_STACK_SIZE, elemAlign: 4 },
  ],
};
export const TRANSFER_ACK_SPEC: TableSpec = {
  name: 'TransferAck',
  fields: [str('transfer_id', TRANSFER_ID_MAX_BYTES, true), u8('accepted'), str('reason', TEXT_MAX_CHARS * UTF8_MAX)],
};
export const ZONE_CHANGE_SPEC: TableSpec = {
  name: 'ZoneChange',
  fields: [u64('player_id'), str('endpoint', ENDPOINT_MAX_BYTES, true), str('token', TOKEN_MAX_BYTES, true), u16('zone_id')],
};
export const GLOBAL_CHAT_SPEC: TableSpec = {
  name: 'GlobalChat',
  fields: [
    str('channel', CHANNEL_MAX_CHARS, true),
    str('sender', NAME_MAX_CHARS * UTF8_MAX, true),
    str('text', TEXT_MAX_CHARS * UTF8_MAX, true),
  ],
};
export const GUILD_MESSAGE_SPEC: TableSpec = {
  name: 'GuildMessage',
  fields: [u64('guild_id'), str('sender', NAME_MAX_CHARS * UTF8_MAX, true), str('text', TEXT_MAX_CHARS * UTF8_MAX, true)],
};
export const GLOBAL_EVENT_SPEC: TableSpec = {
  name: 'GlobalEvent',
  fields: [u16('kind'), str('text', TEXT_MAX_CHARS * UTF8_MAX), f64('value')],
};
export const SERVER_STATUS_SPEC: TableSpec = {
  name: 'ServerStatus',
  fields: [
    str('server_id', SERVER_ID_MAX_CHARS, true),
    u32('players'),
    u32('capacity'),
    f32('cpu'),
    u32('memory_mb'),
    u32('active_zones'),
  ],
};
export const LOAD_REPORT_SPEC: TableSpec = {
  name: 'LoadReport',
  fields: [str('server_id', SERVER_ID_MAX_CHARS, true), f32('load'), u32('capacity')],
};

export const REGISTRY_REGISTER_SPEC: TableSpec = {
  name: 'RegistryRegister',
  fields: [
    u64('request_id'),
    u8('type'),
    str('host', HOST_MAX_BYTES, true),
    u16('port'),
    str('region', REGION_MAX_CHARS * UTF8_MAX),
    u32('capacity'),
  ],
};
export const REGISTRY_HEARTBEAT_SPEC: TableSpec = {
  name: 'RegistryHeartbeat',
  fields: [u64('request_id'), f64('load'), u32('players')],
};
export const REGISTRY_QUERY_SPEC: TableSpec = {
  name: 'RegistryQuery',
  fields: [u64('request_id'), u8('type')],
};
export const REGISTRY_DEREGISTER_SPEC: TableSpec = {
  name: 'RegistryDeregister',
  fields: [u64('request_id')],
};
export const SERVER_RECORD_SPEC: TableSpec = {
  name: 'ServerRecord',
  fields: [
    str('id', SERVER_ID_MAX_CHARS, true),
    u8('type'),
    str('host', HOST_MAX_BYTES, true),
    u16('port'),
    str('region', REGION_MAX_CHARS * UTF8_MAX),
    f64('load'),
    u32('capacity'),
    u8('active'),
    u32('players'),
  ],
};
export const REGISTRY_REPLY_SPEC: TableSpec = {
  name: 'RegistryReply',
  fields: [
    u64('request_id'),
    u8('ok'),
    u8('code'),
    str('error', REGISTRY_ERROR_MAX_CHARS * UTF8_MAX),
    str('field', REGISTRY_FIELD_MAX_CHARS * UTF8_MAX),
    { name: 'servers', kind: 'tableVector', table: SERVER_RECORD_SPEC },
    u32('total'),
  ],
};

/** Indexed by BusBody type number; only these fifteen bodies are accepted. */
export const BUS_MESSAGE_SPEC: TableSpec = {
  name: 'BusMessage',
  fields: [
    str('from', SERVER_ID_MAX_CHARS, true),
    u64('seq'),
    bytes('mac'),
    { name: 'body_type', kind: 'unionType' },
    {
      name: 'body',
      kind: 'union',
      required: true,
      members: [
        undefined,
        HELLO_SPEC,
        HELLO_ACK_SPEC,
        PLAYER_TRANSFER_SPEC,
        TRANSFER_ACK_SPEC,
        ZONE_CHANGE_SPEC,
        GLOBAL_CHAT_SPEC,
        GUILD_MESSAGE_SPEC,
        GLOBAL_EVENT_SPEC,
        SERVER_STATUS_SPEC,
        LOAD_REPORT_SPEC,
        REGISTRY_REGISTER_SPEC,
        REGISTRY_HEARTBEAT_SPEC,
        REGISTRY_QUERY_SPEC,
        REGISTRY_DEREGISTER_SPEC,
        REGISTRY_REPLY_SPEC,
      ],
    },
  ],
};

export const CLUSTER_TABLE_SPECS: readonly TableSpec[] = [
  BUS_MESSAGE_SPEC,
  HELLO_SPEC,
  HELLO_ACK_SPEC,
  PLAYER_TRANSFER_SPEC,
  TRANSFER_ACK_SPEC,
  ZONE_CHANGE_SPEC,
  GLOBAL_CHAT_SPEC,
  GUILD_MESSAGE_SPEC,
  GLOBAL_EVENT_SPEC,
  SERVER_STATUS_SPEC,
  LOAD_REPORT_SPEC,
  REGISTRY_REGISTER_SPEC,
  REGISTRY_HEARTBEAT_SPEC,
  REGISTRY_QUERY_SPEC,
  REGISTRY_DEREGISTER_SPEC,
  SERVER_RECORD_SPEC,
  REGISTRY_REPLY_SPEC,
];
