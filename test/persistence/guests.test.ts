// Issue 16, attack 4: a guest must never play an account's character. An account "alice" has
// a saved character (position, level, hp, an item); a guest says Hello{name:"alice"} to a zone
// without a token secret (so guests are allowed) on the same SQLite file. The guest joins with
// a fresh guest character, plays, leaves; Alice's row and inventory are unchanged afterwards.
// Real parts: the SQLite file, the zone server (uWS), a WebSocket client.

import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { zoneInit } from '../../src/cli/zone.js';
import { login } from '../../src/cluster/auth.js';
import { NEW_PLAYER_STATS, PlayerStore } from '../../src/store/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient } from '../zone/wsClient.js';
import { tempDb, waitFor } from './helpers.js';

const servers: ZoneServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.stop();
});

describe('guests and accounts', () => {
  it('a guest named like an account joins as a fresh guest and leaves the account\'s character untouched', async () => {
    const db = tempDb('guest-attack');
    const file = PlayerStore.open(db);
    try {
      const r = await login(file, 'alice', 'alice-correct-horse', { x: 500, y: 500, zone: 'meadow' });
      if (!r.ok) throw new Error(r.message);
      file.savePlayers([{ id: r.playerId, level: 5, hp: 42, maxHp: 140, mana: 7, maxMana: 80, x: 300, y: 700, zone: 'meadow' }]);
      file.addItem(r.playerId, 3, 2);
      const alice = file.playerByName('alice', 'account')!;
      expect(alice).toMatchObject({ kind: 'account', accountId: r.accountId, level: 5, x: 300, y: 700 });

      const s = await startZoneServer({ port: 0, db, tickRate: 100, flushTicks: 20, zone: { npcs: 0, items: 0, spawnRadius: 20 } }, () => {});
      servers.push(s);
      const guest = await TestClient.join(`ws://127.0.0.1:${s.port}/`, 'alice', 10_000);
      clients.push(guest);
      const me = await waitFor('own record', () => guest.self);
      // A fresh character near the spawn point, not Alice's level 5 at (300, 700).
      expect([me.level, me.hp, me.maxHp]).toEqual([NEW_PLAYER_STATS.level, NEW_PLAYER_STATS.hp, NEW_PLAYER_STATS.maxHp]);
      expect(Math.abs(me.x - 500)).toBeLessThanOrEqual(20);
      expect(Math.abs(me.y - 500)).toBeLessThanOrEqual(20);

      // The guest plays and leaves: its own row is written, on leave and on stop.
      await guest.moveTo(510, 490);
      await guest.close();
      const row = await waitFor('the guest saved on leave', () => {
        const g = file.playerByName('alice', 'guest');
        return g && Math.abs(g.x - 510) < 0.01 && Math.abs(g.y - 490) < 0.01 ? g : undefined;
      });
      expect(row).toMatchObject({ kind: 'guest', accountId: null });
      expect(row.id).not.toBe(alice.id);
      await s.stop();
      servers.length = 0;

      expect(file.playerByName('alice', 'account')).toEqual(alice);
      expect(file.inventory(alice.id)).toEqual([{ itemType: 3, quantity: 2 }]);
      expect(file.integrityCheck()).toBe('ok');
    } finally {
      file.close();
    }
  }, 60_000);

  it('mmo zone (npm start) and mmo world keep players in different files by default', () => {
    const program = buildProgram(() => {});
    const dbOf = (cmd: string) => program.commands.find((c) => c.name() === cmd)!.options.find((o) => o.long === '--db')!.defaultValue as string;
    // `mmo zone` applies its defaults last (default < file < environment < flag).
    expect(zoneInit({}).db).toBe('./data/zone.db');
    expect(dbOf('world')).toBe('./data/world.db');
    expect(dbOf('master')).toBe(dbOf('world'));
  });
});
