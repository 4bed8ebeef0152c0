// Verifier specs for schemas/cluster.fbs: a hand-written mirror of the schema (field ids in
// declaration order; a union takes two ids, type then value) for the shared FlatBuffers
// verifier in src/protocol/verify.ts. test/bus/codec.test.ts checks them against the generated
// code, so a schema edit that is not mirrored here fails the tests.
//
// The byte caps here are the structural bound (characters x 4 for UTF-8 text); the codec then
// checks characters, charsets and numeric ranges on the verified strings.

import type { TableSpec } from '../protocol/verify.js';

export const SERVER_ID_MAX_CHARS = 64;
export const TRANSFER_ID_MAX_BYTES = 64;
export const NAME_MAX_CHARS = 24;
export const TEXT_MAX_CHARS = 256;
export const CHANNEL_MAX_CHARS = 32;
export const INVENTORY_MAX_STACKS = 1024;
export const ITEM_STACK_SIZE = 8;
const UTF8_MAX = 4;

const u8 = (name: string) => ({ name, kind: 'scalar', size: 1 }) as const;
const u16 = (name: string) => ({ name, kind: 'scalar', size: 2 }) as const;
const i32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const f32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const u64 = (name: string) => ({ name, kind: 'scalar', size: 8 }) as const;
const str = (name: string, maxBytes: number, required = false) =>
  ({ name, kind: 'string', maxBytes, required }) as const;

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
export const GLOBAL_CHAT_SPEC: TableSpec = {
  name: 'GlobalChat',
  fields: [
    str('channel', CHANNEL_MAX_CHARS, true),
    str('sender', NAME_MAX_CHARS * UTF8_MAX, true),
    str('text', TEXT_MAX_CHARS * UTF8_MAX, true),
  ],
};

/** Indexed by BusBody type number; only these three bodies are accepted. */
export const BUS_MESSAGE_SPEC: TableSpec = {
  name: 'BusMessage',
  fields: [
    { name: 'body_type', kind: 'unionType' },
    {
      name: 'body',
      kind: 'union',
      required: true,
      members: [undefined, PLAYER_TRANSFER_SPEC, TRANSFER_ACK_SPEC, GLOBAL_CHAT_SPEC],
    },
  ],
};

export const CLUSTER_TABLE_SPECS: readonly TableSpec[] = [BUS_MESSAGE_SPEC, PLAYER_TRANSFER_SPEC, TRANSFER_ACK_SPEC, GLOBAL_CHAT_SPEC];
