// Repositories over one connection: accounts, players, inventory, guilds, game stats.
// Synchronous (better-sqlite3); every statement is prepared once, in the constructor.

import type Database from 'better-sqlite3';
import { openDatabase, type OpenOptions } from './db.js';
import { MIGRATIONS, SCHEMA_VERSION, StoreVersionError, schemaVersion } from './migrations.js';
import {
  F_HP, F_ID, F_LEVEL, F_MANA, F_MAX_HP, F_MAX_MANA, F_X, F_Y, F_ZONE, SNAPSHOT_STRIDE, unpackSnapshot,
  type PackedSnapshots, type PlayerSnapshot, type SnapshotWriter,
} from './snapshots.js';
import { NEW_PLAYER_STATS, checkInt, checkName, newPlayerKind, type NewPlayer, type PlayerKind, type PlayerRow } from './players.js';

export interface AccountRow {
  id: number;
  name: string;
  /** Opaque; hashing belongs to login. */
  passwordHash: Buffer;
  passwordSalt: Buffer;
  createdAt: number;
}

export interface ItemStack {
  itemType: number;
  quantity: number;
}

export type GuildRole = 'leader' | 'officer' | 'member';
const ROLES: ReadonlySet<string> = new Set<GuildRole>(['leader', 'officer', 'member']);

export interface GuildRow {
  id: number;
  name: string;
  created: number;
}

export interface GuildMember {
  playerId: number;
  name: string;
  role: GuildRole;
  joined: number;
}

export interface Membership {
  guild: GuildRow;
  role: GuildRole;
  joined: number;
}

export interface StatRow {
  name: string;
  value: number;
  updatedAt: number;
}

export interface StoreOptions extends Omit<OpenOptions, 'migrations'> {
  /**
   * synchronous level for economy writes (addItem, removeItem): FULL fsyncs the WAL at that
   * commit, so an item survives power loss, not only a process crash. Bulk snapshot writes stay
   * at the connection's NORMAL. Default FULL.
   */
  economySynchronous?: 'NORMAL' | 'FULL';
}

const PLAYER_COLUMNS =
  'id, kind, account_id AS accountId, name, level, hp, max_hp AS maxHp, mana, max_mana AS maxMana, x, y, zone, last_seen AS lastSeen';

export class PlayerStore implements SnapshotWriter {
  readonly db: Database.Database;
  readonly path: string;
  private readonly now: () => number;
  /** Rows of failed snapshot batches, written before (so under) the next batch. */
  private readonly carried = new Map<number, PlayerSnapshot>();

  private readonly sPlayerByName;
  private readonly sPlayerById;
  private readonly sInsertPlayer;
  private readonly sUpdatePlayer;
  private readonly sAddItem;
  private readonly sRemoveItem;
  private readonly sInventory;
  private readonly sSyncFull;
  private readonly sSyncNormal;
  private readonly sInsertAccount;
  private readonly sAccountByName;
  private readonly sInsertGuild;
  private readonly sGuildById;
  private readonly sGuildByName;
  private readonly sJoinGuild;
  private readonly sLeaveGuild;
  private readonly sMembers;
  private readonly sGuildOf;
  private readonly sSetStat;
  private readonly sAddStat;
  private readonly sStat;
  private readonly sStats;
  private readonly sVersion;
  private readonly economyFull: boolean;

  private readonly txSnapshots: (batch: PackedSnapshots, now: number) => number;
  private readonly txSavePlayers: (rows: readonly PlayerSnapshot[], now: number) => number;
  private readonly txCreateGuild: (name: string, founder: number | undefined, now: number) => GuildRow;

  /** Opens (creating and migrating) the file; `:memory:` for unit tests only. */
  static open(path: string, options: StoreOptions = {}): PlayerStore {
    return new PlayerStore(openDatabase(path, { ...options, migrations: MIGRATIONS }), options);
  }

  /** Wraps an open connection already at SCHEMA_VERSION; the store owns it from now on. */
  constructor(db: Database.Database, options: StoreOptions = {}) {
    const v = schemaVersion(db);
    if (v !== SCHEMA_VERSION) throw new StoreVersionError(`PlayerStore needs schema version ${SCHEMA_VERSION}, the file is at ${v}`);
    this.db = db;
    this.path = db.name;
    this.now = options.now ?? Date.now;
    this.economyFull = (options.economySynchronous ?? 'FULL') === 'FULL';

    this.sPlayerByName = db.prepare<[PlayerKind, string], PlayerRow>(`SELECT ${PLAYER_COLUMNS} FROM players WHERE kind = ? AND name = ?`);
    this.sPlayerById = db.prepare<[number], PlayerRow>(`SELECT ${PLAYER_COLUMNS} FROM players WHERE id = ?`);
    this.sInsertPlayer = db.prepare<[PlayerKind, number | null, string, number, number, number, number, number, number, number, string, number], PlayerRow>(
      `INSERT INTO players (kind, account_id, name, level, hp, max_hp, mana, max_mana, x, y, zone, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, name) DO NOTHING RETURNING ${PLAYER_COLUMNS}`,
    );
    this.sUpdatePlayer = db.prepare<[number, number, number, number, number, number, number, string, number, number]>(
      'UPDATE players SET level = ?, hp = ?, max_hp = ?, mana = ?, max_mana = ?, x = ?, y = ?, zone = ?, last_seen = ? WHERE id = ?',
    );
    this.sAddItem = db.prepare<[number, number, number], { quantity: number }>(
      `INSERT INTO inventory (player_id, item_type, quantity) VALUES (?, ?, ?)
       ON CONFLICT (player_id, item_type) DO UPDATE SET quantity = quantity + excluded.quantity RETURNING quantity`,
    );
    this.sRemoveItem = db.prepare<{ p: number; t: number; q: number }, { quantity: number }>(
      'UPDATE inventory SET quantity = quantity - @q WHERE player_id = @p AND item_type = @t AND quantity >= @q RETURNING quantity',
    );
    this.sInventory = db.prepare<[number], ItemStack>(
      'SELECT item_type AS itemType, quantity FROM inventory WHERE player_id = ? AND quantity > 0 ORDER BY item_type',
    );
    this.sSyncFull = db.prepare('PRAGMA synchronous = FULL');
    this.sSyncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.sInsertAccount = db.prepare<[string, Uint8Array, Uint8Array, number], AccountRow>(
      `INSERT INTO accounts (name, password_hash, password_salt, created_at) VALUES (?, ?, ?, ?)
       RETURNING id, name, password_hash AS passwordHash, password_salt AS passwordSalt, created_at AS createdAt`,
    );
    this.sAccountByName = db.prepare<[string], AccountRow>(
      'SELECT id, name, password_hash AS passwordHash, password_salt AS passwordSalt, created_at AS createdAt FROM accounts WHERE name = ?',
    );
    this.sInsertGuild = db.prepare<[string, number], GuildRow>('INSERT INTO guilds (name, created) VALUES (?, ?) RETURNING id, name, created');
    this.sGuildById = db.prepare<[number], GuildRow>('SELECT id, name, created FROM guilds WHERE id = ?');
    this.sGuildByName = db.prepare<[string], GuildRow>('SELECT id, name, created FROM guilds WHERE name = ?');
    // OR IGNORE covers only "already in a guild" (the primary key): roles are checked before, and
    // a missing guild or player is a foreign-key error, which IGNORE does not swallow.
    this.sJoinGuild = db.prepare<[number, number, string, number]>(
      'INSERT OR IGNORE INTO guild_members (player_id, guild_id, role, joined) VALUES (?, ?, ?, ?)',
    );
    this.sLeaveGuild = db.prepare<[number]>('DELETE FROM guild_members WHERE player_id = ?');
    this.sMembers = db.prepare<[number], GuildMember>(
      `SELECT m.player_id AS playerId, p.name AS name, m.role AS role, m.joined AS joined
       FROM guild_members m JOIN players p ON p.id = m.player_id WHERE m.guild_id = ? ORDER BY m.joined, m.player_id`,
    );
    this.sGuildOf = db.prepare<[number], { id: number; name: string; created: number; role: GuildRole; joined: number }>(
      `SELECT g.id AS id, g.name AS name, g.created AS created, m.role AS role, m.joined AS joined
       FROM guild_members m JOIN guilds g ON g.id = m.guild_id WHERE m.player_id = ?`,
    );
    this.sSetStat = db.prepare<[string, number, number]>(
      `INSERT INTO game_stats (name, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.sAddStat = db.prepare<[string, number, number], { value: number }>(
      `INSERT INTO game_stats (name, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value, updated_at = excluded.updated_at RETURNING value`,
    );
    this.sStat = db.prepare<[string], { value: number }>('SELECT value FROM game_stats WHERE name = ?');
    this.sStats = db.prepare<[], StatRow>('SELECT name, value, updated_at AS updatedAt FROM game_stats ORDER BY name');
    this.sVersion = db.prepare<[], { v: number }>('SELECT max(version) AS v FROM schema_migrations');

    const update = this.sUpdatePlayer;
    this.txSnapshots = db.transaction((batch: PackedSnapshots, now: number): number => {
      let n = 0;
      for (const r of this.carried.values()) n += update.run(r.level, r.hp, r.maxHp, r.mana, r.maxMana, r.x, r.y, r.zone, now, r.id).changes;
      const d = batch.data;
      const zones = batch.zones;
      for (let i = 0, o = 0; i < batch.count; i++, o += SNAPSHOT_STRIDE) {
        n += update.run(d[o + F_LEVEL], d[o + F_HP], d[o + F_MAX_HP], d[o + F_MANA], d[o + F_MAX_MANA], d[o + F_X], d[o + F_Y],
          zones[d[o + F_ZONE]], now, d[o + F_ID]).changes;
      }
      return n;
    });
    this.txSavePlayers = db.transaction((rows: readonly PlayerSnapshot[], now: number): number => {
      let n = 0;
      for (const r of rows) n += update.run(r.level, r.hp, r.maxHp, r.mana, r.maxMana, r.x, r.y, r.zone, now, r.id).changes;
      return n;
    });
    this.txCreateGuild = db.transaction((name: string, founder: number | undefined, now: number): GuildRow => {
      const g = this.sInsertGuild.get(name, now)!;
      if (founder !== undefined && this.sJoinGuild.run(founder, g.id, 'leader', now).changes === 0) {
        throw new Error(`player ${founder} is already in a guild`);
      }
      return g;
    });
  }

  // ---- players -------------------------------------------------------------------------------

  /**
   * The saved player of that name in the spawn's namespace (a guest, or an account's with an
   * accountId), or a new one (level 1, hp 100/100, mana 50/50) at the given spawn.
   */
  loadOrCreatePlayer(name: string, spawn: NewPlayer): PlayerRow {
    const kind = newPlayerKind(name, spawn);
    const found = this.sPlayerByName.get(kind, name);
    if (found) return found;
    const s = NEW_PLAYER_STATS;
    return this.sInsertPlayer.get(kind, spawn.accountId ?? null, name, s.level, s.hp, s.maxHp, s.mana, s.maxMana, spawn.x, spawn.y, spawn.zone, this.now())
      // Lost a race with another connection creating the same name.
      ?? this.sPlayerByName.get(kind, name)!;
  }

  player(id: number): PlayerRow | undefined {
    return this.sPlayerById.get(id);
  }

  playerByName(name: string, kind: PlayerKind): PlayerRow | undefined {
    return this.sPlayerByName.get(kind, name);
  }

  /** Saves the rows in ONE transaction (all or none); returns how many rows existed and were updated. */
  savePlayers(rows: readonly PlayerSnapshot[]): number {
    return this.txSavePlayers(rows, this.now());
  }

  /** SnapshotWriter: one transaction for the batch plus any rows kept from a failed batch. */
  writeSnapshots(batch: PackedSnapshots): number {
    let n: number;
    try {
      n = this.txSnapshots(batch, this.now());
    } catch (e) {
      for (let i = 0; i < batch.count; i++) {
        const r = unpackSnapshot(batch, i);
        this.carried.set(r.id, r);
      }
      throw e;
    }
    this.carried.clear();
    return n;
  }

  /** Rows kept from failed snapshot batches, waiting for the next one. */
  get carriedCount(): number {
    return this.carried.size;
  }

  // ---- inventory (economy: each call is its own committed transaction) -----------------------

  private economy<T>(fn: () => T): T {
    if (!this.economyFull) return fn();
    this.sSyncFull.run();
    try {
      return fn();
    } finally {
      this.sSyncNormal.run();
    }
  }

  /** Adds to a stack and returns the new quantity; committed when it returns. */
  addItem(playerId: number, itemType: number, quantity: number): number {
    checkInt('itemType', itemType, 0);
    checkInt('quantity', quantity, 1);
    return this.economy(() => this.sAddItem.get(playerId, itemType, quantity)!.quantity);
  }

  /** Takes from a stack; returns the quantity left, or null (nothing taken) when there is not enough. */
  removeItem(playerId: number, itemType: number, quantity: number): number | null {
    checkInt('itemType', itemType, 0);
    checkInt('quantity', quantity, 1);
    return this.economy(() => this.sRemoveItem.get({ p: playerId, t: itemType, q: quantity })?.quantity ?? null);
  }

  inventory(playerId: number): ItemStack[] {
    return this.sInventory.all(playerId);
  }

  // ---- accounts ------------------------------------------------------------------------------

  /** Hash and salt are stored opaque; a taken name throws (UNIQUE constraint). */
  createAccount(name: string, passwordHash: Uint8Array, passwordSalt: Uint8Array): AccountRow {
    checkName('account name', name);
    return this.sInsertAccount.get(name, passwordHash, passwordSalt, this.now())!;
  }

  account(name: string): AccountRow | undefined {
    return this.sAccountByName.get(name);
  }

  // ---- guilds --------------------------------------------------------------------------------

  /** A taken name throws (UNIQUE); with a founder, they join as leader in the same transaction. */
  createGuild(name: string, founderPlayerId?: number): GuildRow {
    checkName('guild name', name);
    return this.txCreateGuild(name, founderPlayerId, this.now());
  }

  guild(id: number): GuildRow | undefined {
    return this.sGuildById.get(id);
  }

  guildByName(name: string): GuildRow | undefined {
    return this.sGuildByName.get(name);
  }

  /** false when the player is already in a guild (this one or another); a missing guild or player throws. */
  joinGuild(guildId: number, playerId: number, role: GuildRole = 'member'): boolean {
    if (!ROLES.has(role)) throw new RangeError(`unknown guild role ${JSON.stringify(role)}`);
    return this.sJoinGuild.run(playerId, guildId, role, this.now()).changes === 1;
  }

  /** false when the player was in no guild. */
  leaveGuild(playerId: number): boolean {
    return this.sLeaveGuild.run(playerId).changes === 1;
  }

  /** Members in joining order. */
  guildMembers(guildId: number): GuildMember[] {
    return this.sMembers.all(guildId);
  }

  guildOf(playerId: number): Membership | undefined {
    const r = this.sGuildOf.get(playerId);
    return r && { guild: { id: r.id, name: r.name, created: r.created }, role: r.role, joined: r.joined };
  }

  // ---- game stats ----------------------------------------------------------------------------

  setStat(name: string, value: number): void {
    checkName('stat name', name);
    if (!Number.isFinite(value)) throw new RangeError(`stat ${name} must be finite, got ${value}`);
    this.sSetStat.run(name, value, this.now());
  }

  /** Atomic increment (creating the stat at `delta`); returns the new value. */
  addStat(name: string, delta: number): number {
    checkName('stat name', name);
    if (!Number.isFinite(delta)) throw new RangeError(`stat ${name} delta must be finite, got ${delta}`);
    return this.sAddStat.get(name, delta, this.now())!.value;
  }

  /** Sets some stats and adds to others, in one transaction. */
  writeStats(set: Record<string, number>, add: Record<string, number>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(set)) this.setStat(k, v);
      for (const [k, v] of Object.entries(add)) this.addStat(k, v);
    })();
  }

  getStat(name: string): number | undefined {
    return this.sStat.get(name)?.value;
  }

  /** All stats by name. */
  getStats(): StatRow[] {
    return this.sStats.all();
  }

  // ---- maintenance ---------------------------------------------------------------------------

  get schemaVersion(): number {
    return this.sVersion.get()!.v;
  }

  /** 'ok' or SQLite's list of problems. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  }

  get open(): boolean {
    return this.db.open;
  }

  /**
   * Closes the connection. Rows kept from a failed snapshot batch are tried once more first; if
   * that fails too the connection still closes and the error says how many rows were lost.
   */
  close(): void {
    if (!this.db.open) return;
    try {
      if (this.carried.size > 0) {
        const lost = this.carried.size;
        try {
          this.writeSnapshots({ data: new Float64Array(0), count: 0, zones: [] });
        } catch (e) {
          throw new Error(`closing ${this.path}: ${lost} player rows from failed flushes could not be written`, { cause: e });
        }
      }
    } finally {
      this.db.close();
    }
  }
}
