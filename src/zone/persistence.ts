// The zone's link to the store: players load on join, changed players are written behind
// every N ticks, a leaving player is saved at once, and item pickups are committed before anyone
// is told of them (retried until they are). It works over any ZoneStore: the SQLite one on a
// writer thread (the tick thread only copies numbers and posts) or the in-memory one. Over a
// SQLite file it also keeps the online leases of its account players (store/leases.ts): one
// player, one zone of the world at a time.

import {
  OnlineLeases, WorkerWriter, WriteBehind, type PlayerKind, type PlayerRow, type PlayerSnapshot, type StoreFault, type ZoneStore,
} from '../store/index.js';
import { EventKind, readPlayerState, type PlayerState, type SimEvent, type ZoneWorld } from '../sim/index.js';

export interface PersistenceStats {
  flushes: number;
  rowsWritten: number;
  lastFlushMs: number;
  failures: number;
  pickupsCommitted: number;
  pickupsPending: number;
}

interface Pickup {
  event: SimEvent;
  playerId: number;
  attempts: number;
}

const RETRY_MS = [100, 500, 2000, 5000];

export class ZonePersistence {
  readonly stats: PersistenceStats = { flushes: 0, rowsWritten: 0, lastFlushMs: 0, failures: 0, pickupsCommitted: 0, pickupsPending: 0 };
  private lastFlushTick = 0;
  private readonly scratch: PlayerSnapshot = { id: 0, level: 0, hp: 0, maxHp: 0, mana: 0, maxMana: 0, x: 0, y: 0, zone: '' };
  /** Pickups committed since the last tick, to be told in the next snapshots. */
  private confirmed: SimEvent[] = [];
  private kills = 0;
  private itemsPicked = 0;

  private readonly wb: WriteBehind;
  private lastRenew = 0;

  /** Owns `store` and `leases` from now on (close() closes them). Without leases every claim succeeds. */
  constructor(
    private readonly store: ZoneStore,
    private readonly zone: string,
    private readonly log: (msg: string) => void,
    private readonly onFlush: (seconds: number) => void = () => {},
    private readonly leases?: OnlineLeases,
  ) {
    this.wb = new WriteBehind(store);
  }

  /**
   * Over the SQLite file at `path`, written on a writer thread of its own, with online leases.
   * Leases this zone held before (a crash, a restart) are dropped: nobody plays here yet.
   */
  static async open(path: string, zone: string, log: (msg: string) => void, onFlush: (seconds: number) => void = () => {}): Promise<ZonePersistence> {
    const store = await WorkerWriter.open(path);
    let leases: OnlineLeases;
    try {
      // Claims run on the tick thread: a short wait for the writer's lock, never seconds.
      leases = OnlineLeases.open(path, { busyTimeoutMs: 1000 });
      const dropped = leases.releaseAll(zone);
      if (dropped > 0) log(`dropped ${dropped} online leases left from this zone's last run`);
    } catch (e) {
      await store.close();
      throw e;
    }
    return new ZonePersistence(store, zone, log, onFlush, leases);
  }

  /**
   * Takes the player's online lease for this zone (`from`: the zone handing it over): false
   * while another zone of the world holds it, or when the store cannot say.
   */
  claimOnline(playerId: number, from?: string): boolean {
    try {
      return this.leases?.claim(playerId, this.zone, from) ?? true;
    } catch (e) {
      this.log(`online lease claim failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** The player left this zone (not by a handoff): its lease is free. */
  releaseOnline(playerId: number): void {
    try {
      this.leases?.release(playerId, this.zone);
    } catch (e) {
      this.log(`online lease release failed (it expires): ${(e as Error).message}`);
    }
  }

  /**
   * Keeps the leases of the players still here alive, a few times per lease lifetime; returns
   * the players as a list (the iterable may be a one-pass generator).
   */
  private renewLeases<P extends { playerId: number }>(players: Iterable<P>): Iterable<P> {
    const now = Date.now();
    if (!this.leases || now - this.lastRenew < this.leases.ttlMs / 4) return players;
    this.lastRenew = now;
    const list = [...players];
    try {
      this.leases.renew(this.zone, list.map((p) => p.playerId));
    } catch (e) {
      this.log(`online lease renewal failed: ${(e as Error).message}`);
    }
    return list;
  }

  /**
   * The saved player, or a new one created at `spawn`. A guest (a name alone) and an account's
   * player (a join token) are looked up apart: a guest never gets an account's character.
   */
  loadPlayer(name: string, spawn: { x: number; y: number }, kind: PlayerKind = 'guest'): Promise<PlayerRow> {
    return this.store.loadOrCreatePlayer(name, { x: spawn.x, y: spawn.y, zone: this.zone, kind });
  }

  /** A saved row as the sim's join state; one saved dead comes back respawned. */
  static joinState(row: PlayerState): PlayerState {
    const maxHp = Math.max(1, row.maxHp);
    return {
      x: row.x, y: row.y, level: Math.max(1, row.level), maxHp,
      hp: row.hp >= 1 ? Math.min(row.hp, maxHp) : maxHp,
      maxMana: Math.max(0, row.maxMana), mana: Math.min(Math.max(0, row.mana), Math.max(0, row.maxMana)),
    };
  }

  private mark(world: ZoneWorld, eid: number, playerId: number): void {
    const s = readPlayerState(world, eid, this.scratch);
    s.id = playerId;
    s.zone = this.zone;
    this.wb.markDirty(s);
  }

  private flush(): void {
    const start = performance.now();
    this.wb.flush().then((rows) => {
      this.stats.flushes++;
      this.stats.rowsWritten += rows;
      this.stats.lastFlushMs = performance.now() - start;
      this.onFlush(this.stats.lastFlushMs / 1000);
    }, (e: Error) => {
      // The batch stays pending and goes out with the next flush.
      this.stats.failures++;
      this.log(`store flush failed: ${e.message}`);
    });
  }

  /** Every tick: count what the stats need; every `every` ticks write changed players behind. */
  afterTick(world: ZoneWorld, players: Iterable<{ eid: number; playerId: number }>, every: number): void {
    players = this.renewLeases(players);
    for (const ev of world.events) {
      if (ev.kind === EventKind.Death) this.kills++;
      else if (ev.kind === EventKind.ItemPickup) this.itemsPicked++;
    }
    if (world.tick - this.lastFlushTick < every) return;
    const since = this.lastFlushTick;
    this.lastFlushTick = world.tick;
    const { changedAt } = world.c.Replicated;
    const { active } = world.c.Motion;
    for (const p of players) if (changedAt[p.eid] > since || active[p.eid] === 1) this.mark(world, p.eid, p.playerId);
    this.flush();
    this.store.writeStats({ players_online: world.sessions.size }, { kills: this.kills, items_picked_up: this.itemsPicked })
      .catch((e: Error) => this.log(`store stats failed: ${e.message}`));
    this.kills = 0;
    this.itemsPicked = 0;
  }

  /** A leaving player's last state, saved now. */
  leave(world: ZoneWorld, eid: number, playerId: number): void {
    this.mark(world, eid, playerId);
    this.flush();
  }

  /**
   * Takes this tick's pickups by known players out of `events` and commits them; they are
   * handed back by takeConfirmed() once durable. Returns the events to tell now.
   */
  holdPickups(events: readonly SimEvent[], playerOf: (netId: number) => number | undefined): readonly SimEvent[] {
    let out: SimEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      const playerId = ev.kind === EventKind.ItemPickup ? playerOf(ev.source) : undefined;
      if (playerId === undefined) {
        out?.push(ev);
        continue;
      }
      out ??= events.slice(0, i);
      this.commitPickup({ event: ev, playerId, attempts: 0 });
    }
    return out ?? events;
  }

  private commitPickup(p: Pickup): void {
    this.stats.pickupsPending++;
    this.wb.addItem(p.playerId, p.event.value, 1).then(() => {
      this.stats.pickupsPending--;
      this.stats.pickupsCommitted++;
      this.confirmed.push(p.event);
    }, (e: Error) => {
      // Never lost: retried with backoff; never doubled: a failed transaction wrote nothing.
      this.stats.pickupsPending--;
      this.stats.failures++;
      this.log(`pickup commit failed (attempt ${p.attempts + 1}): ${e.message}`);
      setTimeout(() => this.commitPickup({ ...p, attempts: p.attempts + 1 }), RETRY_MS[Math.min(p.attempts, RETRY_MS.length - 1)]);
    });
  }

  /** Pickups committed since the last call. */
  takeConfirmed(): SimEvent[] {
    const c = this.confirmed;
    this.confirmed = [];
    return c;
  }

  /** Test-only: simulates a full disk or a read-only file in the store; null clears it. */
  injectFault(fault: StoreFault): Promise<void> {
    return this.store.injectFault(fault);
  }

  /** Saves every player still online, waits for all pending writes and closes the store. */
  async close(world: ZoneWorld, players: Iterable<{ eid: number; playerId: number }>): Promise<void> {
    for (const p of players) this.mark(world, p.eid, p.playerId);
    try {
      await this.wb.close();
    } finally {
      try {
        this.leases?.releaseAll(this.zone);
      } finally {
        this.leases?.close();
      }
    }
  }
}

