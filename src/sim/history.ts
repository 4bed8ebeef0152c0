// Where every entity was over the last second: a ring of position columns, one slot per tick,
// written at the end of each step. Lag-compensated attacks look a target up here at the tick
// the attacker saw it (the rewind comes in the recorded input, so replays agree).
// An entity id bitECS recycled within the window has no history from before its spawn; a
// look-up that far back answers with its first recorded position.

import { HISTORY_TICKS } from './constants.js';
import type { ZoneWorld } from './world.js';

export class PositionHistory {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Tick each entity id was last spawned at. */
  readonly bornAt: Int32Array;
  /** Entity ids below this have lived; the ones above are all zero in every column. */
  extent = 0;
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.x = new Float32Array(HISTORY_TICKS * size);
    this.y = new Float32Array(HISTORY_TICKS * size);
    this.bornAt = new Int32Array(size);
  }

  /** Entity e spawned at `tick`: its history starts there. */
  born(e: number, tick: number): void {
    this.bornAt[e] = tick;
    if (e >= this.extent) this.extent = e + 1;
  }

  /**
   * Copies this tick's positions into its slot: those of ids that have lived (a zone of 16,384
   * places with 800 entities copies 800, not 16,384). Never-used ids stay 0, as their positions are.
   */
  record(tick: number, px: Float32Array, py: Float32Array): void {
    const at = (tick % HISTORY_TICKS) * this.size;
    this.x.set(px.subarray(0, this.extent), at);
    this.y.set(py.subarray(0, this.extent), at);
  }

  /**
   * Entity e's position at the end of tick `tick` (clamped into the window and to its spawn),
   * written to out; `now` is the world's tick.
   */
  at(e: number, tick: number, now: number, out: { x: number; y: number }): { x: number; y: number } {
    const t = Math.max(tick, now - HISTORY_TICKS + 1, this.bornAt[e]);
    const i = (t % HISTORY_TICKS) * this.size + e;
    out.x = this.x[i];
    out.y = this.y[i];
    return out;
  }
}

/** The last phase: remember where everything ended this tick. */
export function historySystem(world: ZoneWorld): void {
  world.history.record(world.tick, world.c.Position.x, world.c.Position.y);
}
