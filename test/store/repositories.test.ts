// Repositories against a real file; every write checked through a second connection.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_PLAYER_STATS, PlayerStore, type PlayerSnapshot } from '../../src/store/index.js';
import { SPAWN, otherConnection, tempStore } from './helpers.js';

const { file } = tempStore('repos');
let store: PlayerStore;
let path: string;
let clock = 1_000_000;

beforeAll(() => {
  path = file('repos.db');
  store = PlayerStore.open(path, { now: () => clock });
});
afterAll(() => store.close());

function snap(id: number, over: Partial<PlayerSnapshot> = {}): PlayerSnapshot {
  return { id, level: 2, hp: 90, maxHp: 110, mana: 40, maxMana: 60, x: 1.5, y: -2.5, zone: 'meadow', ...over };
}

function readOther<T>(sql: string, ...params: unknown[]): T {
  const db = otherConnection(path);
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

describe('players', () => {
  it('creates a new player with the seed stats at the given spawn, and loads it afterwards', () => {
    clock = 5000;
    const p = store.loadOrCreatePlayer('newbie', SPAWN);
    expect(p).toEqual({ id: p.id, kind: 'guest', accountId: null, name: 'newbie', ...NEW_PLAYER_STATS, x: 100, y: 200, zone: 'meadow', lastSeen: 5000 });
    expect(NEW_PLAYER_STATS).toEqual({ level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 });
    store.savePlayers([snap(p.id, { level: 3, x: 7, y: 8, zone: 'cave' })]);
    // Loading again returns the saved row, whatever spawn is passed.
    expect(store.loadOrCreatePlayer('newbie', { x: 0, y: 0, zone: 'elsewhere' })).toMatchObject({ id: p.id, level: 3, x: 7, y: 8, zone: 'cave' });
    expect(store.player(p.id)?.name).toBe('newbie');
    expect(store.player(999_999)).toBeUndefined();
    expect(store.playerByName('nobody', 'guest')).toBeUndefined();
  });

  it('links a player to an account, or leaves it a guest', () => {
    const acc = store.createAccount('acct-1', new Uint8Array([9, 8, 7]), new Uint8Array(16).fill(1));
    const p = store.loadOrCreatePlayer('with-account', { ...SPAWN, accountId: acc.id });
    expect(p.accountId).toBe(acc.id);
    expect(store.loadOrCreatePlayer('guest-1', SPAWN).accountId).toBeNull();
    expect(() => store.loadOrCreatePlayer('bad-account', { ...SPAWN, accountId: 424242 })).toThrow(/FOREIGN KEY/);
  });

  it('keeps guests and accounts apart: one name, two rows, each found only in its own namespace', () => {
    const acc = store.createAccount('twin', new Uint8Array([1]), new Uint8Array(16));
    const mine = store.loadOrCreatePlayer('twin', { ...SPAWN, accountId: acc.id });
    store.savePlayers([snap(mine.id, { level: 9, x: 3, y: 4 })]);
    const guest = store.loadOrCreatePlayer('twin', { x: 0, y: 0, zone: 'meadow' });
    expect(guest).toMatchObject({ kind: 'guest', accountId: null, level: 1, x: 0, y: 0 });
    expect(guest.id).not.toBe(mine.id);
    expect(store.playerByName('twin', 'account')).toMatchObject({ id: mine.id, kind: 'account', accountId: acc.id, level: 9, x: 3 });
    expect(store.playerByName('twin', 'guest')?.id).toBe(guest.id);
    expect(store.loadOrCreatePlayer('twin', { ...SPAWN, kind: 'account' }).id).toBe(mine.id);
    // The file refuses a guest row with an account, and an unknown kind.
    expect(() => store.loadOrCreatePlayer('odd', { ...SPAWN, kind: 'guest', accountId: acc.id })).toThrow(/guest player has no account/);
    expect(() => store.loadOrCreatePlayer('odd', { ...SPAWN, kind: 'admin' as never })).toThrow(/unknown player kind/);
    expect(() => store.db.prepare("UPDATE players SET account_id = ? WHERE id = ?").run(acc.id, guest.id)).toThrow(/CHECK constraint/);
  });

  it('refuses a bad name or spawn with a clear error and creates nothing', () => {
    const before = readOther<{ n: number }>('SELECT count(*) AS n FROM players').n;
    expect(() => store.loadOrCreatePlayer(42 as never, SPAWN)).toThrow(/player name must be a string/);
    expect(() => store.loadOrCreatePlayer('nan', { ...SPAWN, x: Number.NaN })).toThrow(/must be finite/);
    expect(() => store.loadOrCreatePlayer('nozone', { ...SPAWN, zone: 7 as never })).toThrow(/zone must be a string/);
    expect(readOther<{ n: number }>('SELECT count(*) AS n FROM players').n).toBe(before);
  });

  it('savePlayers writes every row in one transaction, all or nothing', () => {
    const ids = Array.from({ length: 50 }, (_, i) => store.loadOrCreatePlayer(`batch-${i}`, SPAWN).id);
    clock = 9000;
    expect(store.savePlayers(ids.map((id, i) => snap(id, { hp: i })))).toBe(50);
    expect(readOther<{ n: number }>('SELECT count(*) AS n FROM players WHERE name LIKE ? AND last_seen = 9000', 'batch-%').n).toBe(50);
    expect(store.player(ids[49])).toMatchObject({ hp: 49, x: 1.5, y: -2.5, lastSeen: 9000 });
    // Unknown ids update nothing and do not fail.
    expect(store.savePlayers([snap(123_456_789)])).toBe(0);

    // A failure on the last row rolls back the first ones too.
    const db = otherConnection(path);
    db.exec(`CREATE TRIGGER fail_save BEFORE UPDATE ON players WHEN NEW.id = ${ids[49]} BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    try {
      expect(() => store.savePlayers(ids.map((id) => snap(id, { hp: 1 })))).toThrow(/boom/);
      // Still the hp 0..49 of the successful save.
      expect(readOther<{ s: number }>('SELECT sum(hp) AS s FROM players WHERE name LIKE ?', 'batch-%').s).toBe((49 * 50) / 2);
    } finally {
      db.exec('DROP TRIGGER fail_save');
      db.close();
    }
  });

  it('a taken name is never duplicated', () => {
    const a = store.loadOrCreatePlayer('unique-name', SPAWN);
    const b = store.loadOrCreatePlayer('unique-name', SPAWN);
    expect(b.id).toBe(a.id);
    expect(readOther<{ n: number }>('SELECT count(*) AS n FROM players WHERE name = ?', 'unique-name').n).toBe(1);
  });
});

describe('inventory', () => {
  it('adds to stacks, committed (visible to another connection) when addItem returns', () => {
    const p = store.loadOrCreatePlayer('looter', SPAWN);
    expect(store.addItem(p.id, 3, 10)).toBe(10);
    expect(readOther<{ quantity: number }>('SELECT quantity FROM inventory WHERE player_id = ? AND item_type = 3', p.id).quantity).toBe(10);
    expect(store.addItem(p.id, 3, 5)).toBe(15);
    expect(store.addItem(p.id, 1, 1)).toBe(1);
    expect(store.inventory(p.id)).toEqual([{ itemType: 1, quantity: 1 }, { itemType: 3, quantity: 15 }]);
    expect(store.db.inTransaction).toBe(false);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // back to NORMAL after the FULL economy commit
  });

  it('removes only what is there', () => {
    const p = store.loadOrCreatePlayer('spender', SPAWN);
    store.addItem(p.id, 2, 3);
    expect(store.removeItem(p.id, 2, 5)).toBeNull();
    expect(store.removeItem(p.id, 7, 1)).toBeNull();
    expect(store.removeItem(p.id, 2, 2)).toBe(1);
    expect(store.removeItem(p.id, 2, 1)).toBe(0);
    expect(store.inventory(p.id)).toEqual([]);
  });

  it('rejects bad quantities and unknown players', () => {
    const p = store.loadOrCreatePlayer('careful', SPAWN);
    expect(() => store.addItem(p.id, 1, 0)).toThrow(RangeError);
    expect(() => store.addItem(p.id, 1, -5)).toThrow(RangeError);
    expect(() => store.addItem(p.id, 1, 1.5)).toThrow(RangeError);
    expect(() => store.addItem(p.id, -1, 1)).toThrow(RangeError);
    expect(() => store.addItem(987_654, 1, 1)).toThrow(/FOREIGN KEY/);
    expect(store.inventory(p.id)).toEqual([]);
  });
});

describe('accounts', () => {
  it('stores hash and salt opaque, and refuses a taken name', () => {
    clock = 4242;
    const hash = new Uint8Array([0, 255, 0, 1, 2, 3]);
    const a = store.createAccount('opaque', hash, Buffer.from('salt\0with-nul'));
    expect(a).toEqual({ id: a.id, name: 'opaque', passwordHash: Buffer.from(hash), passwordSalt: Buffer.from('salt\0with-nul'), createdAt: 4242 });
    expect(store.account('opaque')).toEqual(a);
    expect(store.account('missing')).toBeUndefined();
    expect(() => store.createAccount('opaque', hash, hash)).toThrow(/UNIQUE/);
  });
});

describe('guilds', () => {
  it('create (founder leads), join, leave, members in joining order', () => {
    const [a, b, c] = ['g-a', 'g-b', 'g-c'].map((n) => store.loadOrCreatePlayer(n, SPAWN));
    clock = 100;
    const g = store.createGuild('Knights', a.id);
    expect(g).toEqual({ id: g.id, name: 'Knights', created: 100 });
    expect(store.guild(g.id)).toEqual(g);
    expect(store.guildByName('Knights')).toEqual(g);
    clock = 200;
    expect(store.joinGuild(g.id, b.id)).toBe(true);
    clock = 150;
    expect(store.joinGuild(g.id, c.id, 'officer')).toBe(true);
    expect(store.joinGuild(g.id, b.id)).toBe(false);
    expect(store.guildMembers(g.id)).toEqual([
      { playerId: a.id, name: 'g-a', role: 'leader', joined: 100 },
      { playerId: c.id, name: 'g-c', role: 'officer', joined: 150 },
      { playerId: b.id, name: 'g-b', role: 'member', joined: 200 },
    ]);
    expect(store.guildOf(c.id)).toEqual({ guild: g, role: 'officer', joined: 150 });

    // One guild per player.
    const other = store.createGuild('Rogues');
    expect(store.joinGuild(other.id, b.id)).toBe(false);
    expect(store.guildOf(b.id)?.guild.name).toBe('Knights');
    expect(store.leaveGuild(b.id)).toBe(true);
    expect(store.leaveGuild(b.id)).toBe(false);
    expect(store.guildOf(b.id)).toBeUndefined();
    expect(store.joinGuild(other.id, b.id)).toBe(true);
    expect(store.guildMembers(other.id).map((m) => m.name)).toEqual(['g-b']);
    expect(store.guildMembers(g.id).map((m) => m.name)).toEqual(['g-a', 'g-c']);
  });

  it('refuses duplicate names, unknown guilds or players, bad roles; a failed founding leaves no guild', () => {
    const p = store.loadOrCreatePlayer('g-lone', SPAWN);
    store.createGuild('Taken');
    expect(() => store.createGuild('Taken')).toThrow(/UNIQUE/);
    expect(() => store.joinGuild(999_999, p.id)).toThrow(/FOREIGN KEY/);
    const g = store.guildByName('Taken')!;
    expect(() => store.joinGuild(g.id, 999_999)).toThrow(/FOREIGN KEY/);
    expect(() => store.joinGuild(g.id, p.id, 'emperor' as never)).toThrow(RangeError);
    store.joinGuild(g.id, p.id);
    expect(() => store.createGuild('Second Home', p.id)).toThrow(/already in a guild/);
    expect(store.guildByName('Second Home')).toBeUndefined();
  });
});

describe('game stats', () => {
  it('upserts by name, increments atomically, lists by name', () => {
    clock = 10;
    store.setStat('players.total', 5);
    clock = 20;
    store.setStat('players.total', 7);
    expect(store.addStat('items.picked', 2)).toBe(2);
    expect(store.addStat('items.picked', 3.5)).toBe(5.5);
    expect(store.getStat('players.total')).toBe(7);
    expect(store.getStat('nothing')).toBeUndefined();
    expect(store.getStats()).toEqual([
      { name: 'items.picked', value: 5.5, updatedAt: 20 },
      { name: 'players.total', value: 7, updatedAt: 20 },
    ]);
    expect(() => store.setStat('nan', Number.NaN)).toThrow(RangeError);
  });
});

describe('file', () => {
  it('passes PRAGMA integrity_check', () => {
    expect(store.integrityCheck()).toBe('ok');
  });
});
