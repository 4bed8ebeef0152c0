// Registry logic with a fake clock: registration, heartbeats, the 30 s timeout to the ms,
// query order, deregistration, sweeping, and validation naming the field.

import { describe, expect, it } from 'vitest';
import { HEARTBEAT_TIMEOUT_MS, Registry, RegistryError, SERVER_TYPES, type RegisterInput } from '../../src/cluster/index.js';

const T0 = 1_000_000;

function zone(port: number, extra: Partial<RegisterInput> = {}): RegisterInput {
  return { type: 'zone', host: '10.0.0.1', port, region: 'eu', capacity: 100, ...extra };
}

function refused(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    return e as RegistryError;
  }
  throw new Error('expected a RegistryError');
}

describe('register', () => {
  it('assigns unique ids and lists the server active with load 0', () => {
    const r = new Registry();
    const a = r.register(zone(7001), T0);
    const b = r.register(zone(7002), T0);
    const c = r.register({ type: 'chat', host: '10.0.0.1', port: 7001, capacity: 5 }, T0);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(r.servers(T0)).toEqual([
      expect.objectContaining({ id: c, type: 'chat', host: '10.0.0.1', port: 7001, region: '', capacity: 5, load: 0, active: true }),
      expect.objectContaining({ id: a, type: 'zone', port: 7001, region: 'eu', capacity: 100, load: 0, active: true, registeredAt: T0, lastHeartbeat: T0 }),
      expect.objectContaining({ id: b, port: 7002 }),
    ]);
  });

  it('takes every server type', () => {
    const r = new Registry();
    for (const [i, type] of SERVER_TYPES.entries()) r.register({ type, host: 'h', port: 1000 + i, capacity: 1 }, T0);
    for (const type of SERVER_TYPES) expect(r.query(type, T0)).toHaveLength(1);
  });

  it('lets servers with their own ids share an endpoint (one process, several zones)', () => {
    const r = new Registry();
    const a = r.register(zone(7002, { id: 'zone-a' }), T0);
    const b = r.register(zone(7002, { id: 'zone-b' }), T0);
    expect([a, b]).toEqual(['zone-a', 'zone-b']);
    expect(r.query('zone', T0).map((s) => s.id)).toEqual(['zone-a', 'zone-b']);
    r.deregister('zone-a');
    expect(refused(() => r.register(zone(7002), T0)).code).toBe('conflict'); // zone-b still holds it
  });

  it('refuses an anonymous second registration of one type + host:port, and takes the same id again', () => {
    const r = new Registry();
    const id = r.register(zone(7001), T0);
    const e = refused(() => r.register(zone(7001), T0));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain(id);
    expect(r.register(zone(7001, { id }), T0 + 5)).toBe(id); // restart: same id
    expect(r.size).toBe(1);
    expect(r.server(id, T0 + 5).registeredAt).toBe(T0 + 5);
    // Another type on the same port is another server.
    r.register({ ...zone(7001), type: 'chat' }, T0);
    expect(r.size).toBe(2);
  });

  it('lets a server re-register under its id on a new port and frees the old one', () => {
    const r = new Registry();
    const id = r.register(zone(7001, { id: 'zone-eu-a' }), T0);
    expect(id).toBe('zone-eu-a');
    r.register(zone(7009, { id }), T0);
    expect(r.server(id, T0).port).toBe(7009);
    expect(r.register(zone(7001), T0)).not.toBe(id); // old endpoint free again
    expect(() => r.register(zone(7009), T0)).toThrow(/already registered as zone-eu-a/); // anonymous: conflict
  });

  it('never hands out an id someone chose', () => {
    const r = new Registry();
    r.register(zone(7001, { id: 'zone-1' }), T0);
    const id = r.register(zone(7002), T0);
    expect(id).not.toBe('zone-1');
  });

  it('refuses beyond maxServers', () => {
    const r = new Registry({ maxServers: 2 });
    r.register(zone(1), T0);
    const id = r.register(zone(2), T0);
    expect(refused(() => r.register(zone(3), T0)).code).toBe('full');
    r.register(zone(2, { id }), T0); // re-registering is not growth
    r.deregister(id);
    r.register(zone(3), T0);
  });
});

describe('heartbeat and inactivity', () => {
  it('is active until exactly timeoutMs after the last heartbeat', () => {
    const r = new Registry();
    expect(r.timeoutMs).toBe(HEARTBEAT_TIMEOUT_MS);
    expect(HEARTBEAT_TIMEOUT_MS).toBe(30_000);
    const id = r.register(zone(7001), T0);
    expect(r.query('zone', T0 + 29_999).map((s) => s.id)).toEqual([id]);
    expect(r.query('zone', T0 + 30_000)).toEqual([]);
    expect(r.servers(T0 + 30_000)[0].active).toBe(false);
    // A heartbeat brings it back; the 30 s count restarts from it.
    const info = r.heartbeat(id, { load: 7, players: 7, cpu: 12.5, memoryMB: 80, zones: ['meadow'] }, T0 + 40_000);
    expect(info).toMatchObject({ active: true, load: 7, players: 7, cpu: 12.5, memoryMB: 80, zones: ['meadow'], lastHeartbeat: T0 + 40_000 });
    expect(r.query('zone', T0 + 69_999)).toHaveLength(1);
    expect(r.query('zone', T0 + 70_000)).toHaveLength(0);
  });

  it('honours a configured timeout', () => {
    const r = new Registry({ timeoutMs: 5000 });
    r.register(zone(7001), T0);
    expect(r.query('zone', T0 + 4999)).toHaveLength(1);
    expect(r.query('zone', T0 + 5000)).toHaveLength(0);
  });

  it('keeps optional stats when a heartbeat omits them', () => {
    const r = new Registry();
    const id = r.register(zone(7001), T0);
    r.heartbeat(id, { load: 3, players: 3, zones: ['a', 'b'] }, T0 + 1);
    expect(r.heartbeat(id, { load: 4 }, T0 + 2)).toMatchObject({ load: 4, players: 3, zones: ['a', 'b'], cpu: null });
  });

  it('refuses a heartbeat for an unknown id', () => {
    const r = new Registry();
    const e = refused(() => r.heartbeat('zone-404', { load: 1 }, T0));
    expect(e.code).toBe('not_found');
    expect(e.field).toBe('id');
  });

  it('sweep reports each server going inactive once and forgets long-dead ones', () => {
    const r = new Registry({ timeoutMs: 30_000, forgetAfterMs: 60_000 });
    const a = r.register(zone(1), T0);
    const b = r.register(zone(2), T0);
    r.heartbeat(b, { load: 0 }, T0 + 20_000);
    expect(r.sweep(T0 + 29_999)).toEqual({ inactive: [], removed: [] });
    expect(r.sweep(T0 + 30_000)).toEqual({ inactive: [a], removed: [] });
    expect(r.sweep(T0 + 31_000)).toEqual({ inactive: [], removed: [] });
    expect(r.sweep(T0 + 50_000)).toEqual({ inactive: [b], removed: [] });
    expect(r.sweep(T0 + 90_000)).toEqual({ inactive: [], removed: [a] });
    expect(r.servers(T0 + 90_000).map((s) => s.id)).toEqual([b]);
  });
});

describe('query', () => {
  it('returns active servers of the type, least loaded (load / capacity) first, ties by id', () => {
    const r = new Registry();
    const big = r.register(zone(1, { capacity: 1000, id: 'z-big' }), T0); // 100/1000 = 0.1
    const small = r.register(zone(2, { capacity: 10, id: 'z-small' }), T0); // 5/10 = 0.5
    const tieB = r.register(zone(3, { capacity: 100, id: 'z-b' }), T0); // 20/100 = 0.2
    const tieA = r.register(zone(4, { capacity: 50, id: 'z-a' }), T0); // 10/50 = 0.2
    const full = r.register(zone(5, { capacity: 10, id: 'z-full' }), T0); // 1.0, still listed
    const dead = r.register(zone(6, { id: 'z-dead' }), T0 - 40_000);
    r.register({ type: 'chat', host: 'h', port: 1, capacity: 1 }, T0);
    r.heartbeat(big, { load: 100 }, T0);
    r.heartbeat(small, { load: 5 }, T0);
    r.heartbeat(tieB, { load: 20 }, T0);
    r.heartbeat(tieA, { load: 10 }, T0);
    r.heartbeat(full, { load: 10 }, T0);
    const ids = r.query('zone', T0).map((s) => s.id);
    expect(ids).toEqual([big, tieA, tieB, small, full]);
    expect(ids).not.toContain(dead);
  });

  it('returns copies, not the registry\'s own records', () => {
    const r = new Registry();
    const id = r.register(zone(1), T0);
    const s = r.query('zone', T0)[0];
    s.load = 99;
    s.zones.push('x');
    expect(r.server(id, T0)).toMatchObject({ load: 0, zones: [] });
  });
});

describe('deregister', () => {
  it('removes the server and frees its endpoint; unknown ids throw not_found', () => {
    const r = new Registry();
    const id = r.register(zone(1), T0);
    r.deregister(id);
    expect(r.servers(T0)).toEqual([]);
    expect(refused(() => r.deregister(id)).code).toBe('not_found');
    r.register(zone(1), T0);
  });
});

describe('validation', () => {
  const cases: [string, unknown, string][] = [
    ['type missing', { host: 'h', port: 1, capacity: 1 }, 'type'],
    ['type unknown', { type: 'lobby', host: 'h', port: 1, capacity: 1 }, 'type'],
    ['type not a string', { type: 3, host: 'h', port: 1, capacity: 1 }, 'type'],
    ['host missing', { type: 'zone', port: 1, capacity: 1 }, 'host'],
    ['host empty', { type: 'zone', host: '', port: 1, capacity: 1 }, 'host'],
    ['host with a space', { type: 'zone', host: 'a b', port: 1, capacity: 1 }, 'host'],
    ['host with a path', { type: 'zone', host: 'evil.com/x', port: 1, capacity: 1 }, 'host'],
    ['host with userinfo', { type: 'zone', host: 'me@evil.com', port: 1, capacity: 1 }, 'host'],
    ['host too long', { type: 'zone', host: 'a'.repeat(254), port: 1, capacity: 1 }, 'host'],
    ['host a number', { type: 'zone', host: 127001, port: 1, capacity: 1 }, 'host'],
    ['port 0', { type: 'zone', host: 'h', port: 0, capacity: 1 }, 'port'],
    ['port 65536', { type: 'zone', host: 'h', port: 65536, capacity: 1 }, 'port'],
    ['port fractional', { type: 'zone', host: 'h', port: 80.5, capacity: 1 }, 'port'],
    ['port a string', { type: 'zone', host: 'h', port: '80', capacity: 1 }, 'port'],
    ['capacity 0', { type: 'zone', host: 'h', port: 1, capacity: 0 }, 'capacity'],
    ['capacity fractional', { type: 'zone', host: 'h', port: 1, capacity: 1.5 }, 'capacity'],
    ['capacity NaN', { type: 'zone', host: 'h', port: 1, capacity: NaN }, 'capacity'],
    ['capacity missing', { type: 'zone', host: 'h', port: 1 }, 'capacity'],
    ['region a number', { type: 'zone', host: 'h', port: 1, capacity: 1, region: 5 }, 'region'],
    ['region too long', { type: 'zone', host: 'h', port: 1, capacity: 1, region: 'r'.repeat(65) }, 'region'],
    ['region with a newline', { type: 'zone', host: 'h', port: 1, capacity: 1, region: 'eu\nus' }, 'region'],
    ['region with a lone surrogate', { type: 'zone', host: 'h', port: 1, capacity: 1, region: 'eu\ud800' }, 'region'],
    ['id with a space', { type: 'zone', host: 'h', port: 1, capacity: 1, id: 'a b' }, 'id'],
    ['id empty', { type: 'zone', host: 'h', port: 1, capacity: 1, id: '' }, 'id'],
    ['unknown field', { type: 'zone', host: 'h', port: 1, capacity: 1, capcity: 2 }, 'capcity'],
  ];
  for (const [what, input, field] of cases) {
    it(`register refuses ${what}, naming ${field}`, () => {
      const e = refused(() => new Registry().register(input as RegisterInput, T0));
      expect(e.code).toBe('invalid');
      expect(e.field).toBe(field);
      expect(e.message).toContain(field);
    });
  }

  it('register refuses a non-object', () => {
    expect(refused(() => new Registry().register(null as never, T0)).field).toBe('body');
    expect(refused(() => new Registry().register([] as never, T0)).field).toBe('body');
  });

  const beats: [string, unknown, string][] = [
    ['load missing', {}, 'load'],
    ['load negative', { load: -1 }, 'load'],
    ['load infinite', { load: Infinity }, 'load'],
    ['load NaN', { load: NaN }, 'load'],
    ['load a string', { load: '5' }, 'load'],
    ['players fractional', { load: 1, players: 1.5 }, 'players'],
    ['cpu negative', { load: 1, cpu: -3 }, 'cpu'],
    ['memoryMB a string', { load: 1, memoryMB: 'lots' }, 'memoryMB'],
    ['zones not an array', { load: 1, zones: 'meadow' }, 'zones'],
    ['zones with a number', { load: 1, zones: ['a', 2] }, 'zones[1]'],
    ['too many zones', { load: 1, zones: Array.from({ length: 257 }, (_, i) => `z${i}`) }, 'zones'],
    ['unknown field', { load: 1, lod: 2 }, 'lod'],
  ];
  for (const [what, input, field] of beats) {
    it(`heartbeat refuses ${what}, naming ${field}`, () => {
      const r = new Registry();
      const id = r.register(zone(1), T0);
      const e = refused(() => r.heartbeat(id, input as never, T0));
      expect(e.field).toBe(field);
      expect(r.server(id, T0).load).toBe(0);
    });
  }

  it('query refuses an unknown type', () => {
    expect(refused(() => new Registry().query('lobby' as never, T0)).field).toBe('type');
  });

  it('stores SQL-looking and Unicode strings verbatim', () => {
    const r = new Registry();
    const region = "eu'); DROP TABLE servers; --";
    const host = "x';DELETE_FROM_servers;--";
    const id = r.register({ type: 'zone', host, port: 1, capacity: 1, region }, T0);
    r.register({ type: 'zone', host: '::1', port: 2, capacity: 1, region: '東京 🗼' }, T0);
    expect(r.server(id, T0)).toMatchObject({ host, region });
    expect(r.servers(T0).map((s) => s.region)).toContain('東京 🗼');
  });
});

describe('server keys', () => {
  it('refuses a short key or a bad id at construction', () => {
    expect(() => new Registry({ serverKeys: { 'zone-1': 'short' } })).toThrow(/at least 16/);
    expect(() => new Registry({ serverKeys: { 'zone 1': 'long-enough-key-0123456789' } })).toThrow(/serverKeys/);
  });

  it('an open registry (no keys) takes writes without one; a keyed one needs the id\'s key', () => {
    expect(new Registry().keyed).toBe(false);
    const r = new Registry({ serverKeys: { 'zone-1': 'zone-1-key-0123456789' } });
    expect(r.keyed).toBe(true);
    expect(refused(() => r.register(zone(1, { id: 'zone-1' }), T0)).code).toBe('unauthorized');
    expect(refused(() => r.register(zone(1, { id: 'zone-1' }), T0, 'zone-1-key-012345678X')).code).toBe('forbidden');
    expect(r.register(zone(1, { id: 'zone-1' }), T0, 'zone-1-key-0123456789')).toBe('zone-1');
  });
});
