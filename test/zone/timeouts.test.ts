// The Hello and idle timeouts by a clock moved by hand: a session is closed no earlier than
// its deadline and within a second of it (here: within the sweep gap), a message moves the
// idle deadline, stages without a timeout are left alone, and sweeps stay at least the gap
// apart however many deadlines there are.

import { describe, expect, it } from 'vitest';
import type { DriverClock } from '../../src/zone/driver.js';
import { Session, type SessionStage } from '../../src/zone/session.js';
import { TimeoutSweeper, deadlineOf, expiryReason, type TimeoutLimits } from '../../src/zone/timeouts.js';

/** Timers that run only when the test moves time. */
class ManualClock implements DriverClock {
  t = 0;
  fired = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time to `to`, running each timer at its own time, in order. */
  runUntil(to: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const next = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > to) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      this.fired++;
      next[1].fn();
    }
    this.t = to;
  }
}

const LIMITS: TimeoutLimits = { helloTimeoutMs: 10_000, idleTimeoutMs: 2_000, minGapMs: 250 };

function setup(limits = LIMITS) {
  const clock = new ManualClock();
  const conns = new Map<number, { session: Session }>();
  const closed: { number: number; at: number; why: string }[] = [];
  const sweeper = new TimeoutSweeper(limits, () => conns.values(), (conn, now) => {
    closed.push({ number: conn.session.number, at: now, why: expiryReason(conn.session, now) });
    conns.delete(conn.session.number); // as the real close does, synchronously
  }, clock);
  let n = 1;
  const open = (stage: SessionStage = 'connecting') => {
    const s = new Session(n++, 'id', clock.now(), 30, 60);
    s.stage = stage;
    conns.set(s.number, { session: s });
    sweeper.watch(s);
    return s;
  };
  return { clock, sweeper, open, closed, conns };
}

describe('Hello and idle timeouts', () => {
  it('closes a silent connection no earlier than the Hello timeout and within the sweep gap of it', () => {
    const { clock, sweeper, open, closed } = setup();
    sweeper.start();
    clock.runUntil(1_234);
    const s = open();
    clock.runUntil(1_234 + 9_999);
    expect(closed).toEqual([]);
    clock.runUntil(1_234 + 10_000 + LIMITS.minGapMs + 1);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ number: s.number, why: 'no Hello in time' });
    expect(closed[0].at - (1_234 + 10_000)).toBeGreaterThanOrEqual(0);
    expect(closed[0].at - (1_234 + 10_000)).toBeLessThanOrEqual(LIMITS.minGapMs + 1);
  });

  it('closes an idle player at its last message plus the idle timeout, however often it spoke before', () => {
    const { clock, sweeper, open, closed } = setup();
    sweeper.start();
    const s = open('joined');
    for (let i = 1; i <= 5; i++) { // a message every 1.5 s keeps it in
      clock.runUntil(i * 1_500);
      s.lastActivity = clock.now();
    }
    expect(closed).toEqual([]);
    clock.runUntil(7_500 + 1_999);
    expect(closed).toEqual([]);
    clock.runUntil(7_500 + 3_000);
    expect(closed).toHaveLength(1);
    expect(closed[0].why).toBe('idle for 2 s');
    expect(closed[0].at).toBeGreaterThanOrEqual(7_500 + 2_000);
    expect(closed[0].at).toBeLessThanOrEqual(7_500 + 2_000 + LIMITS.minGapMs + 1);
  });

  it('leaves loading, joining and transferring sessions alone; the idle timeout starts on joining', () => {
    const { clock, sweeper, open, closed } = setup();
    sweeper.start();
    const waiting = (['loading', 'joining', 'transferring'] as const).map((st) => open(st));
    clock.runUntil(60_000);
    expect(closed).toEqual([]);
    expect(waiting.map((s) => deadlineOf(s, LIMITS))).toEqual([undefined, undefined, undefined]);
    waiting[1].stage = 'joined';
    sweeper.watch(waiting[1]); // as Connections.setStage does: its last message was long ago
    clock.runUntil(60_000 + LIMITS.minGapMs + 1);
    expect(closed.map((c) => c.number)).toEqual([waiting[1].number]);
  });

  it('sweeps at least the gap apart under many deadlines, each closed within the gap of its own', () => {
    const { clock, sweeper, open, closed } = setup();
    sweeper.start();
    const opened = new Map<number, number>();
    for (let i = 0; i < 1000; i++) { // a connection every 10 ms for 10 s
      clock.runUntil(i * 10);
      opened.set(open().number, clock.now());
    }
    const firedBefore = clock.fired;
    clock.runUntil(30_000);
    expect(closed).toHaveLength(1000);
    for (const c of closed) {
      const late = c.at - (opened.get(c.number)! + LIMITS.helloTimeoutMs);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(LIMITS.minGapMs + 1);
    }
    // 10 s of deadlines at most one sweep per gap (plus the first).
    expect(clock.fired - firedBefore).toBeLessThanOrEqual(10_000 / LIMITS.minGapMs + 2);
  });

  it('stop leaves no timer armed, and a stopped sweeper arms none', () => {
    const { clock, sweeper, open } = setup();
    sweeper.start();
    open();
    expect(clock.pending).toBe(1);
    sweeper.stop();
    expect(clock.pending).toBe(0);
    open();
    expect(clock.pending).toBe(0);
  });
});
