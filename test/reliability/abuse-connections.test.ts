// Issue 8, abuse: a connection flood. Thousands of WebSocket connections opened and dropped
// rapidly, hundreds held open without Hello, and a cap on open connections (maxConnections)
// beyond which a new socket is refused at once with 1013 and a reason. Throughout, a few honest
// clients get a snapshot for every tick, with no gaps.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient, httpJson, lateSnapshots, metricValue, waitUntil } from '../zone/wsClient.js';

const servers: ZoneServer[] = [];
const sockets: WebSocket[] = [];
const honestAll: TestClient[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(honestAll.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) await s.stop();
});

async function server(extra = {}): Promise<ZoneServer> {
  const s = await startZoneServer({ port: 0, tickRate: 20, zone: { npcs: 50, items: 0 }, ...extra }, () => {});
  servers.push(s);
  return s;
}

async function honest(s: ZoneServer, n: number): Promise<{ clients: TestClient[]; from: number[] }> {
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => TestClient.join(`ws://127.0.0.1:${s.port}/`, `honest${i}`, 10_000)));
  for (const c of clients) c.keepSnapshots = false;
  honestAll.push(...clients);
  return { clients, from: clients.map((c) => c.lastTick) };
}

/**
 * Every honest client is open, error-free and got every tick since it joined, with no gap,
 * more than `minTicks` of them (the last frames may still be on their way on a busy machine:
 * waited for, 5 s at most).
 */
async function expectEveryTick(h: { clients: TestClient[]; from: number[] }, minTicks: number): Promise<void> {
  await waitUntil(() => h.clients.every((c, i) => c.lastTick - h.from[i] > minTicks), 5000, 'the honest clients to get the latest ticks');
  for (const [i, c] of h.clients.entries()) {
    expect(c.isOpen).toBe(true);
    expect(c.errors).toEqual([]);
    const ticks = c.snapshotTicks.filter((t) => t >= h.from[i]);
    expect(lateSnapshots(ticks)).toEqual([]);
    expect(ticks[ticks.length - 1] - ticks[0]).toBeGreaterThan(minTicks);
  }
}

/** A full GC, so heap figures compare what is live (the server shares this process). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

interface Outcome { opened: boolean; code: number; reason: string }

/** Opens a raw WebSocket; resolves with how it ended once it closed. */
function open(port: number, onOpen?: (ws: WebSocket) => void): { ws: WebSocket; done: Promise<Outcome> } {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  let opened = false;
  ws.on('error', () => {});
  ws.on('open', () => { opened = true; onOpen?.(ws); });
  const done = new Promise<Outcome>((r) => ws.on('close', (code, reason) => r({ opened, code, reason: reason.toString() })));
  return { ws, done };
}

describe('abuse: connection flood', () => {
  it('3,000 connections opened and dropped in ~10 s plus 300 held without Hello: the server stays up, honest clients keep every tick, memory returns near baseline', async () => {
    const s = await server({ helloTimeoutMs: 60_000 }); // the held ones are not swept during the run
    const h = await honest(s, 3);
    collect();
    const base = (await httpJson<{ memory: { rssMB: number; heapUsedMB: number } }>(s.port, '/status')).memory;
    const t0 = performance.now();
    const tick0 = s.status().tick;

    // 300 held open, never saying Hello.
    const held = Array.from({ length: 300 }, () => open(s.port));
    sockets.push(...held.map((x) => x.ws));
    await waitUntil(() => s.status().connections === 303, 10_000, '300 idle connections open');

    // 3,000 churned: 30 every 100 ms, each dropped at once in one of three ways.
    const outcomes: Promise<Outcome>[] = [];
    for (let wave = 0; wave < 100; wave++) {
      for (let k = 0; k < 30; k++) {
        const how = k % 3;
        const c = open(s.port, (ws) => { if (how === 1) ws.terminate(); else if (how === 2) ws.close(1000); });
        if (how === 0) setTimeout(() => c.ws.terminate(), 5 + (k % 10)); // often before the upgrade completes
        outcomes.push(c.done);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = await Promise.all(outcomes);
    const floodS = (performance.now() - t0) / 1000;
    expect(results.length).toBe(3000);
    expect(results.filter((r) => r.opened).length).toBeGreaterThan(1500);
    // Only the held and honest ones are left.
    await waitUntil(() => s.status().connections === 303, 5000, 'churned connections gone');
    const mid = (await httpJson<{ memory: { rssMB: number; heapUsedMB: number } }>(s.port, '/status')).memory;

    // Drop the held ones too: back to the honest three, memory near baseline.
    for (const x of held) x.ws.terminate();
    await waitUntil(() => s.status().connections === 3, 5000, 'held connections gone');
    await new Promise((r) => setTimeout(r, 500));
    collect();
    const after = (await httpJson<{ memory: { rssMB: number; heapUsedMB: number } }>(s.port, '/status')).memory;
    console.log(`flood: 3000 churned + 300 held in ${floodS.toFixed(1)} s; heapUsed MB base ${base.heapUsedMB} mid ${mid.heapUsedMB} after ${after.heapUsedMB}; rss MB base ${base.rssMB} mid ${mid.rssMB} after ${after.rssMB}; tick p99 ${s.status().tickMs.p99} ms`);
    // Live heap after a full GC (the server and the test's clients share it).
    expect(after.heapUsedMB - base.heapUsedMB).toBeLessThan(10);
    expect(await (await fetch(`http://127.0.0.1:${s.port}/health`)).json()).toEqual({ status: 'ok' });
    // Every tick the server ran during the flood reached them (a count, however busy the machine).
    await expectEveryTick(h, s.status().tick - tick0 - 2);
    expect(s.status().players).toBe(3);
  }, 60_000);

  it('refuses connections beyond maxConnections at once with 1013 and a reason, counted, and accepts again once below it', async () => {
    const s = await server({ maxConnections: 10 });
    const h = await honest(s, 3);
    const extra = Array.from({ length: 20 }, () => open(s.port));
    sockets.push(...extra.map((x) => x.ws));
    await waitUntil(() => extra.filter((x) => x.ws.readyState === WebSocket.CLOSED).length === 13, 5000, '13 refused');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await Promise.all(extra.filter((x) => x.ws.readyState === WebSocket.CLOSED).map((x) => x.done));
    expect(refused.length).toBe(13);
    for (const r of refused) expect(r).toMatchObject({ code: 1013, reason: 'too many connections; try again later' });
    expect(s.status().connections).toBe(10);
    expect(await metricValue(s.port, 'mmo_connections_closed_total', { reason: 'too_many_connections' })).toBe(13);
    expect(await metricValue(s.port, 'mmo_inbound_rejected_total', { reason: 'too_many_connections' })).toBe(13);

    // A refused-over-cap player cannot join; once room is made a new one can.
    for (const x of extra) x.ws.terminate();
    await waitUntil(() => s.status().connections === 3, 5000, 'extra connections gone');
    const late = await TestClient.join(`ws://127.0.0.1:${s.port}/`, 'late', 5000);
    honestAll.push(late);
    expect(s.status().players).toBe(4);
    await new Promise((r) => setTimeout(r, 1000));
    await expectEveryTick(h, 20);
  }, 30_000);
});
