// Real zone servers on a real SQLite file, real SDK clients.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ZoneClient } from '../../src/client/index.js';

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
  const p = c.world.positionAt(c.netId, c.world.tick);
  if (!p) throw new Error('own entity not known');
  return { x: p.x, y: p.y };
}

/** Walks to (x, y) and waits until the client sees itself stopped there. */
export async function walkTo(c: ZoneClient, x: number, y: number): Promise<void> {
  c.move(x, y);
  await waitFor(`arrival at ${x},${y}`, () => {
    const rec = c.world.get(c.netId)?.record;
    return rec && (rec.flags & 2) === 0 && Math.abs(rec.x - x) < 0.01 && Math.abs(rec.y - y) < 0.01;
  }, 30_000);
}
