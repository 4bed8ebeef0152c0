// A world that heals: a zone process SIGKILLed under its players is started again by the
// supervisor (registered anew, /health ok) within 10 s, and the bots that were in it log in
// through the gateway again and are back in the world within 15 s of losing it. The master
// SIGKILLed is started again too: the zones register with its empty registry at their next
// heartbeat, a player who logged in before it died keeps its session token, and a new one
// logs in and plays.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSwarm, type SwarmReport } from '../../src/bots/index.js';
import { startProcessWorld, type ProcessWorld } from '../../src/cli/world.js';
import { enterThroughGateway, postJson, tempDb, waitFor } from '../persistence/helpers.js';
import { playing, twice } from '../../bench/lib/worldProbe.js';
import { skipWithoutNats } from './worldProbe.js';

const SKIP = skipWithoutNats(import.meta.filename);

const BOTS = 8;
let world: ProcessWorld;
const interrupt = new AbortController();
let swarm: Promise<SwarmReport>;

beforeAll(async () => {
  if (SKIP) return;
  world = await startProcessWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 6, nats: 'auto', db: tempDb('heals'), npcs: 0, items: 0 });
  swarm = runSwarm({
    url: '', gateway: `http://127.0.0.1:${world.port}/`, count: BOTS, durationS: 600, behavior: 'wander', ramp: 20, workers: 1, seed: 6, signal: interrupt.signal,
  });
}, 90_000);

afterAll(async () => {
  interrupt.abort();
  await swarm?.catch(() => undefined);
  await world?.stop();
});

type Server = { id: string; active: boolean; registeredAt: number };

describe.skipIf(SKIP)('a zone process that dies', () => {
  it('is started again and registered within 10 s; its bots are back in the world within 15 s', async () => {
    const bots = (where: Map<string, string[]>) => [...where.keys()].filter((n) => n.startsWith('bot'));
    await waitFor('every bot in the world', async () => bots(await playing(world.layout)).length === BOTS, 60_000);
    const before = await playing(world.layout);
    // The zone with the most bots dies.
    const victim = world.layout.zones.map((z, i) => ({ z, i, n: [...before.values()].filter((zs) => zs[0] === z.serverId).length }))
      .sort((a, b) => b.n - a.n)[0];
    expect(victim.n).toBeGreaterThan(0);
    const killedAt = Date.now();
    world.children[1 + victim.i].kill('SIGKILL'); // by its pid; children[0] is the master
    const health = victim.z.endpoint.replace('ws://', 'http://') + 'health';
    await waitFor('the zone back: registered anew and healthy', async () => {
      const servers = (await (await fetch(`http://127.0.0.1:${world.port}/servers`)).json()) as Server[];
      const s = servers.find((x) => x.id === victim.z.serverId);
      const ok = await fetch(health).then((r) => r.ok, () => false);
      return ok && s?.active === true && s.registeredAt >= killedAt;
    }, 10_000);
    const zoneBackMs = Date.now() - killedAt;
    expect(zoneBackMs).toBeLessThanOrEqual(10_000);
    expect(world.restarts[victim.i]).toBe(1);
    let worst: string[] = [];
    await waitFor('every bot back in the world', async () => {
      const where = await playing(world.layout);
      if (twice(where).length > 0) worst = twice(where);
      return bots(where).length === BOTS;
    }, Math.max(1, 15_000 - (Date.now() - killedAt)));
    expect(worst).toEqual([]);
    console.info(`zone back in ${zoneBackMs} ms, its ${victim.n} bots back ${Date.now() - killedAt} ms after the kill`);
    interrupt.abort();
    const report = await swarm;
    expect(report.rejoined).toBeGreaterThanOrEqual(victim.n);
    expect(report.failed).toBe(0);
  }, 120_000);
});

describe.skipIf(SKIP)('a master that dies', () => {
  it('is started again; every zone registers with it anew, an old session token still routes, a new player logs in and plays', async () => {
    const base = `http://127.0.0.1:${world.port}`;
    const before = await postJson(base, '/login', { name: 'oldtimer', password: 'correct horse battery' });
    const killedAt = Date.now();
    world.children[0].kill('SIGKILL'); // the master, by its pid
    await waitFor('every zone registered with the new master', async () => {
      const servers = await fetch(`${base}/servers`).then((r) => r.json() as Promise<Server[]>, () => []);
      return world.layout.zones.every((z) => servers.some((s) => s.id === z.serverId && s.active && s.registeredAt >= killedAt));
    }, 30_000);
    expect(world.masterRestarts).toBe(1);
    console.info(`master back with every zone registered ${Date.now() - killedAt} ms after the kill`);
    const route = await postJson(base, '/route', { type: 'zone' }, before.token as string);
    expect(world.layout.zones.map((z) => z.endpoint)).toContain(route.endpoint);
    const newcomer = await enterThroughGateway(world.port, 'newcomer');
    expect(newcomer.joined).toBe(true);
    newcomer.close();
  }, 60_000);
});
