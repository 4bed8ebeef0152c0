// The tick profile's running totals as /status gives them: frame assembly's wall time and,
// within it, the time the tick thread waited for its core (on one core the I/O thread runs then).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { threadRunDelayMs } from '../../src/runtime/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import type { TickTotals } from '../../src/zone/profile.js';
import { TestClient, closeAll, httpJson } from './wsClient.js';

const servers: ZoneServer[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  await closeAll(clients.splice(0));
  for (const s of servers.splice(0)) await s.stop();
});

/** Busy for `ms` of wall time. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('tick profile', () => {
  it("reads the calling thread's wait for a CPU: within the wall time, and growing when more threads run than there are CPUs", async () => {
    const wall0 = performance.now(), wait0 = threadRunDelayMs(); // the wait's readings within the wall's
    expect(Number.isFinite(wait0)).toBe(true); // Linux, where the tests run
    spin(50);
    const quiet = threadRunDelayMs() - wait0;
    expect(quiet).toBeGreaterThanOrEqual(0);
    expect(quiet).toBeLessThanOrEqual(performance.now() - wall0);
    // One busy thread more than the CPUs, beside this one: it must queue for a CPU some of the time.
    const busy = Array.from({ length: availableParallelism() + 1 }, () =>
      new Worker('const end = performance.now() + 400; while (performance.now() < end);', { eval: true }));
    await Promise.all(busy.map((w) => new Promise((resolve) => w.once('online', resolve))));
    const wall1 = performance.now(), wait1 = threadRunDelayMs();
    spin(300);
    const crowded = threadRunDelayMs() - wait1;
    expect(crowded).toBeGreaterThan(0);
    expect(crowded).toBeLessThanOrEqual(performance.now() - wall1);
    await Promise.all(busy.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  });

  it("totals frame assembly's wait for the core within its wall time", async () => {
    const s = await startZoneServer({ port: 0, seed: 5, zone: { npcs: 20, items: 0 } });
    servers.push(s);
    for (const name of ['ann', 'bob', 'cy']) clients.push(await TestClient.join(`ws://127.0.0.1:${s.port}/`, name));
    const a = await httpJson<{ totals: TickTotals }>(s.port, '/status');
    await clients[2].waitTick(clients[2].lastTick + 20);
    const b = await httpJson<{ totals: TickTotals }>(s.port, '/status');
    const wall = b.totals.encodeMs - a.totals.encodeMs, wait = b.totals.encodeWaitMs - a.totals.encodeWaitMs;
    expect(b.totals.ticks - a.totals.ticks).toBeGreaterThanOrEqual(20);
    expect(wall).toBeGreaterThan(0);
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThanOrEqual(wall);
  });
});
