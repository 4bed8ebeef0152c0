// Inputs a client asked to have applied at a later tick (Move.apply_tick, set by a predicting
// client) wait here until that tick, so the server walks exactly the path the client
// predicted. Each session's inputs stay in the order it sent them: an input behind a held one
// waits with it, so Snapshot.ack_seq (the highest seq processed) never skips a held move.
// An apply tick in the past is applied at once (it arrived late: the client gets corrected);
// one further ahead than MAX_LEAD_TICKS is held only that far, so a client cannot park inputs.

import type { SimInput } from '../sim/index.js';

/** How far ahead (ticks) an input may ask to be applied: 1 s at 20 Hz. */
export const MAX_LEAD_TICKS = 20;

interface Held {
  /** The step that applies it (world.tick after the step). */
  at: number;
  input: SimInput;
}

export class InputSchedule {
  /** Per session, in arrival order; only sessions with something held are present. */
  private readonly held = new Map<number, Held[]>();

  /**
   * Routes an input: into `now` (the inputs of the next step) or held for a later one.
   * `nextTick` is the tick the next step produces; `applyTick` 0 means "on arrival".
   */
  offer(session: number, input: SimInput, applyTick: number, nextTick: number, now: SimInput[]): void {
    const queue = this.held.get(session);
    const at = applyTick > nextTick ? Math.min(applyTick, nextTick + MAX_LEAD_TICKS) : nextTick;
    if (queue === undefined && at <= nextTick) {
      now.push(input);
      return;
    }
    // Behind a held input, or held itself: never before what was sent earlier.
    const last = queue?.[queue.length - 1].at ?? nextTick;
    const entry = { at: Math.max(at, last), input };
    if (queue) queue.push(entry);
    else this.held.set(session, [entry]);
  }

  /** Moves every input due at `nextTick` into `now`, each session's in its order. */
  release(nextTick: number, now: SimInput[]): void {
    for (const [session, queue] of this.held) {
      let i = 0;
      while (i < queue.length && queue[i].at <= nextTick) now.push(queue[i++].input);
      if (i === queue.length) this.held.delete(session);
      else if (i > 0) queue.splice(0, i);
    }
  }

  /** Forgets a session's held inputs (it left). */
  drop(session: number): void {
    this.held.delete(session);
  }

  /** Inputs held in all. */
  get size(): number {
    let n = 0;
    for (const q of this.held.values()) n += q.length;
    return n;
  }
}
