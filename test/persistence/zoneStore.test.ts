import { afterEach, describe, expect, it } from 'vitest';
import { EntityKind, ErrorCode, EventKind, type EventObj } from '../../src/protocol/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import type { ZoneClient } from '../../src/client/index.js';
import { connect, ownPosition, tempDb, waitFor, walkTo } from './helpers.js';

const servers: ZoneServer[] = [];
const clients: ZoneClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function server(db: string, extra = {}): Promise<ZoneServer> {
  const s = await startZoneServer({ port: 0, db, tickRate: 100, flushTicks: 20, zone: { npcs: 0, items: 400, spawnRadius: 20 }, ...extra }, () => {});
  servers.push(s);
  return s;
}

async function join(s: ZoneServer, name: string): Promise<ZoneClient> {
  const c = await connect(s.port, name);
  clients.push(c);
  await waitFor('first snapshot', () => c.world.get(c.netId));
  return c;
}

describe('zone server with a store', () => {
  it('creates a new player with the starting stats near the spawn point', async () => {
    const db = tempDb('new');
    const s = await server(db);
    const c = await join(s, 'Newcomer');
    const me = c.world.get(c.netId)!.record;
    expect([me.level, me.hp, me.maxHp, me.mana, me.maxMana]).toEqual([1, 100, 100, 50, 50]);
    const store = PlayerStore.open(db);
    const row = store.playerByName('Newcomer', 'guest')!;
    expect(row).toMatchObject({ level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50, zone: 'meadow' });
    expect(Math.abs(row.x - 500)).toBeLessThanOrEqual(20);
    expect(Math.abs(me.x - row.x)).toBeLessThan(0.001);
    store.close();
  });

  it('writes positions behind every flush interval, saves on leave and restores on rejoin', async () => {
    const db = tempDb('pos');
    const s = await server(db);
    const c = await join(s, 'Walker');
    await walkTo(c, 530, 470);
    const store = PlayerStore.open(db);
    // Within one flush interval (20 ticks at 100 Hz) plus the commit.
    await waitFor('flushed position', () => {
      const r = store.playerByName('Walker', 'guest')!;
      return Math.abs(r.x - 530) < 0.001 && Math.abs(r.y - 470) < 0.001;
    }, 2000);
    c.move(540, 470);
    await new Promise((r) => setTimeout(r, 30)); // mid-walk
    c.close();
    await waitFor('saved on leave', () => {
      const r = store.playerByName('Walker', 'guest')!;
      return r.x > 530 && r.x < 540 ? r : undefined;
    }, 2000);
    const saved = store.playerByName('Walker', 'guest')!;
    const again = await join(s, 'Walker');
    const p = ownPosition(again);
    expect(p.x).toBeCloseTo(saved.x, 3);
    expect(p.y).toBeCloseTo(saved.y, 3);
    store.close();
  });

  it('tells a pickup only once it is committed, and never twice', async () => {
    const db = tempDb('pickup');
    const s = await server(db);
    const c = await join(s, 'Picker');
    const store = PlayerStore.open(db);
    const playerId = store.playerByName('Picker', 'guest')!.id;
    const item = await waitFor('an item in view', () => [...c.world.entities()].find((e) => e.record.kind === EntityKind.Item)?.record);
    await walkTo(c, item.x, item.y);
    const told: { ev: EventObj; inventory: number; tick: number }[] = [];
    let goneAt = 0;
    c.on('snapshot', (snap) => {
      if (snap.removed.includes(item.netId)) goneAt ||= snap.tick;
    });
    c.on('event', (ev, tick) => {
      // At the moment the client hears of it, another connection must already see it.
      if (ev.kind === EventKind.ItemPickup && ev.source === c.netId) {
        told.push({ ev, tick, inventory: store.inventory(playerId).reduce((n, s) => n + s.quantity, 0) });
      }
    });
    const errors: number[] = [];
    c.on('error', (e) => errors.push(e.code));
    c.useItem(item.netId);
    c.useItem(item.netId);
    await waitFor('the pickup event', () => told.length > 0);
    await waitFor('the second pickup refused', () => errors.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(told).toHaveLength(1);
    expect(told[0].inventory).toBe(1);
    // The item left the world at the pickup tick; the event waited for the commit.
    expect(goneAt).toBeGreaterThan(0);
    expect(told[0].tick).toBeGreaterThan(goneAt);
    expect(told[0].ev.target).toBe(item.netId);
    expect(errors).toEqual([ErrorCode.InputRejected]);
    expect(store.inventory(playerId)).toEqual([{ itemType: told[0].ev.value, quantity: 1 }]);
    store.close();
  });

  it('refuses a second connection with a name that is playing', async () => {
    const s = await server(tempDb('dup'));
    await join(s, 'Twin');
    await expect(join(s, 'Twin')).rejects.toMatchObject({ code: ErrorCode.AlreadyJoined });
  });

  it('stores hostile and Unicode names verbatim', async () => {
    const db = tempDb('names');
    const s = await server(db);
    const names = ["'; DROP TABLE players--", 'Zoë 🐉 مرحبا', 'a"b\\c`d', 'x'.repeat(24)];
    for (const n of names) await join(s, n);
    const store = PlayerStore.open(db);
    for (const n of names) expect(store.playerByName(n, 'guest')?.name).toBe(n);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
  });

  it('saves everyone on a graceful stop and writes statistics', async () => {
    const db = tempDb('stop');
    const s = await server(db, { flushTicks: 100_000 }); // only the stop will write
    const a = await join(s, 'Alpha');
    await walkTo(a, 510, 520);
    servers.splice(servers.indexOf(s), 1);
    await s.stop();
    const store = PlayerStore.open(db);
    const r = store.playerByName('Alpha', 'guest')!;
    expect([r.x, r.y]).toEqual([510, 520]);
    store.close();
  });
});
