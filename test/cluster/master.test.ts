// The master (`startMaster`: registry + gateway + ops on one port, a real SQLite file) over
// real HTTP: a registration changes only with its server's own key, so an impostor holding
// another zone's key (or none) cannot steal zone-1's players; a returning player is routed to
// the zone holding its saved position; /health and /metrics answer GET and HEAD.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient, newJoinKeyPair, newServerKeys } from '../../src/cluster/index.js';
import { startMaster, worldLayout } from '../../src/cli/world.js';
import { PlayerStore } from '../../src/store/index.js';
import { get, post, tempDir } from './helpers.js';

const layout = worldLayout(4, 100, '127.0.0.1', [7101, 7102, 7103, 7104]);
const keys = newServerKeys(layout.zones.map((z) => z.serverId));
const db = join(tempDir('master'), 'world.db');
const master = await startMaster({
  host: '127.0.0.1', port: 0, secret: 'master-test-secret-0123456789', joinKey: newJoinKeyPair().privateKey, db, spawn: { x: 50, y: 50, zone: 'zone-1' }, serverKeys: keys, zones: layout.zones,
});
afterAll(() => master.stop());
const base = `http://127.0.0.1:${master.port}`;

/** Each zone registers through its own directory, with its own key, on its own port. */
for (const z of layout.zones) {
  const dir = new RegistryClient(base, { key: keys[z.serverId] });
  await dir.register({ id: z.serverId, type: 'zone', host: '127.0.0.1', port: Number(new URL(z.endpoint).port), capacity: 100 });
}

async function session(name: string): Promise<{ token: string; playerId: number }> {
  const r = await post(base, '/login', { name, password: 'correct horse battery' });
  expect(r.status).toBe(200);
  return r.body;
}

async function route(token: string): Promise<{ serverId: string; endpoint: string }> {
  const r = await post(base, '/route', { type: 'zone' }, { authorization: `Bearer ${token}` });
  expect(r.status).toBe(200);
  return r.body;
}

describe('a registration changes only with its own server\'s key', () => {
  it('refuses zone-1 re-registered at an impostor\'s port with zone-2\'s key or none; players still go to the real zone-1', async () => {
    const impostor = { id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 6666, capacity: 100 };
    const withOther = await post(base, '/register', impostor, { authorization: `Bearer ${keys['zone-2']}` });
    expect(withOther).toMatchObject({ status: 403, body: { reason: 'forbidden', field: 'id' } });
    expect((await post(base, '/register', impostor)).status).toBe(401);
    expect((await post(base, '/register', { ...impostor, id: undefined }, { authorization: `Bearer ${keys['zone-2']}` })).status).toBe(403);
    // Nor can it make the real zone-1 look full or gone.
    expect((await post(base, '/heartbeat', { id: 'zone-1', load: 100 }, { authorization: `Bearer ${keys['zone-2']}` })).status).toBe(403);
    expect((await post(base, '/deregister', { id: 'zone-1' }, { authorization: `Bearer ${keys['zone-3']}` })).status).toBe(403);
    const servers = (await get(base, '/servers')).body as { id: string; port: number; load: number }[];
    expect(servers.find((s) => s.id === 'zone-1')).toMatchObject({ port: 7101, load: 0 });
    // New players (saved at the spawn, in zone-1) are sent to the real zone-1.
    for (const name of ['ann', 'bob', 'cy']) {
      const r = await route((await session(name)).token);
      expect(r).toMatchObject({ serverId: 'zone-1', endpoint: 'ws://127.0.0.1:7101/' });
    }
  });
});

describe('returning players', () => {
  it('are routed to the zone that holds their saved position', async () => {
    const s = await session('dee');
    const store = PlayerStore.open(db);
    try {
      store.savePlayers([{ ...store.player(s.playerId)!, x: 160, y: 140, zone: 'zone-4' }]);
    } finally {
      store.close();
    }
    expect(await route(s.token)).toMatchObject({ serverId: 'zone-4', endpoint: 'ws://127.0.0.1:7104/' });
  });
});

describe('/health and /metrics', () => {
  it('answer GET and HEAD (same headers, no body); other methods get 405', async () => {
    const health = await get(base, '/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const head = await fetch(`${base}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(JSON.stringify({ status: 'ok' }).length));
    expect(await head.text()).toBe('');
    for (const path of ['/metrics', '/servers', '/stats']) expect((await fetch(`${base}${path}`, { method: 'HEAD' })).status, path).toBe(200);
    expect((await post(base, '/health', {})).status).toBe(405);
  });

  it('/metrics is Prometheus text: process metrics, refusals by status and reason, servers by type', async () => {
    const before = (await get(base, '/stats')).body.rejections.byStatus['403'] ?? 0;
    await post(base, '/register', { id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 6667, capacity: 1 }, { authorization: `Bearer ${keys['zone-2']}` });
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^# TYPE mmo_gateway_rejected_total counter$/m);
    const line = /^mmo_gateway_rejected_total\{status="403",reason="field:id"\} (\d+)$/m.exec(text);
    expect(Number(line?.[1])).toBe(before + 1);
    expect(text).toMatch(/^mmo_registry_servers\{type="zone",active="true"\} 4$/m);
  });
});
