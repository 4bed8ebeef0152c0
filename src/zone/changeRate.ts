// How fast each grid cell changes, for the bandwidth budget's priority: per cell, a decayed
// average of the records its change block carried per tick (half-life one second). Only cells
// with a change block are updated, in the fan-out's index(); the ticks in between count as
// ticks without records, applied lazily from a table of the decay's powers, so nothing loops
// over all cells per tick and reading a rate costs a lookup and a multiply.

/** Half-lives after which the decayed average counts as zero (2^-20 of it is left). */
const HALF_LIVES_KEPT = 20;

export class CellChangeRates {
  /** Records per tick, as of the tick in `at`. */
  private readonly rate: Float64Array;
  private readonly at: Int32Array;
  /** decay^k for k ticks: what is left of an average k ticks old. */
  private readonly decayed: Float64Array;
  /** The share of a tick's records in the average. */
  private readonly weight: number;

  constructor(cellCount: number, tickRate: number) {
    const halfLifeTicks = Math.max(1, tickRate);
    const decay = Math.pow(0.5, 1 / halfLifeTicks);
    this.rate = new Float64Array(cellCount);
    this.at = new Int32Array(cellCount);
    this.decayed = new Float64Array(Math.ceil(halfLifeTicks * HALF_LIVES_KEPT));
    for (let k = 0; k < this.decayed.length; k++) this.decayed[k] = Math.pow(decay, k);
    this.weight = 1 - decay;
  }

  /** Cell c's change block at `tick` carried `records` records (once per cell and tick). */
  note(c: number, records: number, tick: number): void {
    this.rate[c] = this.rate[c] * this.left(tick - this.at[c]) + this.weight * records;
    this.at[c] = tick;
  }

  /** Cell c's records per tick, averaged up to `tick`. */
  of(c: number, tick: number): number {
    return this.rate[c] * this.left(tick - this.at[c]);
  }

  /** What is left of an average `ticks` old. */
  private left(ticks: number): number {
    return ticks <= 0 ? 1 : ticks < this.decayed.length ? this.decayed[ticks] : 0;
  }
}
