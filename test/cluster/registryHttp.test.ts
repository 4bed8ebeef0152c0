// The registry's HTTP API on a real uWS server (127.0.0.1, port 0) with real fetch: the
// Directory contract through RegistryClient, every endpoint, and every way a body can be wrong.

import { describe, expect, it } from 'vitest';
import { Registry, RegistryClient, createRegistryApp, listen } from '../../src/cluster/index.js';
import { FakeClock, get, post, serve } from './helpers.js';
import { KEYS, directoryContract } from './registryContract.js';

directoryContract('RegistryClient over HTTP', async (serverKeys) => {
  const clock = new FakeClock();
  const server = await listen(createRegistryApp(new Registry({ serverKeys }), { clock: clock.now }), '127.0.0.1', 0);
  const base = `http://127.0.0.1:${server.port}`;
  return { clock, as: (key) => new RegistryClient(base, { key }), dispose: () => server.close() };
});

const clock = new FakeClock();
const registry = new Registry();
const { base } = await serve(createRegistryApp(registry, { clock: clock.now }));

const keyedRegistry = new Registry({ serverKeys: { ...KEYS } });
const keyed = await serve(createRegistryApp(keyedRegistry, { clock: clock.now }));

let port = 20_000;
function zoneBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'zone', host: '127.0.0.1', port: port++, region: 'eu', capacity: 100, ...extra };
}

describe('endpoints', () => {
  it('register → heartbeat → query → servers → deregister', async () => {
    const reg = await post(base, '/register', zoneBody({ id: 'zone-eu-1' }));
    expect(reg.status).toBe(200);
    expect(reg.contentType).toBe('application/json; charset=utf-8');
    expect(reg.body).toEqual({ id: 'zone-eu-1', timeoutMs: 30_000 });

    clock.advance(1000);
    const hb = await post(base, '/heartbeat', { id: 'zone-eu-1', load: 12, players: 12, cpu: 30, memoryMB: 120, zones: ['meadow'] });
    expect(hb.status).toBe(200);
    expect(hb.body.server).toMatchObject({ id: 'zone-eu-1', load: 12, lastHeartbeat: clock.t, active: true, zones: ['meadow'] });

    const q = await post(base, '/query', { type: 'zone' });
    expect(q.status).toBe(200);
    expect(q.body.servers.map((s: { id: string }) => s.id)).toContain('zone-eu-1');

    const all = await get(base, '/servers');
    expect(all.status).toBe(200);
    expect(all.contentType).toBe('application/json; charset=utf-8');
    expect(all.body.find((s: { id: string }) => s.id === 'zone-eu-1')).toMatchObject({
      type: 'zone', host: '127.0.0.1', region: 'eu', capacity: 100, load: 12, active: true,
    });

    const dr = await post(base, '/deregister', { id: 'zone-eu-1' });
    expect(dr).toMatchObject({ status: 200, body: { ok: true } });
    expect((await get(base, '/servers')).body.some((s: { id: string }) => s.id === 'zone-eu-1')).toBe(false);
  });

  it('reads the clock once per request: the timeout follows it', async () => {
    const id = (await post(base, '/register', zoneBody())).body.id as string;
    clock.advance(29_999);
    expect((await post(base, '/query', { type: 'zone' })).body.servers.map((s: { id: string }) => s.id)).toContain(id);
    clock.advance(1);
    expect((await post(base, '/query', { type: 'zone' })).body.servers.map((s: { id: string }) => s.id)).not.toContain(id);
    const listed = (await get(base, '/servers')).body.find((s: { id: string }) => s.id === id);
    expect(listed.active).toBe(false);
  });

  it('answers 409 for an endpoint already registered, 404 for unknown ids', async () => {
    const body = zoneBody();
    expect((await post(base, '/register', body)).status).toBe(200);
    const dup = await post(base, '/register', body);
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatch(/already registered/);
    for (const path of ['/heartbeat', '/deregister']) {
      const r = await post(base, path, path === '/heartbeat' ? { id: 'nope-1', load: 1 } : { id: 'nope-1' });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ field: 'id' });
      expect(r.body.error).toContain('nope-1');
    }
  });

  it('answers 405 for the wrong method and 404 for unknown paths', async () => {
    const r = await get(base, '/register');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect((await post(base, '/servers', {})).status).toBe(405);
    const nf = await get(base, '/nothing-here');
    expect(nf.status).toBe(404);
    expect(nf.contentType).toBe('application/json; charset=utf-8');
  });
});

describe('bad bodies', () => {
  it('400 for malformed JSON, an empty body, invalid UTF-8, and non-objects', async () => {
    for (const raw of ['{"type": "zone",', '{bad', 'undefined', "{'a':1}"]) {
      const r = await post(base, '/register', raw);
      expect(r.status, raw).toBe(400);
      expect(r.body.error, raw).toMatch(/malformed JSON/);
    }
    expect((await post(base, '/register', '')).body.error).toMatch(/empty body/);
    expect((await post(base, '/register', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).body.error).toMatch(/UTF-8/);
    for (const raw of ['[]', '"zone"', '42', 'null', 'true']) {
      const r = await post(base, '/query', raw);
      expect(r.status, raw).toBe(400);
      expect(r.body).toMatchObject({ field: 'body', error: 'body must be a JSON object' });
    }
  });

  it('413 for a body over 16 KiB (declared or streamed), and 16 KiB itself is fine', async () => {
    const big = JSON.stringify({ ...zoneBody(), region: 'x'.repeat(17_000) });
    const r = await post(base, '/register', big);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/16384/);
    const huge = await post(base, '/register', 'x'.repeat(2_000_000));
    expect(huge.status).toBe(413);
    // Streamed (chunked, no Content-Length): counted as it arrives.
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await fetch(`${base}/register`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    // Exactly at the cap: parsed (and refused only for its content).
    const body = JSON.stringify({ type: 'zone' });
    const padded = body + ' '.repeat(16 * 1024 - body.length);
    const atCap = await post(base, '/query', padded);
    expect(atCap.status).toBe(200);
    // The server is still serving.
    expect((await get(base, '/servers')).status).toBe(200);
  });

  it('400 naming the field for missing and ill-typed fields', async () => {
    const cases: [string, unknown, string][] = [
      ['/register', { host: 'h', port: 1, capacity: 1 }, 'type'],
      ['/register', { type: 'zone', host: 'h', port: '1', capacity: 1 }, 'port'],
      ['/register', { type: 'zone', host: 'h', port: 70_000, capacity: 1 }, 'port'],
      ['/register', { type: 'zone', host: 'h', port: 1, capacity: -5 }, 'capacity'],
      ['/register', { type: 'zone', host: 'h', port: 1, capacity: 1, region: null }, 'region'],
      ['/register', { type: 'zone', host: 'a/b', port: 1, capacity: 1 }, 'host'],
      ['/register', { type: 'zone', host: 'h', port: 1, capacity: 1, extra: true }, 'extra'],
      ['/heartbeat', { load: 1 }, 'id'],
      ['/heartbeat', { id: 42, load: 1 }, 'id'],
      ['/heartbeat', { id: 'zone-1', load: 'high' }, 'load'],
      ['/query', {}, 'type'],
      ['/query', { type: 'lobby' }, 'type'],
      ['/query', { type: ['zone'] }, 'type'],
      ['/deregister', {}, 'id'],
      ['/deregister', { id: '../etc' }, 'id'],
    ];
    const known = (await post(base, '/register', zoneBody({ id: 'zone-1' }))).body.id;
    expect(known).toBe('zone-1');
    for (const [path, body, field] of cases) {
      const r = await post(base, path, body);
      expect({ path, body, status: r.status, field: r.body.field }).toEqual({ path, body, status: 400, field });
      expect(r.body.error).toContain(field);
    }
  });

  it('stores SQL-looking strings verbatim as host and region names', async () => {
    const host = "a';DROP_TABLE_servers;--";
    const region = "eu' OR '1'='1'; DROP TABLE servers; --";
    const r = await post(base, '/register', zoneBody({ host, region }));
    expect(r.status).toBe(200);
    const listed = (await get(base, '/servers')).body.find((s: { id: string }) => s.id === r.body.id);
    expect(listed).toMatchObject({ host, region });
    const q = await post(base, '/query', { type: 'zone' });
    expect(q.body.servers.find((s: { id: string }) => s.id === r.body.id)).toMatchObject({ host, region });
  });

  it('ignores __proto__ in a body', async () => {
    const r = await post(base, '/query', '{"type":"zone","__proto__":{"polluted":true}}');
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('per-server keys', () => {
  it('401 with WWW-Authenticate without a key, 403 with another server\'s; the key as Bearer is accepted', async () => {
    const body = { id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 7001, capacity: 10 };
    const none = await post(keyed.base, '/register', body);
    expect(none).toMatchObject({ status: 401, body: { reason: 'unauthorized' } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    for (const authorization of [`Bearer ${KEYS['zone-2']}`, 'Bearer wrong', KEYS['zone-1']]) {
      const r = await post(keyed.base, '/register', body, { authorization });
      expect(r.status, authorization).toBe(authorization === KEYS['zone-1'] ? 401 : 403);
      expect(typeof r.body.error).toBe('string');
    }
    expect(keyedRegistry.size).toBe(0);
    // Reads are open; only writes need a key.
    expect((await get(keyed.base, '/servers')).status).toBe(200);
    expect((await post(keyed.base, '/query', { type: 'zone' })).status).toBe(200);
    const ok = await post(keyed.base, '/register', body, { authorization: `Bearer ${KEYS['zone-1']}` });
    expect(ok).toMatchObject({ status: 200, body: { id: 'zone-1' } });
  });
});

describe('RegistryClient', () => {
  it('surfaces errors as RegistryError codes; an unreachable registry is unavailable', async () => {
    const c = new RegistryClient(`${base}/`);
    const { id } = await c.register({ type: 'chat', host: 'chat.local', port: 9000, capacity: 10, region: 'us' });
    expect((await c.list()).some((s) => s.id === id)).toBe(true);
    await c.deregister(id);
    await expect(c.deregister(id)).rejects.toMatchObject({ code: 'not_found', field: 'id' });
    await expect(new RegistryClient('http://127.0.0.1:1', { timeoutMs: 2000 }).list()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
