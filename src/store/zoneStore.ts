// What a zone needs of a store, as one interface with two implementations: WorkerWriter (SQLite
// on a writer thread, the real one) and MemoryStore (in memory: unit tests, and a zone that keeps
// nothing). test/store/contract.ts is the one suite both must pass.

import type { NewPlayer, PlayerRow } from './players.js';
import type { PackedSnapshots, SnapshotWriter } from './snapshots.js';

/** A simulated storage fault: the disk is full, or the file became read-only; null clears it. */
export type StoreFault = 'full' | 'readonly' | null;

export interface ZoneStore extends SnapshotWriter {
  /**
   * The saved player of that name in the spawn's namespace (guest or account), or a new one
   * (NEW_PLAYER_STATS) at the spawn. Two calls racing for one name get one row.
   */
  loadOrCreatePlayer(name: string, spawn: NewPlayer): Promise<PlayerRow>;
  /**
   * Write-behind: one packed batch in one transaction (all or nothing); resolves with the rows
   * updated once committed. A failed batch rejects and its rows are written with the next batch,
   * under any newer row for the same player.
   */
  writeSnapshots(batch: PackedSnapshots): Promise<number>;
  /** Adds to a player's stack; resolves with the new quantity once durable, after every earlier request. */
  addItem(playerId: number, itemType: number, quantity: number): Promise<number>;
  /** Sets some game stats and adds to others, in one transaction. */
  writeStats(set: Record<string, number>, add: Record<string, number>): Promise<void>;
  /** Test-only: every write fails as on a full disk or a read-only file until cleared with null. */
  injectFault(fault: StoreFault): Promise<void>;
  /** Lets every earlier request finish, then refuses more. Safe to call twice. */
  close(): Promise<void>;
}
