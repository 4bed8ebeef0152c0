// Young-generation collections between ticks instead of inside them. V8 scavenges when its
// young generation fills, in whatever code is allocating, and a scavenge of a busy zone takes
// 2–5 ms: at 250 bots (a 0.7 ms tick) it was most of the slowest 1 % of ticks, at 3,000 a
// scavenge landed in about one tick in ten. A zone's tick thread sleeps most of every 50 ms,
// so after each tick (once its frames are handed over) this looks at how full the young
// generation is and, when the next tick might not fit, scavenges there and then. The work is
// the same; it moves to where nobody waits for it.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' }) => void;

/** The engine's gc(), as `node --expose-gc` gives it, for this process. */
function exposedGc(): Gc {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc; // a context made after the flag has it
}

/** Bytes in use and still free in the young generation's allocation space. */
function youngSpace(): { used: number; free: number } {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space') return { used: s.space_used_size, free: s.space_available_size };
  return { used: 0, free: Infinity };
}

export class BetweenTicksGc {
  private readonly gc = exposedGc();
  private lastUsed = youngSpace().used;
  /** The most a tick (and the time after it) allocated lately: a max that decays 10 % a tick. */
  private perTick = 0;
  /** Scavenges run between ticks. */
  collections = 0;

  /** Called between ticks: scavenges now when what is free would not take three more ticks like the recent ones. */
  afterTick(): void {
    const now = youngSpace();
    const grew = now.used - this.lastUsed; // negative when a scavenge ran anyway
    this.perTick = Math.max(this.perTick * 0.9, grew);
    if (now.free >= 3 * this.perTick) {
      this.lastUsed = now.used;
      return;
    }
    this.gc({ type: 'minor' });
    this.collections++;
    this.lastUsed = youngSpace().used;
  }
}
