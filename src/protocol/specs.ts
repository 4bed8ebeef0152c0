// Verifier specs: a hand-written mirror of schemas/*.fbs (field ids in declaration order).
// test/protocol/schema.test.ts checks them against the generated code, so a schema change
// that is not reflected here fails the tests.

import {
  ENTITY_STATE_SIZE,
  MAX_CHAT_CHARS,
  MAX_NAME_CHARS,
  MAX_SERVER_FRAME_BYTES,
  MAX_TOKEN_BYTES,
  MAX_UTF8_BYTES_PER_CHAR,
} from './constants.js';
import type { TableSpec } from './verify.js';

const u8 = (name: string) => ({ name, kind: 'scalar', size: 1 }) as const;
const u16 = (name: string) => ({ name, kind: 'scalar', size: 2 }) as const;
const u32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const f32 = (name: string) => ({ name, kind: 'scalar', size: 4 }) as const;
const f64 = (name: string) => ({ name, kind: 'scalar', size: 8 }) as const;
const str = (name: string, maxBytes: number, required = false) =>
  ({ name, kind: 'string', maxBytes, required }) as const;

// ---------------------------------------------------------------- client.fbs

export const HELLO_SPEC: TableSpec = {
  name: 'Hello',
  fields: [
    u16('protocol_version'),
    str('token', MAX_TOKEN_BYTES),
    str('name', MAX_NAME_CHARS * MAX_UTF8_BYTES_PER_CHAR, true),
  ],
};
export const MOVE_SPEC: TableSpec = { name: 'Move', fields: [u32('seq'), f32('x'), f32('y')] };
export const CHAT_SPEC: TableSpec = {
  name: 'Chat',
  fields: [u32('seq'), str('text', MAX_CHAT_CHARS * MAX_UTF8_BYTES_PER_CHAR, true)],
};
export const ATTACK_SPEC: TableSpec = { name: 'Attack', fields: [u32('seq'), u32('target')] };
export const USE_ITEM_SPEC: TableSpec = { name: 'UseItem', fields: [u32('seq'), u32('item')] };
export const PING_SPEC: TableSpec = { name: 'Ping', fields: [f64('client_time')] };

/** Indexed by ClientBody type number; only these six bodies are accepted. */
export const CLIENT_MESSAGE_SPEC: TableSpec = {
  name: 'ClientMessage',
  fields: [
    { name: 'body_type', kind: 'unionType' },
    {
      name: 'body',
      kind: 'union',
      required: true,
      members: [undefined, HELLO_SPEC, MOVE_SPEC, CHAT_SPEC, ATTACK_SPEC, USE_ITEM_SPEC, PING_SPEC],
    },
  ],
};

// ---------------------------------------------------------------- server.fbs

// Server strings are trusted for content; the cap only bounds them by the frame size.
const ANY = MAX_SERVER_FRAME_BYTES;

export const EVENT_SPEC: TableSpec = {
  name: 'Event',
  fields: [u8('kind'), u32('source'), u32('target'), f32('x'), f32('y'), u32('value'), str('text', ANY)],
};
export const WELCOME_SPEC: TableSpec = {
  name: 'Welcome',
  fields: [
    u16('protocol_version'),
    str('session_id', ANY, true),
    u32('net_id'),
    u16('zone_id'),
    str('zone_name', ANY, true),
    { name: 'bounds', kind: 'struct', size: 16, align: 4, required: true },
    u8('tick_rate'),
    u32('tick'),
  ],
};
export const SNAPSHOT_SPEC: TableSpec = {
  name: 'Snapshot',
  fields: [
    u32('tick'),
    u32('ack_seq'),
    u8('keyframe'),
    { name: 'entities', kind: 'vector', elemSize: ENTITY_STATE_SIZE, elemAlign: 4 },
    { name: 'removed', kind: 'vector', elemSize: 4, elemAlign: 4 },
    { name: 'events', kind: 'tableVector', table: EVENT_SPEC },
  ],
};
export const PONG_SPEC: TableSpec = { name: 'Pong', fields: [f64('client_time'), u32('server_tick')] };
export const ERROR_SPEC: TableSpec = { name: 'Error', fields: [u16('code'), str('text', ANY)] };
export const ZONE_CHANGE_SPEC: TableSpec = {
  name: 'ZoneChange',
  fields: [str('endpoint', ANY, true), str('token', ANY, true), u16('zone_id')],
};

/** Indexed by ServerBody type number. */
export const SERVER_MESSAGE_SPEC: TableSpec = {
  name: 'ServerMessage',
  fields: [
    { name: 'body_type', kind: 'unionType' },
    {
      name: 'body',
      kind: 'union',
      required: true,
      members: [undefined, WELCOME_SPEC, SNAPSHOT_SPEC, PONG_SPEC, ERROR_SPEC, ZONE_CHANGE_SPEC],
    },
  ],
};

export const CLIENT_TABLE_SPECS: readonly TableSpec[] = [
  CLIENT_MESSAGE_SPEC,
  HELLO_SPEC,
  MOVE_SPEC,
  CHAT_SPEC,
  ATTACK_SPEC,
  USE_ITEM_SPEC,
  PING_SPEC,
];
export const SERVER_TABLE_SPECS: readonly TableSpec[] = [
  SERVER_MESSAGE_SPEC,
  WELCOME_SPEC,
  SNAPSHOT_SPEC,
  EVENT_SPEC,
  PONG_SPEC,
  ERROR_SPEC,
  ZONE_CHANGE_SPEC,
];
