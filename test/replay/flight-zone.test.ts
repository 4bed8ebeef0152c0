// The flight recorder inside a real `mmo zone` with players on it: its ring is on disk while
// it runs; SIGUSR2 and the admin route (with the admin token only) save the last minutes as a
// file `mmo replay` accepts; a zone without an admin token has no admin route and says so.

import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { startZoneServer } from '../../src/zone/index.js';
import { mmo, startZone, stopChild } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-flight-zone-'));
const TOKEN = 'admin-token-for-this-test-only';
let zone: Awaited<ReturnType<typeof startZone>> | undefined;
const players: ZoneClient[] = [];

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const base = () => `http://127.0.0.1:${zone!.port}`;
const tick = async () => ((await (await fetch(`${base()}/status`)).json()) as { tick: number }).tick;
const save = (headers: Record<string, string>, body = '{"lastMs": 60000}') =>
  fetch(`${base()}/admin/flight/save`, { method: 'POST', headers, body });

beforeAll(async () => {
  zone = await startZone(['--no-db', '--seed', '7', '--npcs', '60', '--flight-dir', dir], { MMO_ADMIN_TOKEN: TOKEN });
  for (const name of ['ann', 'ben']) {
    const c = new ZoneClient({ name, WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${zone.port}/`);
    players.push(c);
  }
  players[0].move(520, 480);
  players[1].move(480, 520);
  await until('a few seconds of ticks', async () => (await tick()) > 60);
}, 120_000);

afterAll(async () => {
  for (const c of players) c.close();
  if (zone) await stopChild(zone.child, 'SIGTERM');
});

describe('the flight recorder of a live `mmo zone`', () => {
  it('keeps its ring on disk while the zone runs, and says so at start', () => {
    expect(readdirSync(dir).filter((f) => /^seg-\d{10}\.replay\.gz$/.test(f)).length).toBeGreaterThan(0);
    expect(zone!.output()).toContain(`flight recorder: the last 10 minutes in ${dir}`);
  });

  it('refuses the admin route without the admin token, or with a wrong one', async () => {
    const none = await save({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await save({ Authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'wrong admin token' });
    const bad = await save({ Authorization: `Bearer ${TOKEN}` }, '{"lastMs": -5}');
    expect(bad.status).toBe(400);
    expect(readdirSync(join(dir, 'saved'))).toEqual([]);
  });

  it('saves the last minutes with the right token, as a file `mmo replay` accepts', async () => {
    const res = await save({ Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const s = await res.json() as { path: string; fromTick: number; toTick: number; ticks: number; bytes: number };
    expect(s.path).toMatch(new RegExp(`^${dir}/saved/flight-\\d+\\.replay\\.gz$`));
    expect(s.toTick - s.fromTick).toBe(s.ticks);
    expect(s.ticks).toBeGreaterThan(60);
    expect(statSync(s.path).size).toBe(s.bytes);
    const replayed = await mmo(['replay', s.path]);
    expect([0, 3], replayed.out).toContain(replayed.code);
  }, 120_000);

  it('saves on SIGUSR2 and logs the path', async () => {
    const before = zone!.output().length;
    process.kill(zone!.child.pid!, 'SIGUSR2');
    const path = await until('the saved path', () => /SIGUSR2: flight recording saved to (\S+)/.exec(zone!.output().slice(before))?.[1]);
    expect(existsSync(path)).toBe(true);
    const replayed = await mmo(['replay', path]);
    expect([0, 3], replayed.out).toContain(replayed.code);
  }, 120_000);
});

describe('a zone without an admin token', () => {
  it('has no admin route, and says why', async () => {
    const lone = await startZoneServer({ port: 0, zone: { npcs: 0, items: 0 }, flight: { dir: join(dir, 'lone') } }, () => {});
    try {
      const res = await fetch(`http://127.0.0.1:${lone.port}/admin/flight/save`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{}' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toMatch(/no admin token configured \(set MMO_ADMIN_TOKEN or use --admin-token-file FILE\)/);
    } finally {
      await lone.stop();
    }
  });
});
