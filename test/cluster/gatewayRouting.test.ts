// Where the gateway sends players: back to the zone holding a returning player's saved
// position (while that zone can take them), and, for a burst of logins between two heartbeats,
// spread over the zones by counting the players it has just routed there (reservations).

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Gateway, LocalDirectory, Registry, newJoinKeyPair, type Identity, type ZoneBounds } from '../../src/cluster/index.js';
import { FakeClock } from './helpers.js';

const SECRET = randomBytes(32);
const T0 = 1_700_000_000_000;
/** Four 100 × 100 zones, 2 × 2. */
const ZONES: ZoneBounds[] = [1, 2, 3, 4].map((n) => {
  const cx = (n - 1) % 2, cy = Math.floor((n - 1) / 2);
  return { serverId: `zone-${n}`, bounds: { minX: cx * 100, minY: cy * 100, maxX: cx * 100 + 100, maxY: cy * 100 + 100 } };
});

/** No accounts are made here: route() takes an identity. */
const noStore = {
  account: () => undefined,
  createAccount: () => { throw new Error('unused'); },
  loadOrCreatePlayer: () => { throw new Error('unused'); },
};

function world(capacity = 1000) {
  const clock = new FakeClock(T0);
  const registry = new Registry({ timeoutMs: 60_000 }); // outlives the 30 s join token
  for (const z of ZONES) registry.register({ id: z.serverId, type: 'zone', host: '127.0.0.1', port: 7000, capacity }, clock.t);
  const saved = new Map<number, { x: number; y: number }>();
  const gateway = new Gateway({
    store: noStore, directory: new LocalDirectory(registry, { clock: clock.now }), secret: SECRET, joinKey: newJoinKeyPair().privateKey, clock: clock.now,
    strategy: 'least_connections', zones: ZONES, positions: { player: (id) => saved.get(id) },
  });
  const beat = (id: string, load: number) => registry.heartbeat(id, { load, players: load }, clock.t);
  return { clock, registry, saved, gateway, beat };
}

const player = (n: number): Identity => ({ accountId: n, playerId: n, name: `p${n}` });

describe('returning players', () => {
  it('go to the zone that holds their saved position, whatever the load', async () => {
    const w = world();
    w.beat('zone-3', 500); // the busiest zone
    w.saved.set(1, { x: 30, y: 170 }); // zone-3
    w.saved.set(2, { x: 199, y: 5 }); // zone-2
    w.saved.set(3, { x: 100, y: 100 }); // on the corner of all four: the first zone whose bounds hold it
    expect((await w.gateway.route(player(1), 'zone')).server.id).toBe('zone-3');
    expect((await w.gateway.route(player(2), 'zone')).server.id).toBe('zone-2');
    expect((await w.gateway.route(player(3), 'zone')).server.id).toBe('zone-1');
  });

  it('are balanced when their zone is inactive or full, or their position is off the map or unknown', async () => {
    const w = world(10);
    w.saved.set(1, { x: 150, y: 150 }); // zone-4
    w.saved.set(2, { x: -50, y: 20 }); // off every zone
    for (const z of ['zone-1', 'zone-2', 'zone-3']) w.beat(z, 0);
    w.beat('zone-4', 10); // full
    expect((await w.gateway.route(player(1), 'zone')).server.id).not.toBe('zone-4');
    expect((await w.gateway.route(player(2), 'zone')).server.id).not.toBe('zone-4');
    w.beat('zone-4', 0);
    expect((await w.gateway.route(player(1), 'zone')).server.id).toBe('zone-4');
    // zone-4 falls silent: inactive after the registry's timeout, the player goes where the strategy says.
    w.clock.advance(40_000);
    for (const z of ['zone-1', 'zone-2', 'zone-3']) w.beat(z, 0);
    w.clock.advance(20_000);
    expect((await w.gateway.route(player(1), 'zone')).server.id).not.toBe('zone-4');
    expect((await w.gateway.route(player(99), 'zone')).server.id).not.toBe('zone-4'); // never saved
  });
});

describe('a burst of logins between two heartbeats', () => {
  it('spreads 50 routes over 4 zones with least connections (none over ceil(50/4) + 1)', async () => {
    const w = world();
    const counts = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const id = (await w.gateway.route(player(1000 + i), 'zone')).server.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['zone-1', 'zone-2', 'zone-3', 'zone-4']);
    for (const n of counts.values()) expect(n).toBeLessThanOrEqual(Math.ceil(50 / 4) + 1);
  });

  it('counts a reservation until a newer heartbeat shows the load, or until the join token expires', async () => {
    const w = world();
    // Four routes: one to each zone (ties by id, then the reserved ones are fuller).
    const first = [];
    for (let i = 1; i <= 4; i++) first.push((await w.gateway.route(player(i), 'zone')).server.id);
    expect(first).toEqual(['zone-1', 'zone-2', 'zone-3', 'zone-4']);
    // zone-1's heartbeat says it has its player: its reservation ends, its load stays 1.
    w.clock.advance(1);
    w.beat('zone-1', 1);
    const next = await w.gateway.route(player(10), 'zone');
    expect(next.server).toMatchObject({ id: 'zone-1', load: 1 }); // reservations on 2..4 still count
    // No heartbeat from zone-2..4 (their players never came): the reservations end with the 30 s join token.
    w.clock.advance(30_000);
    expect((await w.gateway.route(player(11), 'zone')).server).toMatchObject({ id: 'zone-2', load: 0 });
  });
});
