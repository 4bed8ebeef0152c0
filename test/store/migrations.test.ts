// Migrations against real files: from empty, from a v1-only file, and refusals.

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  MIGRATIONS, PlayerStore, SCHEMA_VERSION, StoreVersionError, WorkerWriter, openDatabase, schemaVersion, type Migration,
} from '../../src/store/index.js';
import { SPAWN, otherConnection, tempStore } from './helpers.js';

const { dir, file } = tempStore('migrations');

function history(path: string): { version: number; name: string; applied_at: number }[] {
  const db = otherConnection(path);
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as never;
  } finally {
    db.close();
  }
}

function columns(db: Database.Database, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((c) => c.name);
}

describe('migrations', () => {
  it('ships at least two versions, numbered 1..n', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('creates a missing parent directory and migrates an empty file to the last version, with the pragmas set', () => {
    const path = file('deep/er/empty.db');
    const before = Date.now();
    const store = PlayerStore.open(path, { busyTimeoutMs: 1234 });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    store.close();
    const h = history(path);
    expect(h.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    for (const r of h) expect(r.applied_at).toBeGreaterThanOrEqual(before);
    expect(dir.length).toBeGreaterThan(0);
  });

  it('reopening a current file applies nothing and keeps the history', () => {
    const path = file('reopen.db');
    PlayerStore.open(path, { now: () => 1000 }).close();
    PlayerStore.open(path, { now: () => 2000 }).close();
    expect(history(path).map((r) => r.applied_at)).toEqual(MIGRATIONS.map(() => 1000));
  });

  it('upgrades a v1-only file: rows (and their inventory) survive, every later version is applied, guests and accounts fall apart', () => {
    const path = file('v1.db');
    const v1 = openDatabase(path, { migrations: MIGRATIONS.slice(0, 1) });
    expect(schemaVersion(v1)).toBe(1);
    expect(columns(v1, 'players')).not.toContain('zone');
    expect(columns(v1, 'guilds')).toEqual([]);
    const acc = v1.prepare('INSERT INTO accounts (name, password_hash, password_salt, created_at) VALUES (?, ?, ?, ?) RETURNING id')
      .get('old-account', Buffer.from([1, 2, 3]), Buffer.from([4, 5]), 77) as { id: number };
    const pid = (v1.prepare(`INSERT INTO players (account_id, name, level, hp, max_hp, mana, max_mana, x, y)
      VALUES (?, 'veteran', 7, 55, 140, 12, 80, 12.5, -3.25) RETURNING id`).get(acc.id) as { id: number }).id;
    v1.prepare("INSERT INTO players (name, level, hp, max_hp, mana, max_mana, x, y) VALUES ('guest', 1, 100, 100, 50, 50, 0, 0)").run();
    v1.prepare('INSERT INTO inventory (player_id, item_type, quantity) VALUES (?, 3, 250), (?, 1, 2)').run(pid, pid);
    v1.close();

    const store = PlayerStore.open(path);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.playerByName('veteran', 'account')).toEqual({
      id: pid, kind: 'account', accountId: acc.id, name: 'veteran', level: 7, hp: 55, maxHp: 140, mana: 12, maxMana: 80, x: 12.5, y: -3.25,
      zone: '', lastSeen: 0,
    });
    expect(store.playerByName('veteran', 'guest')).toBeUndefined();
    expect(store.playerByName('guest', 'guest')).toMatchObject({ kind: 'guest', accountId: null });
    // A guest of the account's name is a new row; ids keep growing past the migrated ones.
    const twin = store.loadOrCreatePlayer('veteran', SPAWN);
    expect(twin).toMatchObject({ kind: 'guest', level: 1 });
    expect(twin.id).toBeGreaterThan(pid + 1);
    expect(store.integrityCheck()).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.inventory(pid)).toEqual([{ itemType: 1, quantity: 2 }, { itemType: 3, quantity: 250 }]);
    expect(store.account('old-account')).toMatchObject({ id: acc.id, passwordHash: Buffer.from([1, 2, 3]), createdAt: 77 });
    // v2 features work on migrated rows.
    const g = store.createGuild('Old Guard', pid);
    expect(store.guildMembers(g.id)).toMatchObject([{ playerId: pid, name: 'veteran', role: 'leader' }]);
    store.setStat('migrated', 1);
    store.savePlayers([{ id: pid, level: 8, hp: 60, maxHp: 150, mana: 20, maxMana: 80, x: 1, y: 2, zone: 'meadow' }]);
    expect(store.player(pid)).toMatchObject({ level: 8, zone: 'meadow' });
    store.close();
    expect(history(path).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('refuses a file whose schema is newer than the code, on both threads, without touching it', async () => {
    const path = file('future.db');
    PlayerStore.open(path).close();
    const db = otherConnection(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from the future', 1);
    db.close();
    expect(() => PlayerStore.open(path)).toThrow(StoreVersionError);
    expect(() => PlayerStore.open(path)).toThrow(/newer than this code knows/);
    await expect(WorkerWriter.open(path)).rejects.toThrow(/newer than this code knows/);
    expect(history(path).map((r) => r.version)).toEqual([...MIGRATIONS.map((m) => m.version), SCHEMA_VERSION + 1]);
  });

  it('refuses a history recorded under other names, and a foreign database', () => {
    const renamed = file('renamed.db');
    PlayerStore.open(renamed).close();
    const db = otherConnection(renamed);
    db.prepare("UPDATE schema_migrations SET name = 'something else' WHERE version = 1").run();
    db.close();
    expect(() => PlayerStore.open(renamed)).toThrow(/recorded as "something else"/);

    const foreign = file('foreign.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE players (x)');
    f.close();
    expect(() => PlayerStore.open(foreign)).toThrow(/not a store database/);
  });

  it('rolls a failing migration back whole and leaves the file at the previous version', () => {
    const path = file('broken.db');
    PlayerStore.open(path).close();
    const broken: Migration[] = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', up: 'CREATE TABLE half (a); INSERT INTO nowhere VALUES (1);' }];
    expect(() => openDatabase(path, { migrations: broken })).toThrow(/no such table: nowhere/);
    const db = otherConnection(path);
    expect(columns(db, 'half')).toEqual([]);
    db.close();
    expect(history(path).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(() => openDatabase(path, { migrations: [MIGRATIONS[1], MIGRATIONS[0]] })).toThrow(/out of order/);
  });

  it('PlayerStore refuses a connection that is not at the current version', () => {
    const db = openDatabase(file('old-conn.db'), { migrations: MIGRATIONS.slice(0, 1) });
    expect(() => new PlayerStore(db)).toThrow(`needs schema version ${SCHEMA_VERSION}, the file is at 1`);
    db.close();
  });

  it('works in memory for unit tests', () => {
    const store = PlayerStore.open(':memory:');
    expect(store.loadOrCreatePlayer('mem', SPAWN).level).toBe(1);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });
});
