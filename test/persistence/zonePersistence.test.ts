// The zone's link to the store (ZonePersistence) over the in-memory store: join states, the
// write-behind of moved players, saves on leave and close, and item pickups held until they are
// committed, retried through a store fault, never doubled. The same class runs over the SQLite
// store in zoneStore.test.ts and the fault tests.

import { describe, expect, it } from 'vitest';
import { EventKind, stepZone, type SimEvent, type ZoneWorld } from '../../src/sim/index.js';
import { MemoryStore, NEW_PLAYER_STATS } from '../../src/store/index.js';
import { ZonePersistence } from '../../src/zone/persistence.js';
import { tinyWorld } from '../sim/helpers.js';
import { waitFor } from './helpers.js';

function setup(): { store: MemoryStore; zp: ZonePersistence; logs: string[] } {
  const store = new MemoryStore();
  const logs: string[] = [];
  return { store, zp: new ZonePersistence(store, 'meadow', (m) => logs.push(m)), logs };
}

/** Loads (or creates) the player and joins it to the world; returns its entity and row id. */
async function joinPlayer(world: ZoneWorld, zp: ZonePersistence, session: number, name: string): Promise<{ eid: number; playerId: number }> {
  const row = await zp.loadPlayer(name, { x: 500, y: 500 });
  stepZone(world, [{ type: 'join', session, name, state: ZonePersistence.joinState(row) }]);
  return { eid: world.sessions.get(session)!, playerId: row.id };
}

function pickup(source: number, itemType: number): SimEvent {
  return { kind: EventKind.ItemPickup, source, target: 99, x: 0, y: 0, radius: 10, value: itemType };
}

describe('ZonePersistence over the in-memory store', () => {
  it('loads guests and account players apart, and turns a saved row into a valid join state', async () => {
    const { store, zp } = setup();
    const guest = await zp.loadPlayer('alice', { x: 1, y: 2 });
    const account = await zp.loadPlayer('alice', { x: 3, y: 4 }, 'account');
    expect(guest).toMatchObject({ kind: 'guest', zone: 'meadow', x: 1, y: 2 });
    expect(account).toMatchObject({ kind: 'account', zone: 'meadow', x: 3, y: 4 });
    expect(account.id).not.toBe(guest.id);
    expect(ZonePersistence.joinState({ ...guest, hp: 0, level: 0, mana: 80, maxMana: 50 }))
      .toEqual({ x: 1, y: 2, level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 }); // dead comes back respawned
    await zp.close(tinyWorld(), []);
    await expect(store.loadOrCreatePlayer('late', { x: 0, y: 0, zone: '' })).rejects.toThrow(/closed/);
  });

  it('writes moved players behind every N ticks, saves on leave, and saves everyone on close', async () => {
    const { store, zp } = setup();
    const world = tinyWorld();
    const a = await joinPlayer(world, zp, 1, 'walker');
    const b = await joinPlayer(world, zp, 2, 'stayer');
    stepZone(world, [{ type: 'move', session: 1, seq: 1, x: 520, y: 500 }]);
    while (world.tick < 4) {
      stepZone(world, []);
      zp.afterTick(world, [a, b], 5); // not yet: fewer than 5 ticks since the last flush
    }
    stepZone(world, []);
    zp.afterTick(world, [a, b], 5);
    const x = world.c.Position.x[a.eid];
    expect(x).toBeGreaterThan(500);
    await waitFor('flushed', () => zp.stats.flushes >= 1);
    expect(zp.stats.flushes).toBe(1);
    expect(store.player(a.playerId)!.x).toBeCloseTo(x, 5);
    expect(store.getStat('players_online')).toBe(2);

    stepZone(world, []);
    zp.leave(world, a.eid, a.playerId);
    await waitFor('saved on leave', () => store.player(a.playerId)!.x === world.c.Position.x[a.eid]);
    world.c.Health.hp[b.eid] = 37;
    await zp.close(world, [b]);
    expect(store.player(b.playerId)).toMatchObject({ hp: 37, level: NEW_PLAYER_STATS.level });
  });

  it('holds a pickup until committed, retries it through a store fault, and tells it once', async () => {
    const { store, zp, logs } = setup();
    const { id } = await zp.loadPlayer('picker', { x: 0, y: 0 });
    const chat: SimEvent = { kind: EventKind.Chat, source: 7, target: 0, x: 0, y: 0, radius: 10, value: 1, text: 'hi' };
    const playerOf = (netId: number) => (netId === 7 ? id : undefined);

    // Pickups by known players are held back; everything else is told now.
    const stranger = pickup(8, 2);
    expect(zp.holdPickups([chat, stranger], playerOf)).toEqual([chat, stranger]);
    await store.injectFault('full');
    const mine = pickup(7, 3);
    expect(zp.holdPickups([chat, mine, stranger], playerOf)).toEqual([chat, stranger]);
    await waitFor('a failed commit', () => zp.stats.failures >= 1);
    expect(zp.takeConfirmed()).toEqual([]);
    expect(store.inventory(id)).toEqual([]);
    expect(logs.some((l) => /pickup commit failed .*disk is full/.test(l))).toBe(true);

    await store.injectFault(null);
    const told = await waitFor('the retried pickup committed', () => zp.stats.pickupsCommitted === 1, 10_000).then(() => zp.takeConfirmed());
    expect(told).toEqual([mine]);
    expect(zp.takeConfirmed()).toEqual([]);
    expect(store.inventory(id)).toEqual([{ itemType: 3, quantity: 1 }]);
    expect(zp.stats.pickupsPending).toBe(0);
    await zp.close(tinyWorld(), []);
  });
});
