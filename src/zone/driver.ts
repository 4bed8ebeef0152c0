// Fixed-step tick driver on an absolute schedule: tick k is due at start + k × step, whatever
// time the ticks before it took or how late their timers fired, so lateness never accumulates.
// Each wake-up runs the steps that are due, at most maxCatchUp of them; anything further behind
// is dropped and counted as missed. The clock and the timer are passed in, so tests can drive
// it by hand.

export interface DriverClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: DriverClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * A wake-up this close before a step's due time runs it: Node's timers count whole
 * milliseconds of a loop clock, so one often fires a fraction of a millisecond early, and
 * sleeping again for that fraction costs a loop turn and about a millisecond of lateness.
 */
export const WAKE_SLACK_MS = 1;

export class TickDriver {
  private next = 0;
  private handle: unknown;
  private running = false;
  /** Ticks dropped because the loop fell too far behind. */
  missedTicks = 0;
  /** Wake-ups that had to run more than one step. */
  catchUps = 0;

  constructor(
    private readonly stepMs: number,
    private readonly onTick: () => void,
    private readonly maxCatchUp = 3,
    private readonly clock: DriverClock = realClock,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.next = this.clock.now() + this.stepMs;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.handle = this.clock.setTimeout(() => this.wake(), Math.max(0, this.next - this.clock.now()));
  }

  /** Runs the due steps; public so a manual clock can drive it. */
  wake(): void {
    this.handle = undefined;
    let steps = 0;
    while (this.running && this.clock.now() >= this.next - WAKE_SLACK_MS && steps < this.maxCatchUp) {
      this.onTick();
      this.next += this.stepMs;
      steps++;
    }
    if (steps > 1) this.catchUps++;
    const now = this.clock.now();
    if (now >= this.next) {
      const behind = Math.floor((now - this.next) / this.stepMs) + 1;
      this.missedTicks += behind;
      this.next += behind * this.stepMs;
    }
    this.schedule();
  }
}
