import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ZoneClient } from '../../src/client/index.js';
import { EntityKind, EventKind } from '../../src/protocol/index.js';
import { connect, ownPosition, tempDb, waitFor } from './helpers.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
// 100 Hz wall ticks: players walk 25 units per wall second; a flush every 20 ticks = 0.2 s.
const TICK_RATE = 100;
const FLUSH_TICKS = 20;
const WALL_SPEED = 5 * (TICK_RATE / 20);
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startZone(db: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [MMO, 'zone', '--port', '0', '--db', db, '--flush-ticks', String(FLUSH_TICKS),
    '--tick-rate', String(TICK_RATE), '--size', '200', '--npcs', '0', '--items', '300', '--spawn-radius', '60'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`zone exited (${code}): ${out}`)));
  });
  return { child, port };
}

interface Player {
  name: string;
  client: ZoneClient;
  acked: number;
  last: { x: number; y: number };
}

/** Walks to the nearest item and picks it up, forever, counting pickups it was told of. */
function play(p: Player): void {
  const c = p.client;
  c.on('event', (ev) => {
    if (ev.kind === EventKind.ItemPickup && ev.source === c.netId) p.acked++;
  });
  c.on('snapshot', () => {
    p.last = ownPosition(c);
    const me = c.world.get(c.netId)?.record;
    if (!me || (me.flags & 2) !== 0) return;
    let best: { netId: number; x: number; y: number; d: number } | undefined;
    for (const e of c.world.entities()) {
      if (e.record.kind !== EntityKind.Item) continue;
      const d = Math.hypot(e.record.x - p.last.x, e.record.y - p.last.y);
      if (!best || d < best.d) best = { netId: e.netId, x: e.record.x, y: e.record.y, d };
    }
    if (!best) return;
    if (best.d <= 4) c.useItem(best.netId);
    else c.move(best.x, best.y);
  });
}

describe('crash safety', () => {
  it('survives SIGKILL mid-play: file intact, acknowledged pickups kept, positions one flush old at most', async () => {
    const db = tempDb('crash');
    const { child, port } = await startZone(db);
    const players: Player[] = [];
    for (let i = 0; i < 4; i++) {
      const name = `crasher${i}`;
      const client = await connect(port, name);
      const p: Player = { name, client, acked: 0, last: { x: 0, y: 0 } };
      players.push(p);
      play(p);
    }
    await waitFor('a few acknowledged pickups', () => players.reduce((n, p) => n + p.acked, 0) >= 8, 30_000);
    // Kill while everyone is on the move between items.
    await waitFor('everyone moving', () => players.every((p) => ((p.client.world.get(p.client.netId)?.record.flags ?? 0) & 2) !== 0), 10_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const lastKnown = players.map((p) => ({ ...p.last }));
    const acked = players.map((p) => p.acked);
    for (const p of players) p.client.close();

    const file = new Database(db);
    expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
    const maxStale = WALL_SPEED * (FLUSH_TICKS / TICK_RATE) + 2; // one flush interval of walking, plus a tick or two
    players.forEach((p, i) => {
      const row = file.prepare('SELECT id, x, y FROM players WHERE name = ?').get(p.name) as { id: number; x: number; y: number };
      const items = file.prepare('SELECT COALESCE(SUM(quantity), 0) AS n FROM inventory WHERE player_id = ?').get(row.id) as { n: number };
      expect(items.n).toBeGreaterThanOrEqual(acked[i]);
      expect(Math.hypot(row.x - lastKnown[i].x, row.y - lastKnown[i].y)).toBeLessThanOrEqual(maxStale);
    });
    const saved = file.prepare('SELECT x, y FROM players WHERE name = ?').get('crasher0') as { x: number; y: number };
    file.close();

    // The restarted server opens the same file and puts the player back where it was saved.
    const again = await startZone(db);
    const back = await connect(again.port, 'crasher0');
    await waitFor('own record', () => back.world.get(back.netId));
    const p = ownPosition(back);
    expect(p.x).toBeCloseTo(saved.x, 3);
    expect(p.y).toBeCloseTo(saved.y, 3);
    back.close();
    again.child.kill('SIGTERM');
    await once(again.child, 'exit');
    expect(again.child.exitCode).toBe(0);
  }, 90_000);
});
