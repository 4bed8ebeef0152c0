// Schema migrations in code: an ordered list of versions, each applied once, in order, inside its
// own IMMEDIATE transaction, and recorded in schema_migrations (version, name, applied_at).
// Never edit a shipped migration: add a new version.

import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3, ... with no gaps. */
  readonly version: number;
  /** Recorded beside the version; a file whose recorded name differs is refused. */
  readonly name: string;
  /** Schema script (DDL only; data goes through prepared statements). */
  readonly up: string;
}

/** A file this code cannot safely use: newer than the code, foreign, or with a different history. */
export class StoreVersionError extends Error {
  override name = 'StoreVersionError';
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, players, inventory',
    up: `
      CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT    NOT NULL UNIQUE,
        password_hash BLOB    NOT NULL,
        password_salt BLOB    NOT NULL,
        created_at    INTEGER NOT NULL
      );
      CREATE TABLE players (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
        name       TEXT    NOT NULL UNIQUE,
        level      INTEGER NOT NULL,
        hp         INTEGER NOT NULL,
        max_hp     INTEGER NOT NULL,
        mana       INTEGER NOT NULL,
        max_mana   INTEGER NOT NULL,
        x          REAL    NOT NULL,
        y          REAL    NOT NULL
      );
      CREATE INDEX players_account_id ON players(account_id);
      CREATE TABLE inventory (
        player_id INTEGER NOT NULL REFERENCES players(id) ON DELETE CASCADE,
        item_type INTEGER NOT NULL,
        quantity  INTEGER NOT NULL CHECK (quantity >= 0),
        PRIMARY KEY (player_id, item_type)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'guilds, game stats, player zone and last seen',
    up: `
      ALTER TABLE players ADD COLUMN zone TEXT NOT NULL DEFAULT '';
      ALTER TABLE players ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE guilds (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        name    TEXT    NOT NULL UNIQUE,
        created INTEGER NOT NULL
      );
      CREATE TABLE guild_members (
        player_id INTEGER PRIMARY KEY REFERENCES players(id) ON DELETE CASCADE,
        guild_id  INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
        role      TEXT    NOT NULL CHECK (role IN ('leader', 'officer', 'member')),
        joined    INTEGER NOT NULL
      );
      CREATE INDEX guild_members_guild_id ON guild_members(guild_id);
      CREATE TABLE game_stats (
        name       TEXT    PRIMARY KEY,
        value      REAL    NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Guests and accounts become two namespaces: a name is unique per kind, so a guest "alice"
    // is never the account "alice"'s character. SQLite cannot drop the old UNIQUE (name), so the
    // table is rebuilt (ids kept; inventory and guild rows point at the same ids afterwards).
    // A row with an account was created by a login; every other row is a guest's.
    version: 3,
    name: 'guest and account players apart',
    up: `
      CREATE TABLE players_v3 (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT    NOT NULL CHECK (kind IN ('guest', 'account')),
        account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
        name       TEXT    NOT NULL,
        level      INTEGER NOT NULL,
        hp         INTEGER NOT NULL,
        max_hp     INTEGER NOT NULL,
        mana       INTEGER NOT NULL,
        max_mana   INTEGER NOT NULL,
        x          REAL    NOT NULL,
        y          REAL    NOT NULL,
        zone       TEXT    NOT NULL DEFAULT '',
        last_seen  INTEGER NOT NULL DEFAULT 0,
        UNIQUE (kind, name),
        CHECK (kind = 'account' OR account_id IS NULL)
      );
      INSERT INTO players_v3 (id, kind, account_id, name, level, hp, max_hp, mana, max_mana, x, y, zone, last_seen)
        SELECT id, CASE WHEN account_id IS NULL THEN 'guest' ELSE 'account' END, account_id, name,
               level, hp, max_hp, mana, max_mana, x, y, zone, last_seen
        FROM players;
      DROP TABLE players;
      ALTER TABLE players_v3 RENAME TO players;
      CREATE INDEX players_account_id ON players(account_id);
    `,
  },
  {
    // One player, one place: the zone of a world a player is online in, and until when that
    // holds without renewal (leases.ts). NULL: offline.
    version: 4,
    name: 'online leases',
    up: `
      ALTER TABLE players ADD COLUMN online_zone TEXT;
      ALTER TABLE players ADD COLUMN online_until INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

/** The version the code expects a file to be at after opening. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

interface Recorded {
  version: number;
  name: string;
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreVersionError(`migration list out of order: entry ${i} has version ${m.version}, expected ${i + 1}`);
  });
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)!.n > 0;
}

function recorded(db: Database.Database): Recorded[] {
  if (!hasTable(db, 'schema_migrations')) return [];
  return db.prepare<[], Recorded>('SELECT version, name FROM schema_migrations ORDER BY version').all();
}

/** Refuses a history this code does not know; returns the current version (0 for an empty file). */
function checkHistory(rows: readonly Recorded[], migrations: readonly Migration[]): number {
  rows.forEach((r, i) => {
    if (r.version !== i + 1) throw new StoreVersionError(`schema_migrations has a gap: version ${r.version} recorded at position ${i + 1}`);
  });
  if (rows.length > migrations.length) {
    throw new StoreVersionError(
      `database schema version ${rows.length} is newer than this code knows (${migrations.length}); upgrade the server, do not open this file with it`,
    );
  }
  rows.forEach((r, i) => {
    const m = migrations[i];
    if (m.name !== r.name) throw new StoreVersionError(`schema version ${r.version} was recorded as "${r.name}" but this code calls it "${m.name}"`);
  });
  return rows.length;
}

/** The schema version recorded in the file (0 when none). */
export function schemaVersion(db: Database.Database): number {
  const rows = recorded(db);
  return rows.length === 0 ? 0 : rows[rows.length - 1].version;
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Throws unless every foreign key holds. Migrations run with enforcement off (a table rebuild
 * must not cascade deletes into its children), so each checks before it commits.
 */
function checkForeignKeys(db: Database.Database, m: Migration): void {
  const bad = db.pragma('foreign_key_check') as { table: string }[];
  if (bad.length > 0) throw new StoreVersionError(`migration ${m.version} (${m.name}) would break ${bad.length} foreign keys, first in ${bad[0].table}`);
}

/**
 * Brings the file up to the last version of `migrations`. Safe against another connection
 * migrating the same file at once: each step re-reads the history under the write lock.
 * Foreign keys are off while migrating (SQLite's recipe for rebuilding a table) and checked
 * before each commit.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): MigrateResult {
  checkList(migrations);
  const initial = recorded(db);
  if (initial.length === 0) {
    const user = db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'",
    ).get()!.n;
    if (user > 0) throw new StoreVersionError('the file has tables but no schema_migrations: not a store database');
  }
  const from = checkHistory(initial, migrations);
  const applied: number[] = [];
  if (from === migrations.length) return { from, to: from, applied };

  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const record = db.prepare<[number, string, number]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of migrations.slice(from)) {
      db.transaction(() => {
        // Under the write lock: another connection may have applied it meanwhile.
        const current = checkHistory(recorded(db), migrations);
        if (current >= m.version) return;
        db.exec(m.up);
        checkForeignKeys(db, m);
        record.run(m.version, m.name, now());
        applied.push(m.version);
      }).immediate();
    }
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
  return { from, to: checkHistory(recorded(db), migrations), applied };
}
