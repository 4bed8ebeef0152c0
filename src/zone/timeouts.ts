// The Hello and idle timeouts. Each session has at most one deadline: its Hello deadline while
// connecting, its idle deadline while joined. One timer is armed for the earliest deadline (a
// message only moves a deadline later, so no timer is re-armed per message); when it fires,
// the sessions that are due are closed and the timer is armed for the next. Sweeps are at
// least `minGapMs` apart, which bounds the work under many connections and is how late a
// timeout may close at most. The clock is passed in, so tests drive it by hand.

import { realClock, type DriverClock } from './driver.js';
import type { Session } from './session.js';

export interface TimeoutLimits {
  helloTimeoutMs: number;
  idleTimeoutMs: number;
  /** The least time between two sweeps. */
  minGapMs: number;
}

/** When a session is due to be closed, or undefined while no timeout runs in its stage. */
export function deadlineOf(s: Session, limits: TimeoutLimits): number | undefined {
  if (s.stage === 'connecting') return s.openedAt + limits.helloTimeoutMs;
  if (s.stage === 'joined') return s.lastActivity + limits.idleTimeoutMs;
  return undefined;
}

/** Why a session is closed: the text of its IdleTimeout error. */
export function expiryReason(s: Session, now: number): string {
  return s.stage === 'connecting' ? 'no Hello in time' : `idle for ${Math.round((now - s.lastActivity) / 1000)} s`;
}

export class TimeoutSweeper<C extends { session: Session }> {
  private handle: unknown;
  /** When the armed timer fires; Infinity when none is armed. */
  private armedFor = Infinity;
  private lastSweep = -Infinity;
  private running = false;

  constructor(
    private readonly limits: TimeoutLimits,
    private readonly conns: () => Iterable<C>,
    private readonly expire: (conn: C, now: number) => void,
    private readonly clock: DriverClock = realClock,
  ) {}

  start(): void {
    this.running = true;
    this.sweep();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /** A session whose deadline may be earlier than the armed timer (just opened, just joined). */
  watch(s: Session): void {
    const due = deadlineOf(s, this.limits);
    if (due !== undefined) this.arm(due);
  }

  /** Closes every session that is due and arms the timer for the next deadline. */
  sweep(): void {
    this.disarm();
    const now = this.clock.now();
    this.lastSweep = now;
    let next = Infinity;
    for (const conn of [...this.conns()]) {
      const due = deadlineOf(conn.session, this.limits);
      if (due === undefined) continue;
      if (now >= due) this.expire(conn, now);
      else next = Math.min(next, due);
    }
    this.arm(next);
  }

  private arm(due: number): void {
    if (!this.running || due === Infinity || due >= this.armedFor) return;
    this.disarm();
    const at = Math.max(due, this.lastSweep + this.limits.minGapMs);
    this.armedFor = at;
    // +1: timers round to whole ms and may fire a fraction early by this clock.
    this.handle = this.clock.setTimeout(() => this.sweep(), Math.max(0, Math.ceil(at - this.clock.now())) + 1);
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Infinity;
  }
}
