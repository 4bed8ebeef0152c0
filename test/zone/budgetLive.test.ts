import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { waitFor } from '../persistence/helpers.js';

// The bandwidth cap end to end: a real zone under 2 KB/s per player, SDK clients walking about.
// Their views change faster than the cap can tell them; once they stop, every client's world
// is exactly the server's view of it, and no client got more than the cap (plus the one
// second's worth a bucket and a frame may run ahead).

const CAP = 2048;
let server: ZoneServer;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  server = await startZoneServer({
    port: 0, bandwidthBytesPerSec: CAP,
    zone: { npcs: 160, guardShare: 1, items: 40, cellSize: 25, bounds: { minX: 0, minY: 0, maxX: 400, maxY: 400 }, spawn: { x: 200, y: 200 }, spawnRadius: 120 },
  }, () => {});
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
});

/** NetIds in the player's view on the server (PROTOCOL.md §7: cells the radius-100 disc reaches into). */
function serverView(netId: number): Set<number> {
  const { world } = server, g = world.grid, s = g.cellSize;
  const e = world.netToEid.get(netId)!;
  const px = world.c.Position.x[e], py = world.c.Position.y[e];
  const ids = new Set<number>();
  for (let c = 0; c < g.cellCount; c++) {
    const x0 = g.minX + (c % g.cols) * s, y0 = g.minY + Math.floor(c / g.cols) * s;
    const nx = Math.min(Math.max(px, x0), x0 + s), ny = Math.min(Math.max(py, y0), y0 + s);
    if ((nx - px) ** 2 + (ny - py) ** 2 >= 100 * 100) continue;
    for (const m of g.cells[c]) ids.add(world.c.NetId.id[m]);
  }
  return ids;
}

/** Is the client's world exactly the server's view: the same entities, each where the server has it? */
function inSync(c: ZoneClient): boolean {
  const { world } = server;
  const view = serverView(c.netId);
  if (view.size !== c.world.size) return false;
  for (const id of view) {
    const known = c.world.get(id);
    const e = world.netToEid.get(id)!;
    if (!known) return false;
    const p = c.world.positionAt(id, world.tick)!;
    if (Math.abs(p.x - world.c.Position.x[e]) > 0.05 || Math.abs(p.y - world.c.Position.y[e]) > 0.05) return false;
    if (known.record.hp !== world.c.Health.hp[e]) return false;
  }
  return true;
}

describe('bandwidth cap, live', () => {
  it('under 2 KB/s a walking client gets its whole view in the end, and no more than the cap', async () => {
    const started = performance.now();
    for (let i = 0; i < 4; i++) {
      const c = new ZoneClient({ name: `walker${i}`, WebSocket: WebSocket as never });
      clients.push(c);
      await c.connect(`ws://127.0.0.1:${server.port}/`);
      await waitFor('the keyframe', () => c.stats.snapshots > 0);
      // The join keyframe holds a quarter second of the cap, nearest cells first: not the whole view.
      if (i === 0) expect(c.world.size).toBeLessThan(serverView(c.netId).size);
    }
    // Each walks a square of side 120 around the middle, a corner every 1.5 s: new cells all the time.
    const corners = [[140, 140], [260, 140], [260, 260], [140, 260]];
    for (let leg = 0; leg < 4; leg++) {
      clients.forEach((c, i) => c.move(corners[(leg + i) % 4][0], corners[(leg + i) % 4][1]));
      await new Promise((r) => setTimeout(r, 1500));
    }
    // Stopped (at most 120 / 5 = 24 s more to reach the last corner; they stop on arrival).
    for (const c of clients) await waitFor(`${c.netId} in sync`, () => inSync(c), 60_000);
    const seconds = (performance.now() - started) / 1000;
    for (const c of clients) {
      expect(c.world.size).toBeGreaterThan(10);
      expect(c.stats.bytesReceived).toBeLessThanOrEqual(CAP * (seconds + 1));
    }
    // The cap did bind: cells were deferred, and each sent cell's wait was counted.
    const budget = server.status().budget!;
    expect(budget.cellsWaited).toBeGreaterThan(0);
    expect(budget.nearWaitMs.count + budget.farWaitMs.count).toBe(budget.cellsSent);
  }, 90_000);
});
