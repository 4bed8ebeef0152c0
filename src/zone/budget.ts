// Bandwidth budget per client with priority (BigWorld's, per grid cell). Each client has a
// byte allowance, a token bucket refilled every tick up to a quarter second of its cap. The
// cells of its view with something to send are candidates; the cell it stands in always goes.
// Whenever the bucket holds at least a tick's allowance the candidates go in priority order,
// nearest, fastest-changing and longest-waiting first, until it is spent (the last one may
// overdraw it; the debt is repaid before optional cells go again). A cell's change rate is a decayed average of the records
// per tick of its change blocks (changeRate.ts). A cell that does not go is owed: its removals
// went anyway, and when its turn comes it is sent whole if the client never had it (it had
// just come into view), or else the records of its entities that changed since the first
// change it missed (Motion records where only an entity's motion changed), and whole those
// that walked in from where the client could not follow them (owed entities); an entity that
// walked in from a cell the client saw and was told all of costs nothing. So nothing is lost,
// only delayed, and a delay costs no more bytes.
// The fan-out still encodes once per cell; the budget only picks which blocks (or records of
// them) a client's frame copies.

import { LogHistogram, type LogHistogramData } from '../metrics/index.js';
import type { SpatialGrid } from '../sim/index.js';
import { CellChangeRates } from './changeRate.js';
import { Uint32List } from './frameScratch.js';
import { OwedTable } from './owedTable.js';

/** The bucket holds at most this many seconds of the cap: what quiet ticks save for a burst (a view that moves). */
export const BUCKET_SECONDS = 0.25;
/** A cell whose nearest point is within this many units of the viewer counts as near in the statistics. */
export const NEAR_UNITS = 30;

/** One client's side of the budget. */
export interface ClientBudget {
  /** What the client may still be sent, in bytes × tick rate; negative: a debt from an overdraw. */
  tokens: number;
  /** Tick of the last refill. */
  refilledAt: number;
  /**
   * Cells of the view whose changes this client has not been sent: cell → tick of the first
   * one, and whether it never had the cell (it came into view deferred): then it goes whole.
   */
  readonly owed: OwedTable;
  /**
   * Entities that walked into a cell of the view from where the client could not follow them
   * (a cell it did not see, or one whose latest records it was owed) while that cell was
   * owed or waited: eid → tick. They go whole with their cell, whatever else it owes.
   */
  readonly owedEntities: OwedTable;
  /** Cells that owed entities walked into (cell → tick): only there are entities looked up. */
  readonly cellsOfOwedEntities: OwedTable;
}

/**
 * The bytes an owed cell has for the client since a tick: only worked out for the candidates
 * that may go (the cap lets few of a view's cells go, and the others' sizes would need a look
 * at each of their entities).
 */
export interface OwedCellSizer {
  sinceCost(cell: number, since: number): number;
}

/** A candidate's cost that is not worked out yet. */
export const UNSIZED = -1;

/** What a candidate cell sends: this tick's change block, every entity, or the records changed since it was owed. */
export const CellSend = { Changes: 0, Whole: 1, Since: 2 } as const;
export type CellSend = (typeof CellSend)[keyof typeof CellSend];

/** Cell waits (ms from a change to the frame that carries it) split by distance, and counters. */
export interface BudgetTotals {
  nearWaitMs: LogHistogramData;
  farWaitMs: LogHistogramData;
  /** Candidate cells sent, and of them those that had waited a tick or more, summed over clients and ticks. */
  cellsSent: number;
  cellsWaited: number;
}

export class BandwidthBudget {
  /**
   * What is added to each bucket per tick, and the bucket's size, in bytes × tick rate: with a
   * whole cap and tick rate every figure of a bucket is a whole number, which V8 stores in
   * place (a fractional one would be a new heap number at each store, per client per tick).
   */
  readonly refill: number;
  readonly depth: number;
  private readonly tickRate: number;
  private readonly tickMs: number;
  /** Each cell's records per tick, noted by the fan-out's index(). */
  readonly rates: CellChangeRates;
  /** The viewer's position in the frame being built. */
  private x = 0;
  private y = 0;
  // Candidates of the frame being built, in the order they were offered (row by row).
  private count = 0;
  private cells = new Int32Array(64);
  private mode = new Uint8Array(64);
  private cost = new Int32Array(64);
  private since = new Int32Array(64);
  private distance = new Float64Array(64);
  private priority = new Float64Array(64);
  private chosen = new Uint8Array(64);
  /**
   * Cells of the frame being built that the client will be owed nothing in (they left its
   * view, had nothing to tell, or go): forgotten when the frame is done, so that while it is
   * built the fan-out asks what the client held at its last frame.
   */
  private readonly settled = new Uint32List();
  /** Likewise the entities the frame being built tells whole, or removes. */
  private readonly settledEntities = new Uint32List();
  /** Whether optional cells may go in the frame being built: the bucket held a tick's allowance. */
  private open = false;
  private readonly nearWait = new LogHistogram();
  private readonly farWait = new LogHistogram();
  private cellsSent = 0;
  private cellsWaited = 0;

  /**
   * @param bucketSeconds the most the bucket holds, in seconds of the cap (at least a tick's).
   * @param rates the cells' change rates, when another budget over the same grid notes them already.
   */
  constructor(readonly bytesPerSec: number, tickRate: number, private readonly grid: SpatialGrid, private readonly sizer: OwedCellSizer,
    bucketSeconds = BUCKET_SECONDS, rates?: CellChangeRates) {
    this.refill = bytesPerSec;
    this.depth = Math.max(this.refill, bytesPerSec * bucketSeconds * tickRate);
    this.tickRate = tickRate;
    this.tickMs = 1000 / tickRate;
    this.rates = rates ?? new CellChangeRates(grid.cellCount, tickRate);
  }

  newClient(tick: number): ClientBudget {
    return { tokens: this.depth, refilledAt: tick, owed: new OwedTable(), owedEntities: new OwedTable(), cellsOfOwedEntities: new OwedTable() };
  }

  /**
   * Starts a frame for a viewer at `at`: refills the bucket for the ticks since the last one;
   * a keyframe forgets what was owed.
   */
  begin(b: ClientBudget, tick: number, keyframe: boolean, at: { readonly x: number; readonly y: number }): void {
    this.x = at.x;
    this.y = at.y;
    b.tokens = Math.min(this.depth, b.tokens + this.refill * Math.max(0, tick - b.refilledAt));
    b.refilledAt = tick;
    if (keyframe) {
      b.owed.clear();
      b.owedEntities.clear();
      b.cellsOfOwedEntities.clear();
    }
    this.count = 0;
    this.settled.length = 0;
    this.settledEntities.length = 0;
    this.open = b.tokens >= this.refill;
  }

  /**
   * A cell with something for this client, `cost` bytes of it (a Since cell's: worked out by
   * the sizer if it may go), sent as `mode` says, owed to it since tick `since` (−1: not owed).
   * `mandatory` (the viewer's own cell) always goes.
   */
  offer(cell: number, mode: CellSend, cost: number, since: number, mandatory: boolean): void {
    if (this.count === this.cells.length) this.grow();
    const i = this.count++;
    const g = this.grid, size = g.cellSize, cx = cell % g.cols, x = this.x, y = this.y;
    const x0 = g.minX + cx * size, y0 = g.minY + ((cell - cx) / g.cols) * size;
    const dx = x < x0 ? x0 - x : x > x0 + size ? x - x0 - size : 0;
    const dy = y < y0 ? y0 - y : y > y0 + size ? y - y0 - size : 0;
    this.cells[i] = cell;
    this.mode[i] = mode;
    this.cost[i] = cost;
    this.since[i] = since;
    this.distance[i] = Math.sqrt(dx * dx + dy * dy);
    this.chosen[i] = mandatory ? 1 : 0;
    this.priority[i] = mandatory ? Infinity : 0;
  }

  /** Whether optional cells may go in this frame: only while the bucket holds a tick's allowance (begin() refilled it). */
  canChoose(): boolean {
    return this.open;
  }

  /**
   * An optional cell with something new to send, in a frame where none can go: owed (whole
   * when it just came into view), as plan() would mark it, without weighing its size or
   * priority; a cell already owed keeps its tick and wholeness.
   */
  defer(b: ClientBudget, cell: number, whole: boolean, tick: number): void {
    b.owed.owe(cell, tick, whole);
  }

  /** The tick since which the cell is owed to the client, or −1. */
  owedSince(b: ClientBudget, cell: number): number {
    return b.owed.since(cell);
  }

  /** Is the cell owed whole (the client never had it)? */
  owesWhole(b: ClientBudget, cell: number): boolean {
    return b.owed.whole(cell);
  }

  /**
   * Nothing will be owed for the cell once this frame is done: it left the client's view (what
   * it knew there was removed), or it has nothing to tell.
   */
  forget(cell: number): void {
    this.settled.push(cell);
  }

  /** Entity e goes whole in the frame being built, or is removed: once the frame is done, it is owed nothing. */
  forgetEntity(e: number): void {
    this.settledEntities.push(e);
  }

  /** The frame is done: the cells and entities it settled are owed nothing. */
  settle(b: ClientBudget): void {
    for (let i = 0; i < this.settled.length; i++) {
      const cell = this.settled.at(i);
      b.owed.forget(cell);
      b.cellsOfOwedEntities.forget(cell);
    }
    for (let i = 0; i < this.settledEntities.length; i++) b.owedEntities.forget(this.settledEntities.at(i));
  }

  /**
   * Chooses the candidates that go this tick (the mandatory ones, and while canChoose() the
   * highest priorities until `overhead` plus their bytes spend the bucket) and marks the rest
   * owed. Priority: (1 + ticks waited) × (1 + records per tick) / (1 + distance in cells),
   * ties to the nearer; the near/far statistics count the cells that go.
   */
  plan(b: ClientBudget, tick: number, overhead: number): void {
    const n = this.count;
    if (this.open) this.choose(tick, b.tokens - overhead * this.tickRate);
    for (let i = 0; i < n; i++) {
      const cell = this.cells[i];
      if (this.chosen[i] === 1 && this.cost[i] === 0) this.forget(cell); // it had nothing to tell after all
      else if (this.chosen[i] === 1) {
        const waited = this.since[i] >= 0 ? (tick - this.since[i]) * this.tickMs : 0;
        (this.distance[i] <= NEAR_UNITS ? this.nearWait : this.farWait).add(waited);
        this.forget(cell);
        this.cellsSent++;
        if (this.since[i] >= 0) this.cellsWaited++;
      } else {
        b.owed.owe(cell, tick, this.mode[i] === CellSend.Whole);
      }
    }
  }

  /** The optional candidates go by priority while `left` (bytes × tick rate) lasts. */
  private choose(tick: number, left: number): void {
    const n = this.count, size = this.grid.cellSize, rates = this.rates, tickRate = this.tickRate;
    for (let i = 0; i < n; i++) {
      if (this.chosen[i] === 1) left -= this.sized(i) * tickRate;
      else {
        // Waited × rate is about how many changes the client lacks there; the 1s keep a still
        // cell's wait counting and give a fresh change in a busy cell its weight.
        const waited = this.since[i] >= 0 ? tick - this.since[i] : 0;
        this.priority[i] = (1 + waited) * (1 + rates.of(this.cells[i], tick)) / (1 + this.distance[i] / size);
      }
    }
    // The best remaining candidate goes while the allowance lasts: a cap lets a few of a
    // view's tens of cells go, so picking them one by one beats sorting them all.
    while (left > 0) {
      const i = this.best();
      if (i < 0) break;
      this.chosen[i] = 1;
      left -= this.sized(i) * tickRate;
    }
  }

  /** Candidate i's cost, worked out now if it was not. */
  private sized(i: number): number {
    if (this.cost[i] === UNSIZED) this.cost[i] = this.sizer.sinceCost(this.cells[i], this.since[i]);
    return this.cost[i];
  }

  /** The optional candidate not yet chosen with the highest priority, ties to the nearer, then to the first offered; −1 when none is left. */
  private best(): number {
    const p = this.priority, d = this.distance, chosen = this.chosen;
    let top = -1;
    for (let i = 0; i < this.count; i++) {
      if (chosen[i] === 1) continue;
      if (top < 0 || p[i] > p[top] || (p[i] === p[top] && d[i] < d[top])) top = i;
    }
    return top;
  }

  /** Candidates of this frame, in the order offered; which of them go after plan(). */
  get candidates(): number {
    return this.count;
  }

  cellAt(i: number): number {
    return this.cells[i];
  }

  modeAt(i: number): CellSend {
    return this.mode[i] as CellSend;
  }

  /** The tick since which the candidate's cell was owed, or −1. */
  sinceAt(i: number): number {
    return this.since[i];
  }

  goes(i: number): boolean {
    return this.chosen[i] === 1;
  }

  /** The frame went out: its bytes come off the bucket. */
  spend(b: ClientBudget, bytes: number): void {
    b.tokens -= bytes * this.tickRate;
  }

  totals(): BudgetTotals {
    return { nearWaitMs: this.nearWait.toData(), farWaitMs: this.farWait.toData(), cellsSent: this.cellsSent, cellsWaited: this.cellsWaited };
  }

  private grow(): void {
    const n = this.cells.length * 2;
    const more = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.cells = more(this.cells);
    this.mode = more(this.mode);
    this.cost = more(this.cost);
    this.since = more(this.since);
    this.distance = more(this.distance);
    this.priority = more(this.priority);
    this.chosen = more(this.chosen);
  }
}
