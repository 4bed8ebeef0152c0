// Issue 8, faults: SIGKILL of zone processes. A world of two zone processes, a master and
// nats-server (tickRate 100). A player walks toward the border; the TARGET zone is frozen
// (SIGSTOP) just before the crossing, so the transfer is outstanding when it is SIGKILLed: the
// player is never playable in two zones, the source recalls it after the transfer timeout and it
// stays playable there. Then the SOURCE is SIGKILLed mid-walk: the player's row in the SQLite
// file is intact and at most one flush interval (100 ticks = 1 s here) stale.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { NATS_SERVER_PACKAGE, findNatsServer } from '../../src/bus/index.js';

// Needs Debian's nats-server: skipped locally without it (with a message), required in CI.
const SKIP = findNatsServer() === null && !process.env.CI;
if (SKIP) console.warn(`${import.meta.filename}: skipped, no nats-server (apt-get install ${NATS_SERVER_PACKAGE})`);
import { startProcessWorld, type ProcessWorld } from '../../src/cli/world.js';
import { PlayerStore } from '../../src/store/index.js';
import { ownPosition, tempDb, waitFor } from '../persistence/helpers.js';

let world: ProcessWorld;
let db: string;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  if (SKIP) return;
  db = tempDb('fault-handoff');
  world = await startProcessWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 11, nats: 'auto', db, npcs: 0, items: 0, tickRate: 100 });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of world?.children ?? []) if (c.exitCode === null && c.signalCode === null) c.kill('SIGCONT'); // a frozen one must hear SIGTERM
  await world?.stop();
});

async function post(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${world.port}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path} ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function stages(zoneId: number): Promise<Record<string, string[]>> {
  const url = world.layout.zones[zoneId - 1].endpoint.replace('ws://', 'http://') + 'players';
  return (await (await fetch(url)).json()) as Record<string, string[]>;
}

describe.skipIf(SKIP)('faults: zone processes killed', () => {
  it('SIGKILL of the target mid-handoff: recalled to the source and playable there; SIGKILL of the source: its row intact and at most one flush stale', async () => {
    const login = await post('/login', { name: 'wanderer', password: 'correct horse battery' });
    const route = await post('/route', { type: 'zone' }, login.token as string);
    const c = new ZoneClient({ name: 'ignored', token: route.token as string, WebSocket: WebSocket as never, followZoneChange: true });
    clients.push(c);
    await c.connect(route.endpoint as string);
    await waitFor('own record', () => c.world.get(c.netId));
    const welcomes: number[] = [c.welcomeMsg!.zoneId];
    c.on('welcome', (w) => welcomes.push(w.zoneId));
    const src = c.welcomeMsg!.zoneId, dst = 3 - src;
    const source = world.children[src], target = world.children[dst]; // children[0] is the master
    const toward = src === 1 ? 130 : 70, inside = src === 1 ? 5 : 195, border = 100;

    // Walk toward the border; freeze the target just before the crossing.
    c.move(toward, 50);
    await waitFor('near the border', () => Math.abs(ownPosition(c).x - border) < 4, 20_000);
    target.kill('SIGSTOP');
    await waitFor('handoff started', async () => (await stages(src)).transferring?.includes('wanderer'), 30_000);
    const transferringAt = performance.now();
    target.kill('SIGKILL'); // the transfer is outstanding: nobody will answer it
    await new Promise((r) => target.once('exit', r));

    // Never in two zones (the target is gone; the source holds it transferring, then joined).
    let joinedSamples = 0;
    await waitFor('recalled by the source', async () => {
      const st = await stages(src);
      expect((st.joined ?? []).filter((n) => n === 'wanderer').length + (st.transferring ?? []).filter((n) => n === 'wanderer').length).toBe(1);
      if (st.joined?.includes('wanderer')) joinedSamples++;
      return joinedSamples > 0;
    }, 10_000);
    const recallS = (performance.now() - transferringAt) / 1000;
    expect(recallS).toBeGreaterThan(2.5); // the transfer timeout (3 s)
    expect(c.lastZoneChange).toBeNull();
    expect(welcomes).toEqual([src]);

    // Playable there: walk back in (recorded for the staleness check below).
    const track: { t: number; x: number }[] = [];
    // Sampled on a timer: a player walking straight on gets only heartbeats (every 250 ms), and
    // its position in between comes from the motion model.
    const sampler = setInterval(() => track.push({ t: performance.now(), x: ownPosition(c).x }), 10);
    c.move(inside, 50);
    await waitFor('walking back inside', () => Math.abs(ownPosition(c).x - border) > 20, 30_000);
    expect(c.joined).toBe(true);
    expect((await stages(src)).joined).toEqual(['wanderer']);

    // SIGKILL the source mid-walk.
    await new Promise((r) => setTimeout(r, 1200));
    const killedAt = performance.now();
    const lastX = ownPosition(c).x;
    source.kill('SIGKILL');
    clearInterval(sampler);
    await new Promise((r) => source.once('exit', r));

    const file = PlayerStore.open(db);
    try {
      expect(file.integrityCheck()).toBe('ok');
      const row = file.playerByName('wanderer', 'account')!;
      expect(row.zone).toBe(`zone-${src}`);
      expect(row.y).toBeCloseTo(50, 0);
      // When the client saw itself where the row says: at most one flush interval (1 s) plus
      // the commit and some slack for a loaded machine (observed ~1.0 s).
      const seen = track.filter((p) => Math.abs(p.x - row.x) < 0.5);
      expect(seen.length).toBeGreaterThan(0);
      const staleS = (killedAt - seen[seen.length - 1].t) / 1000;
      console.log(`handoff: recalled ${recallS.toFixed(2)} s after the transfer started; at the kill x=${lastX.toFixed(1)}, row x=${row.x.toFixed(1)}, ${staleS.toFixed(2)} s stale`);
      expect(staleS).toBeLessThan(5); // one flush interval is 100 ticks; a loaded machine stretches ticks
      expect(Math.abs(row.x - lastX)).toBeLessThan(25 * 5); // 25 units/s of wall time at 100 Hz
    } finally {
      file.close();
    }
  }, 90_000);
});
