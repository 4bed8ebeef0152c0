// The store in memory: what a zone needs of a store (ZoneStore) with nothing written anywhere.
// For unit tests and a zone that keeps nothing; it passes the same contract suite as the SQLite
// store (test/store/contract.ts), faults included, so code tested over it behaves the same
// over the file.

import { NEW_PLAYER_STATS, PLAYER_KINDS, checkInt, newPlayerKind, type NewPlayer, type PlayerKind, type PlayerRow } from './players.js';
import type { ItemStack } from './playerStore.js';
import { unpackSnapshot, type PackedSnapshots, type PlayerSnapshot } from './snapshots.js';
import type { StoreFault, ZoneStore } from './zoneStore.js';

/** What SQLite says for each simulated fault, so logs and tests read the same over both stores. */
const FAULT_MESSAGES: Record<Exclude<StoreFault, null>, string> = {
  full: 'database or disk is full (simulated)',
  readonly: 'attempt to write a readonly database (simulated)',
};

export class MemoryStore implements ZoneStore {
  private readonly rows = new Map<number, PlayerRow>();
  private readonly idByName = new Map<PlayerKind, Map<string, number>>(PLAYER_KINDS.map((k) => [k, new Map()]));
  private readonly items = new Map<number, Map<number, number>>();
  private readonly stats = new Map<string, number>();
  /** Rows of failed snapshot batches, written before (so under) the next batch. */
  private readonly carried = new Map<number, PlayerSnapshot>();
  private nextId = 1;
  private fault: StoreFault = null;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs a request as a commit would: refused once closed, failing whole under a fault. */
  private commit<T>(write: boolean, fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('MemoryStore is closed'));
    if (write && this.fault) return Promise.reject(new Error(FAULT_MESSAGES[this.fault]));
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  loadOrCreatePlayer(name: string, spawn: NewPlayer): Promise<PlayerRow> {
    let kind: PlayerKind;
    try {
      kind = newPlayerKind(name, spawn);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const found = this.playerByName(name, kind);
    if (found) return this.commit(false, () => found);
    return this.commit(true, () => {
      const row: PlayerRow = {
        id: this.nextId++, kind, accountId: spawn.accountId ?? null, name, ...NEW_PLAYER_STATS,
        x: spawn.x, y: spawn.y, zone: spawn.zone, lastSeen: this.now(),
      };
      this.rows.set(row.id, row);
      this.idByName.get(kind)!.set(name, row.id);
      return { ...row };
    });
  }

  writeSnapshots(batch: PackedSnapshots): Promise<number> {
    if (this.fault && !this.closed) {
      // Kept for the next batch, as SQLite's failed transaction keeps them (see PlayerStore).
      for (let i = 0; i < batch.count; i++) {
        const s = unpackSnapshot(batch, i);
        this.carried.set(s.id, s);
      }
    }
    return this.commit(true, () => {
      const now = this.now();
      let n = 0;
      const save = (s: PlayerSnapshot): void => {
        const row = this.rows.get(s.id);
        if (!row) return;
        Object.assign(row, s, { lastSeen: now });
        n++;
      };
      for (const s of this.carried.values()) save(s);
      for (let i = 0; i < batch.count; i++) save(unpackSnapshot(batch, i));
      this.carried.clear();
      return n;
    });
  }

  addItem(playerId: number, itemType: number, quantity: number): Promise<number> {
    return this.commit(true, () => {
      checkInt('itemType', itemType, 0);
      checkInt('quantity', quantity, 1);
      if (!this.rows.has(playerId)) throw new Error(`no player ${playerId} (FOREIGN KEY)`);
      const stacks = this.items.get(playerId) ?? new Map<number, number>();
      const q = (stacks.get(itemType) ?? 0) + quantity;
      stacks.set(itemType, q);
      this.items.set(playerId, stacks);
      return q;
    });
  }

  writeStats(set: Record<string, number>, add: Record<string, number>): Promise<void> {
    return this.commit(true, () => {
      for (const [k, v] of [...Object.entries(set), ...Object.entries(add)]) {
        if (!Number.isFinite(v)) throw new RangeError(`stat ${k} must be finite, got ${v}`);
      }
      for (const [k, v] of Object.entries(set)) this.stats.set(k, v);
      for (const [k, v] of Object.entries(add)) this.stats.set(k, (this.stats.get(k) ?? 0) + v);
    });
  }

  injectFault(fault: StoreFault): Promise<void> {
    return this.commit(false, () => {
      this.fault = fault;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  // ---- reads (synchronous, as PlayerStore's) ------------------------------------------------

  player(id: number): PlayerRow | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  playerByName(name: string, kind: PlayerKind): PlayerRow | undefined {
    const id = this.idByName.get(kind)?.get(name);
    return id === undefined ? undefined : this.player(id);
  }

  inventory(playerId: number): ItemStack[] {
    const stacks = [...(this.items.get(playerId) ?? new Map<number, number>())];
    return stacks.filter(([, q]) => q > 0).sort(([a], [b]) => a - b).map(([itemType, quantity]) => ({ itemType, quantity }));
  }

  getStat(name: string): number | undefined {
    return this.stats.get(name);
  }
}
