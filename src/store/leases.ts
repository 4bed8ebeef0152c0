// Online leases: which zone of a world a player is playing in, in the world's shared SQLite
// file, so that a player is online in at most one zone at any moment. A zone claims the lease
// with one conditional UPDATE before it admits a player (SQLite serialises writers: of two
// zones claiming at once exactly one wins), renews the leases of its players while they play,
// releases a lease when the player leaves, and on a handoff the target takes it over from the
// source. A zone that dies holds its leases until they expire, or until it starts again and
// drops them. The gateway reads the holder to route a player back where it is.

import type Database from 'better-sqlite3';
import { openDatabase, type OpenOptions } from './db.js';

export interface LeaseOptions extends Omit<OpenOptions, 'migrations' | 'now'> {
  /** How long a lease lives without renewal (a dead zone's players are free after it). Default 15 s. */
  ttlMs?: number;
  /** Wall clock in ms. Default Date.now. */
  now?: () => number;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;

export class OnlineLeases {
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly sClaim;
  private readonly sRenew;
  private readonly sRelease;
  private readonly sReleaseAll;
  private readonly sHolder;

  /** Opens (and migrates) the file on a connection of its own. */
  static open(path: string, options: LeaseOptions = {}): OnlineLeases {
    return new OnlineLeases(openDatabase(path, options), options);
  }

  /** Owns `db` from now on. */
  constructor(private readonly db: Database.Database, options: LeaseOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.now = options.now ?? Date.now;
    // Free (never held, released or expired), already this zone's, or held by the zone it comes from.
    this.sClaim = db.prepare<{ id: number; zone: string; from: string | null; now: number; until: number }>(
      `UPDATE players SET online_zone = @zone, online_until = @until
       WHERE id = @id AND (online_zone IS NULL OR online_until <= @now OR online_zone = @zone OR online_zone = @from)`,
    );
    this.sRenew = db.prepare<{ zone: string; ids: string; until: number }>(
      'UPDATE players SET online_until = @until WHERE online_zone = @zone AND id IN (SELECT value FROM json_each(@ids))',
    );
    this.sRelease = db.prepare<[number, string]>('UPDATE players SET online_zone = NULL, online_until = 0 WHERE id = ? AND online_zone = ?');
    this.sReleaseAll = db.prepare<[string]>('UPDATE players SET online_zone = NULL, online_until = 0 WHERE online_zone = ?');
    this.sHolder = db.prepare<[number, number], { zone: string }>('SELECT online_zone AS zone FROM players WHERE id = ? AND online_zone IS NOT NULL AND online_until > ?');
  }

  /**
   * Takes player `playerId`'s lease for `zone`: true when it is now the zone's. `from`: the zone
   * handing the player over, whose lease passes on.
   */
  claim(playerId: number, zone: string, from?: string): boolean {
    const now = this.now();
    return this.sClaim.run({ id: playerId, zone, from: from ?? null, now, until: now + this.ttlMs }).changes === 1;
  }

  /** Extends the leases `zone` holds for these players (those it still plays); returns how many. */
  renew(zone: string, playerIds: readonly number[]): number {
    if (playerIds.length === 0) return 0;
    return this.sRenew.run({ zone, ids: JSON.stringify(playerIds), until: this.now() + this.ttlMs }).changes;
  }

  /** The player left `zone`: its lease is free (a lease another zone holds is left alone). */
  release(playerId: number, zone: string): void {
    this.sRelease.run(playerId, zone);
  }

  /** Every lease `zone` holds is free (it starts afresh, or stops); returns how many. */
  releaseAll(zone: string): number {
    return this.sReleaseAll.run(zone).changes;
  }

  /** The zone whose live lease holds the player, if any. */
  holder(playerId: number): string | undefined {
    return this.sHolder.get(playerId, this.now())?.zone;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
