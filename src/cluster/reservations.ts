// Players the gateway has just routed, counted on top of each server's reported load until
// that load can show them. Loads arrive with heartbeats (every few seconds); without this a
// burst of logins between two heartbeats all sees the same "least loaded" server and herds
// onto it. A reservation ends when a heartbeat newer than it arrives (the load now counts the
// player, or the player never came) or after `ttlMs` (the join token has expired by then).
//
// Heartbeat times are the registry's clock and reservation times the gateway's: they are the
// same clock when both run in one process, and close on one host otherwise.

interface Loaded {
  readonly id: string;
  readonly load: number;
  readonly lastHeartbeat: number;
}

export class Reservations {
  /** Server id → times (ms) players were routed there, oldest first. */
  private readonly held = new Map<string, number[]>();

  constructor(private readonly ttlMs: number) {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('reservation ttlMs must be > 0');
  }

  /** Counts one player routed to `id` at `now`. */
  add(id: string, now: number): void {
    const times = this.held.get(id);
    if (times) times.push(now);
    else this.held.set(id, [now]);
  }

  /** Players reserved on `id` and not yet shown by its load. */
  count(id: string): number {
    return this.held.get(id)?.length ?? 0;
  }

  /**
   * Copies of `servers` with their load raised by the players routed to each and not yet
   * reflected; drops reservations that a newer heartbeat or the ttl has ended.
   */
  adjust<T extends Loaded>(servers: readonly T[], now: number): T[] {
    const heartbeats = new Map(servers.map((s) => [s.id, s.lastHeartbeat]));
    for (const [id, times] of this.held) {
      const since = heartbeats.get(id) ?? -Infinity;
      const live = times.filter((t) => t >= since && now - t < this.ttlMs);
      if (live.length === 0) this.held.delete(id);
      else this.held.set(id, live);
    }
    return servers.map((s) => {
      const n = this.count(s.id);
      return n === 0 ? s : { ...s, load: s.load + n };
    });
  }
}
