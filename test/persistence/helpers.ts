// Real zone servers on a real SQLite file, real SDK clients.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ZoneClient } from '../../src/client/index.js';
import { rules } from '../../src/sim/index.js';

export function tempDb(prefix: string): string {
  return join(mkdtempSync(join(tmpdir(), `mmo-${prefix}-`)), 'world.db');
}

export async function connect(port: number, name: string): Promise<ZoneClient> {
  const client = new ZoneClient({ name, WebSocket: WebSocket as never });
  await client.connect(`ws://127.0.0.1:${port}/`);
  return client;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The client's own position as it knows it now. */
export function ownPosition(c: ZoneClient): { x: number; y: number } {
  // At the server's tick now, not the last frame's: a player walking straight on gets only a
  // heartbeat every 250 ms, and the motion model carries it between.
  const now = Math.max(c.world.tick, Math.floor(c.serverTimeMs() / c.clock.tickMs));
  const p = c.world.positionAt(c.netId, Number.isFinite(now) ? now : c.world.tick);
  if (!p) throw new Error('own entity not known');
  return { x: p.x, y: p.y };
}

/** Walks to (x, y) and waits until the client sees itself stopped there (on the walk grid, so within 1/8). */
export async function walkTo(c: ZoneClient, x: number, y: number): Promise<void> {
  c.move(x, y);
  const near = 1 / rules.WALK_GRID;
  await waitFor(`arrival at ${x},${y}`, () => {
    const rec = c.world.get(c.netId)?.record;
    return rec && (rec.flags & 2) === 0 && Math.abs(rec.x - x) <= near && Math.abs(rec.y - y) <= near;
  }, 30_000);
}

/** POSTs JSON (with a bearer token if given); the answer's JSON, or an Error naming the path and status. */
export async function postJson(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path} ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Logs in through a world's gateway, asks for a zone and joins it with the join token (following handoffs). */
export async function enterThroughGateway(gatewayPort: number, name: string): Promise<ZoneClient> {
  const base = `http://127.0.0.1:${gatewayPort}`;
  const login = await postJson(base, '/login', { name, password: 'correct horse battery' });
  const route = await postJson(base, '/route', { type: 'zone' }, login.token as string);
  const c = new ZoneClient({ name: 'ignored', token: route.token as string, WebSocket: WebSocket as never, followZoneChange: true });
  await c.connect(route.endpoint as string);
  await waitFor('own record', () => c.world.get(c.netId));
  return c;
}
