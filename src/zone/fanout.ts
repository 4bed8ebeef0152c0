// Snapshot fan-out by grid cell. After each step every cell that changed gets a block, built
// once: records of entities that changed or entered it (a Motion record for one whose motion
// alone changed and that stayed in the cell: whoever sees the cell knows the rest) and NetIds
// of those that left it or despawned. A client's view is every cell that the circle of the view radius around it
// reaches into; its frame is the concatenation of those cells' blocks (removals applied before
// records, so an entity that moved between two visible cells ends up known). An entity that
// only walked over a cell border, its record unchanged but for where it has got to, is a
// crossing: kept apart in both blocks, it costs a client that saw both cells nothing (it knows
// the entity and where it walks), and one that sees only one side a removal or a record. When
// the view moves, cells that come into view are sent whole and cells that drop out are sent
// as removals. A keyframe sends every visible cell whole. A tick with nothing new for a client
// sends it nothing, but never more than a heartbeat apart. Per-client work is a few memcpys;
// encoding work is per changed cell. Under a bandwidth budget (budget.ts) a client's frame
// copies only the blocks its allowance covers, nearest and fastest-changing first; the others
// are owed and go later (whole, or what changed since), their removals at once. A whole-zone
// observer's frames go through a budget of their own, one frame deep, so that a big zone's
// keyframe does not outgrow the frame size limit.

import { rules, type SimEvent, type ZoneWorld } from '../sim/index.js';
import { ENTITY_STATE_SIZE, MAX_SERVER_FRAME_BYTES, MOTION_SIZE, SNAPSHOT_HEADER_SIZE, PACKED_STEER_SIZE, type Encoder, type SnapshotInit } from '../protocol/index.js';
import { BandwidthBudget, CellSend, UNSIZED, type ClientBudget, type OwedCellSizer } from './budget.js';
import { WordBuffer, Uint32List } from './frameScratch.js';
import { MOTION_WORDS, RecordArena, RecordChange } from './records.js';
import { RowBits } from './rowBits.js';
import type { Viewer } from './viewer.js';

export { newViewer, type Viewer } from './viewer.js';

/**
 * A snapshot's bytes besides its records, removals and events, for the budget: the shortest
 * header with a tick varint of 4 bytes (up to 155 days at 20 Hz) instead of 1, two counts and
 * the WebSocket header.
 */
const SNAPSHOT_OVERHEAD = SNAPSHOT_HEADER_SIZE + 3 + 2 + 2;
const EVENT_ESTIMATE = 40;
/**
 * The records a whole-zone observer's frame carries at most: half the largest frame a client
 * takes (PROTOCOL.md §1), so that removals and events fit beside them. A zone whose keyframe is
 * larger (about 13,000 entities) reaches the observer over several ticks, by the budget.
 */
const WHOLE_ZONE_FRAME_BYTES = MAX_SERVER_FRAME_BYTES / 2;

const ascending = (a: number, b: number) => a - b;

/** Bits of a change block's `has`: which of its lists have entries. */
const CellHas = { Removals: 1, CrossingsOut: 2, CrossingsIn: 4 } as const;

/**
 * Records that say part of an entity (Motion, Steer), in their own section of the frame: per
 * cell this tick's block of them, and the frame's section as cells are taken.
 */
class PartialRecords {
  readonly start: Int32Array;
  readonly len: Int32Array;
  /** One cell's entities, while its block is packed. */
  readonly eids: number[] = [];
  readonly out = new WordBuffer();
  used = 0;

  constructor(cells: number, readonly size: number) {
    this.start = new Int32Array(cells);
    this.len = new Int32Array(cells);
  }

  /** Cell c's block, packed by `pack` from this.eids (which it empties). */
  pack(c: number, pack: (eids: readonly number[]) => number): void {
    this.start[c] = pack(this.eids);
    this.len[c] = this.eids.length * this.size;
    this.eids.length = 0;
  }

  /** Appends cell c's block to the frame's section. */
  take(c: number, words: Int32Array): void {
    const n = this.len[c];
    if (n > 0) this.used = this.out.copy(this.used, words, this.start[c], n);
  }

  /** Cell c's records this tick. */
  count(c: number): number {
    return this.len[c] / this.size;
  }
}

export class Fanout implements OwedCellSizer {
  private readonly radius: number;
  // The disc rows() and spans() walk, and rows()'s result: fields, not arguments and return
  // values, so the per-client path allocates nothing (a float passed to a call that is not
  // inlined is boxed on the heap).
  private discX = 0;
  private discY = 0;
  private discR = 0;
  private rowLo = 0;
  private rowHi = -1;
  private readonly eventCells: number;
  private tick = -1;

  // Change blocks of this tick, per cell. A block's records are those of entities that changed
  // or came in, then those that crossed in (recLen covers both, packed one after the other);
  // its removals those that left or despawned, and the NetIds of those that crossed out.
  private readonly changeTick: Int32Array;
  /** The cells with a change block this tick, as bits per row: a frame takes a row's changed cells in a few word reads. */
  private readonly changedCells: RowBits;
  private readonly recEids: number[][];
  private readonly remNets: number[][];
  private readonly crossInEids: number[][];
  private readonly crossInFrom: number[][];
  private readonly crossOutEids: number[][];
  private readonly crossOutTo: number[][];
  private readonly recStart: Int32Array;
  private readonly recLen: Int32Array;
  /**
   * Per changed cell, which of its lists are not empty (CellHas bits): a frame reads one byte
   * instead of three lists, which lie apart on the heap, for the many blocks that have none.
   */
  private readonly has: Uint8Array;
  /** A block's Motion and Steer records, apart: they go in their own sections of the frame. */
  private readonly moves: PartialRecords;
  private readonly steers: PartialRecords;
  /** Per entity, the tick it moved between cells or into the grid: its change goes whole. */
  private readonly movedMark: Int32Array;
  /**
   * Per entity, the last tick it went in a block whole (more than its motion changed, or it
   * moved between cells): a client that holds a record of it from before then holds it as it
   * is but for its motion.
   */
  private readonly wholeMark: Int32Array;
  /** One cell's changed entities that go whole, while its block is packed. */
  private readonly wholeChanges: number[] = [];
  /** The viewer's budget (if any) in the frame being built, and the budget it is of. */
  private frameBudget: ClientBudget | undefined;
  private frameOwner: BandwidthBudget | undefined;
  /**
   * The frame's view, per grid row of viewRowLo..viewRowHi (the rows of the view now and at the
   * client's last frame): the columns in view now and then, spans() of each row, computed once
   * per frame so that inView() is two reads.
   */
  private readonly nowLo: Int32Array;
  private readonly nowHi: Int32Array;
  private readonly thenLo: Int32Array;
  private readonly thenHi: Int32Array;
  private viewRowLo = 0;
  private viewRowHi = -1;
  private readonly touchedCells: number[] = [];
  /** Per entity, the last tick its record changed (it was listed); walking over a cell border is no change. */
  private readonly recMark: Int32Array;
  // Whole-cell blocks, built on demand, per cell.
  private readonly fullTick: Int32Array;
  private readonly fullStart: Int32Array;
  private readonly fullLen: Int32Array;
  // Events of this tick, per cell.
  private readonly eventTick: Int32Array;
  /** Per cell, the indices into the tick's events of those that happened in it. */
  private readonly eventsByCell: number[][];
  private tickEvents: readonly SimEvent[] = [];
  /** A client's events as indices, put back in the order they happened before they go. */
  private readonly eventPicks: number[] = [];

  private readonly arena: RecordArena;
  /** The frame's whole records and the NetIds it removes. */
  private readonly out = new WordBuffer();
  private readonly removed = new Uint32List();
  private readonly budget: BandwidthBudget | undefined;
  /** Whole-zone observers' frames kept within WHOLE_ZONE_FRAME_BYTES: what does not fit goes in the next ones. */
  private readonly wholeZoneBudget: BandwidthBudget;
  private readonly events: SimEvent[] = [];
  /** The one snapshot description, refilled for each frame. */
  private readonly snapshotInit: { -readonly [K in keyof SnapshotInit]: SnapshotInit[K] } = {
    tick: 0, ackSeq: 0, keyframe: false, entities: new Uint8Array(0), moves: new Uint8Array(0), steers: new Uint8Array(0), removed: new Uint32Array(0),
    events: this.events,
  };
  /** Events every viewer gets wherever it is (global chat). */
  private globalEvents: readonly SimEvent[] = [];

  /**
   * @param speedScale wall-clock speed per game speed: tick rate / 20. Records carry speed in
   *   units per second at the advertised tick rate, which is what clients extrapolate with.
   * @param heartbeatTicks the longest a joined viewer goes without a frame (tick and ack).
   * @param bandwidthBytesPerSec each player's bandwidth cap (budget.ts); 0: none.
   */
  constructor(private readonly world: ZoneWorld, private readonly encoder: Encoder, viewRadius = rules.VIEW_RADIUS,
    speedScale = 1, private readonly heartbeatTicks = 5, bandwidthBytesPerSec = 0) {
    const grid = world.grid;
    const cells = grid.cellCount;
    this.radius = viewRadius;
    const maxEventRadius = Math.max(...Object.values(rules.EVENT_RADIUS));
    this.eventCells = Math.ceil(maxEventRadius / grid.cellSize);
    this.changeTick = new Int32Array(cells).fill(-1);
    this.changedCells = new RowBits(grid.cols, grid.rows);
    this.recEids = Array.from({ length: cells }, () => []);
    this.remNets = Array.from({ length: cells }, () => []);
    this.crossInEids = Array.from({ length: cells }, () => []);
    this.crossInFrom = Array.from({ length: cells }, () => []);
    this.crossOutEids = Array.from({ length: cells }, () => []);
    this.crossOutTo = Array.from({ length: cells }, () => []);
    this.recStart = new Int32Array(cells);
    this.recLen = new Int32Array(cells);
    this.has = new Uint8Array(cells);
    this.moves = new PartialRecords(cells, MOTION_SIZE);
    this.steers = new PartialRecords(cells, PACKED_STEER_SIZE); // sized as packed: a little over what the wire takes
    this.movedMark = new Int32Array(world.c.NetId.id.length).fill(-1);
    this.wholeMark = new Int32Array(world.c.NetId.id.length).fill(-1);
    this.recMark = new Int32Array(world.c.NetId.id.length).fill(-1);
    this.fullTick = new Int32Array(cells).fill(-1);
    this.fullStart = new Int32Array(cells);
    this.fullLen = new Int32Array(cells);
    this.eventTick = new Int32Array(cells).fill(-1);
    this.eventsByCell = Array.from({ length: cells }, () => []);
    this.nowLo = new Int32Array(grid.rows);
    this.nowHi = new Int32Array(grid.rows);
    this.thenLo = new Int32Array(grid.rows);
    this.thenHi = new Int32Array(grid.rows);
    this.arena = new RecordArena(world, speedScale);
    const tickRate = rules.TICK_RATE * speedScale;
    this.budget = bandwidthBytesPerSec > 0 ? new BandwidthBudget(bandwidthBytesPerSec, tickRate, grid, this) : undefined;
    this.wholeZoneBudget = new BandwidthBudget(WHOLE_ZONE_FRAME_BYTES * tickRate, tickRate, grid, this, 1 / tickRate, this.budget?.rates);
  }

  /** Sent and deferred cells and their waits, near and far, since start; undefined without a budget. */
  budgetTotals() {
    return this.budget?.totals();
  }

  private touchCell(c: number): void {
    if (this.changeTick[c] === this.tick) return;
    this.changeTick[c] = this.tick;
    this.recEids[c].length = 0;
    this.remNets[c].length = 0;
    this.crossInEids[c].length = 0;
    this.crossInFrom[c].length = 0;
    this.crossOutEids[c].length = 0;
    this.crossOutTo[c].length = 0;
    this.touchedCells.push(c);
    const col = c % this.world.grid.cols;
    this.changedCells.set((c - col) / this.world.grid.cols, col);
  }

  private addRecord(e: number): void {
    const { world } = this;
    if (world.c.NetId.id[e] === 0 || this.recMark[e] === this.tick) return; // gone, or listed
    const c = world.grid.cellOf[e];
    if (c < 0) return;
    this.recMark[e] = this.tick;
    this.touchCell(c);
    this.recEids[c].push(e);
  }

  private addRemoval(c: number, netId: number): void {
    this.touchCell(c);
    this.remNets[c].push(netId);
  }

  /** Entity e walked from cell `from` into its cell with nothing in its record changed but its position. */
  private addCrossing(e: number, from: number): void {
    const to = this.world.grid.cellOf[e];
    this.touchCell(to);
    this.crossInEids[to].push(e);
    this.crossInFrom[to].push(from);
    this.touchCell(from);
    this.crossOutEids[from].push(e);
    this.crossOutTo[from].push(to);
  }

  /** Indexes the tick just stepped: change blocks per cell, and the events to tell per cell. */
  index(events: readonly SimEvent[] = this.world.events, globalEvents: readonly SimEvent[] = []): void {
    const { world } = this;
    this.globalEvents = globalEvents;
    const grid = world.grid;
    this.tick = world.tick;
    this.arena.used = 0;
    this.touchedCells.length = 0;
    this.changedCells.clear();
    for (const e of world.changed) this.addRecord(e);
    for (let i = 0; i < grid.movedEids.length; i++) {
      const e = grid.movedEids[i], from = grid.movedFrom[i];
      // Changed entities are listed by now: one that is not, and was in the grid, only walked on.
      if (from >= 0 && this.recMark[e] !== this.tick && world.c.NetId.id[e] !== 0 && grid.cellOf[e] >= 0) {
        this.addCrossing(e, from);
        continue;
      }
      this.movedMark[e] = this.tick;
      this.addRecord(e);
      if (from >= 0) this.addRemoval(from, world.c.NetId.id[e]);
    }
    for (let i = 0; i < grid.goneNets.length; i++) this.addRemoval(grid.goneCells[i], grid.goneNets[i]);
    const rates = this.wholeZoneBudget.rates; // the players' budget's too, where there is one
    for (const c of this.touchedCells) {
      this.packChanges(c);
      rates.note(c, this.recLen[c] / ENTITY_STATE_SIZE + this.moves.count(c) + this.steers.count(c), this.tick);
    }
    this.tickEvents = events;
    for (let i = 0; i < events.length; i++) {
      const c = grid.cellAt(events[i].x, events[i].y);
      if (this.eventTick[c] !== this.tick) {
        this.eventTick[c] = this.tick;
        this.eventsByCell[c].length = 0;
      }
      this.eventsByCell[c].push(i);
    }
  }

  /**
   * Cell c's change block: whole records of the entities that changed or came in, then of
   * those that crossed in (one block); apart, Motion and Steer records of those whose motion
   * alone changed and that did not move between cells (a client that sees the cell knows them).
   */
  private packChanges(c: number): void {
    const whole = this.wholeChanges, arena = this.arena;
    whole.length = 0;
    for (const e of this.recEids[c]) {
      // refresh() for every changed entity, so that what the arena remembers stays what clients were told.
      const change = arena.refresh(e, this.tick);
      if (change === RecordChange.Whole || this.movedMark[e] === this.tick) {
        whole.push(e);
        this.wholeMark[e] = this.tick;
      } else (change === RecordChange.Steer ? this.steers : this.moves).eids.push(e);
    }
    this.recStart[c] = arena.packList(whole);
    arena.packList(this.crossInEids[c]); // right after: one block
    this.recLen[c] = (whole.length + this.crossInEids[c].length) * ENTITY_STATE_SIZE;
    this.moves.pack(c, this.packMotions);
    this.steers.pack(c, this.packSteers);
    this.has[c] = (this.remNets[c].length > 0 ? CellHas.Removals : 0) | (this.crossOutEids[c].length > 0 ? CellHas.CrossingsOut : 0) |
      (this.crossInEids[c].length > 0 ? CellHas.CrossingsIn : 0);
  }

  private readonly packMotions = (eids: readonly number[]) => this.arena.packMotions(eids);
  private readonly packSteers = (eids: readonly number[]) => this.arena.packSteers(eids);

  /** Every entity of a cell, packed once per tick on first use. */
  private fullBlock(c: number): void {
    if (this.fullTick[c] === this.tick) return;
    this.fullTick[c] = this.tick;
    const list = this.world.grid.cells[c];
    this.fullStart[c] = this.arena.packList(list);
    this.fullLen[c] = list.length * ENTITY_STATE_SIZE;
  }

  private append(used: number, start: number, len: number): number {
    return len === 0 ? used : this.out.copy(used, this.arena.words, start, len);
  }

  private appendChanges(c: number, used: number): number {
    if (this.changeTick[c] !== this.tick) return used;
    this.pushChangeRemovals(c);
    return this.appendChangeRecords(c, used);
  }

  /**
   * Whether cell c is in the frame's view, where the viewer is or (`old`) where it was at its
   * last frame: from the spans that list the view, so the two never disagree.
   */
  private inView(old: boolean, c: number): boolean {
    const cols = this.world.grid.cols, col = c % cols, row = (c - col) / cols;
    if (row < this.viewRowLo || row > this.viewRowHi) return false;
    return old ? col >= this.thenLo[row] && col <= this.thenHi[row] : col >= this.nowLo[row] && col <= this.nowHi[row];
  }

  /**
   * This tick's removals of a cell the client saw: a crossing out is one only when the client
   * does not see where it went (where it did, that cell's records bring the entity up to date
   * if the client lacks something of it).
   */
  private pushChangeRemovals(c: number): void {
    const has = this.has[c];
    if (has & CellHas.Removals) for (const n of this.remNets[c]) this.removed.push(n);
    if ((has & CellHas.CrossingsOut) === 0) return;
    const eids = this.crossOutEids[c], to = this.crossOutTo[c], netIds = this.world.c.NetId.id;
    for (let i = 0; i < eids.length; i++) {
      if (this.inView(false, to[i])) continue;
      this.removed.push(netIds[eids[i]]);
      if (this.frameBudget && this.frameBudget.owedEntities.size > 0) this.frameOwner!.forgetEntity(eids[i]);
    }
  }

  /**
   * Whether the client holds entity e's record as of its last change (at tick `mark`), e being
   * in cell c at the client's last frame: it was told everything of the cell (nothing owed
   * there), or was owed only changes made after that, and is not owed e itself. A crossing
   * from such a cell needs no record.
   */
  private holds(c: number, e: number, mark: number): boolean {
    const b = this.frameBudget;
    if (!b) return true;
    if (b.owedEntities.size > 0 && b.owedEntities.since(e) >= 0) return false;
    const owed = b.owed;
    if (owed.size === 0) return true;
    const since = owed.since(c);
    return since < 0 || (mark < since && !owed.whole(c));
  }

  /**
   * Whether the client can follow the entity of cell c's i-th crossing in: it saw the cell it
   * came from and holds its record (a crossing leaves the entity's recMark as it was).
   */
  private followsCrossing(c: number, i: number): boolean {
    const from = this.crossInFrom[c][i], e = this.crossInEids[c][i];
    return this.inView(true, from) && this.holds(from, e, this.recMark[e]);
  }

  /**
   * Under a budget, cell c's crossings in this tick that the client cannot follow are owed
   * entities: whether the cell goes now or later, they go whole with it.
   */
  private oweUnfollowedCrossings(b: ClientBudget, c: number): void {
    const eids = this.crossInEids[c];
    for (let i = 0; i < eids.length; i++) {
      if (this.followsCrossing(c, i)) continue;
      b.owedEntities.owe(eids[i], this.tick, true);
      b.cellsOfOwedEntities.owe(c, this.tick, true);
    }
  }

  /**
   * Cell c's change records at `used` (its Motion and Steer records to their own sections),
   * less the crossings in from a cell the client saw at its last frame and holds the entity's
   * record of (it knows where it walks); returns the new length. With `used` −1, only their size.
   */
  private appendChangeRecords(c: number, used: number): number {
    if (used < 0) return this.wholeChangeRecords(c, -1) + this.moves.len[c] + this.steers.len[c];
    this.moves.take(c, this.arena.words);
    this.steers.take(c, this.arena.words);
    return this.wholeChangeRecords(c, used);
  }

  private wholeChangeRecords(c: number, used: number): number {
    if ((this.has[c] & CellHas.CrossingsIn) === 0) return used >= 0 ? this.append(used, this.recStart[c], this.recLen[c]) : this.recLen[c];
    const from = this.crossInFrom[c];
    const plain = this.recLen[c] - from.length * ENTITY_STATE_SIZE;
    let size = plain;
    if (used >= 0) used = this.append(used, this.recStart[c], size);
    for (let i = 0; i < from.length; i++) {
      if (this.followsCrossing(c, i)) continue;
      if (used >= 0) {
        used = this.append(used, this.recStart[c] + plain + i * ENTITY_STATE_SIZE, ENTITY_STATE_SIZE);
        if (this.frameBudget) this.frameOwner!.forgetEntity(this.crossInEids[c][i]);
      }
      size += ENTITY_STATE_SIZE;
    }
    return used >= 0 ? used : size;
  }

  private appendWhole(c: number, used: number): number {
    this.fullBlock(c);
    return this.append(used, this.fullStart[c], this.fullLen[c]);
  }

  /**
   * A cell of the view for a client with a budget: its removals go at once (they are small and
   * nothing else would tell them), its records become a candidate: every entity when it came
   * into view or is owed whole, the records made since it was owed, or this tick's changes.
   */
  private offer(b: ClientBudget, budget: BandwidthBudget, c: number, cameIntoView: boolean, mandatory: boolean): void {
    const changed = this.changeTick[c] === this.tick;
    if (!cameIntoView && changed) {
      this.pushChangeRemovals(c);
      if (this.has[c] & CellHas.CrossingsIn) this.oweUnfollowedCrossings(b, c);
    }
    if (!mandatory && !budget.canChoose()) {
      // A frame while the client repays an overdraw: nothing optional goes, so no size or
      // priority is needed, and a cell already owed stays owed as it was (defer() keeps its tick and
      // wholeness): only a cell with something new to owe is looked up.
      if (cameIntoView ? this.world.grid.cells[c].length > 0 : changed && this.recLen[c] + this.moves.len[c] + this.steers.len[c] > 0) budget.defer(b, c, cameIntoView, this.tick);
      return;
    }
    const since = cameIntoView ? -1 : budget.owedSince(b, c);
    const mode = cameIntoView || (since >= 0 && budget.owesWhole(b, c)) ? CellSend.Whole : since >= 0 ? CellSend.Since : CellSend.Changes;
    if (mode === CellSend.Changes && !changed) return;
    if (mode === CellSend.Since) return budget.offer(c, mode, UNSIZED, since, mandatory); // sized if it may go (sinceCost())
    // Sizes only: a whole block is packed when some client's frame takes it.
    const cost = mode === CellSend.Changes ? this.appendChangeRecords(c, -1) : this.world.grid.cells[c].length * ENTITY_STATE_SIZE;
    if (cost > 0) budget.offer(c, mode, cost, since, mandatory);
    else budget.forget(c); // nothing there to tell
  }

  /** The bytes cell c owes the frame's client since tick `since` (the budget asks only for cells that may go). */
  sinceCost(c: number, since: number): number {
    return this.appendSince(this.frameBudget!, c, since, -1);
  }

  /**
   * What cell c owes the client since tick `since`, from its whole block: the owed entities
   * whole, and the records of entities that changed at or after `since`: whole, or in the Motion
   * section a Motion record of one the client holds as it is but for its motion. At `used`;
   * returns the new length, or with `used` −1 only their size.
   */
  private appendSince(b: ClientBudget, c: number, since: number, used: number): number {
    const list = this.world.grid.cells[c], words = this.arena.words, entities = b.owedEntities;
    const lookUp = entities.size > 0 && b.cellsOfOwedEntities.since(c) >= 0;
    if (used >= 0) this.fullBlock(c);
    let size = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const owedWhole = lookUp && entities.since(e) >= 0;
      if (!owedWhole && this.recMark[e] < since) continue;
      const at = this.fullStart[c] + i * ENTITY_STATE_SIZE;
      if (!owedWhole && this.wholeMark[e] < since) {
        if (used >= 0) this.moves.used = this.moves.out.pick(this.moves.used, words, at, MOTION_WORDS);
        size += MOTION_SIZE;
      } else {
        if (used >= 0) {
          used = this.append(used, at, ENTITY_STATE_SIZE);
          if (owedWhole) this.frameOwner!.forgetEntity(e);
        }
        size += ENTITY_STATE_SIZE;
      }
    }
    return used >= 0 ? used : size;
  }

  /** Every entity of cell c, whole, to a client with a budget: none of them is owed any more. */
  private appendWholeOwed(b: ClientBudget, c: number, used: number): number {
    if (b.owedEntities.size > 0 && b.cellsOfOwedEntities.since(c) >= 0) for (const e of this.world.grid.cells[c]) if (b.owedEntities.since(e) >= 0) this.frameOwner!.forgetEntity(e);
    return this.appendWhole(c, used);
  }

  /** Appends the candidates the budget lets go, in the order they were offered. */
  private appendChosen(b: ClientBudget, budget: BandwidthBudget, used: number): number {
    // Removals at 4 bytes, the most a varint NetId takes below 2^28: a little over, never under.
    budget.plan(b, this.tick, SNAPSHOT_OVERHEAD + 4 * this.removed.length + EVENT_ESTIMATE * this.events.length);
    for (let i = 0; i < budget.candidates; i++) {
      if (!budget.goes(i)) continue;
      const c = budget.cellAt(i), mode = budget.modeAt(i);
      if (mode === CellSend.Whole) used = this.appendWholeOwed(b, c, used);
      else if (mode === CellSend.Since) used = this.appendSince(b, c, budget.sinceAt(i), used);
      else used = this.appendChangeRecords(c, used);
    }
    return used;
  }

  /** Everything the client knew in a cell that left its view; one with a budget `b` is owed nothing there any more. */
  private dropCell(c: number, b: ClientBudget | undefined): void {
    const { NetId } = this.world.c, owed = b?.owedEntities;
    for (const e of this.world.grid.cells[c]) {
      this.removed.push(NetId.id[e]);
      if (owed && owed.size > 0 && owed.since(e) >= 0) this.frameOwner!.forgetEntity(e);
    }
    if (this.changeTick[c] === this.tick) this.pushChangeRemovals(c);
    if (b) this.frameOwner!.forget(c);
  }

  /**
   * A row of the view of a client without a budget, its columns lo..hi now and olo..ohi at its
   * last frame, in column order: cells that came into view whole, the others' changes.
   */
  private appendRow(row: number, lo: number, hi: number, olo: number, ohi: number, used: number): number {
    const at = row * this.world.grid.cols;
    const seenLo = Math.max(lo, olo), seenHi = Math.min(hi, ohi); // seen then and now (empty where seenLo > seenHi)
    for (let c = lo, end = seenLo <= seenHi ? seenLo - 1 : hi; c <= end; c++) used = this.appendWhole(at + c, used);
    for (let c = this.changedCells.next(row, seenLo, seenHi); c >= 0; c = this.changedCells.next(row, c + 1, seenHi)) used = this.appendChanges(at + c, used);
    if (seenLo <= seenHi) for (let c = seenHi + 1; c <= hi; c++) used = this.appendWhole(at + c, used);
    return used;
  }

  private position(v: Viewer): void {
    if (v.eid >= 0) {
      v.x = this.world.c.Position.x[v.eid];
      v.y = this.world.c.Position.y[v.eid];
    }
  }

  /** rows() and spans() walk the disc of radius r around the viewer, where it is or (`old`) where it was at its last frame. */
  private disc(v: Viewer, old: boolean, r: number): void {
    this.discX = old ? v.ox : v.x;
    this.discY = old ? v.oy : v.y;
    this.discR = r;
  }

  /** The cell the viewer is in (a float passed to a call that is not inlined is boxed: the viewer is passed instead). */
  private cellUnder(v: Viewer): number {
    return this.world.grid.cellAt(v.x, v.y);
  }

  /**
   * For each grid row of rowLo..rowHi, the columns that the open disc reaches into (the cell's
   * nearest point is nearer than its radius), as lo[row]..hi[row]; empty (lo > hi) where it
   * reaches none. One square root per row instead of a test per cell.
   */
  private spans(rowLo: number, rowHi: number, lo: Int32Array, hi: Int32Array): void {
    const grid = this.world.grid, size = grid.cellSize, inv = 1 / size, minX = grid.minX, last = grid.cols - 1;
    const x = this.discX, y = this.discY, radius = this.discR;
    for (let row = rowLo; row <= rowHi; row++) {
      const y0 = grid.minY + row * size;
      const dy = y < y0 ? y0 - y : y > y0 + size ? y - y0 - size : 0;
      const rest = radius * radius - dy * dy;
      if (rest <= 0) {
        lo[row] = 0;
        hi[row] = -1;
        continue;
      }
      const w = Math.sqrt(rest);
      const first = Math.floor((x - w - minX) * inv), end = Math.ceil((x + w - minX) * inv) - 1;
      lo[row] = first < 0 ? 0 : first;
      hi[row] = end > last ? last : end;
    }
  }

  /** Rows the disc may reach, clamped to the grid, as rowLo..rowHi. */
  private rows(): void {
    const grid = this.world.grid, inv = 1 / grid.cellSize, y = this.discY, radius = this.discR;
    this.rowLo = Math.max(0, Math.floor((y - radius - grid.minY) * inv));
    this.rowHi = Math.min(grid.rows - 1, Math.floor((y + radius - grid.minY) * inv));
  }

  /** Writes into `out` the cells in view from (x, y) (PROTOCOL.md §7), row by row; returns how many. */
  viewCellsOf(x: number, y: number, out: number[]): number {
    const cols = this.world.grid.cols;
    let n = 0;
    this.discX = x;
    this.discY = y;
    this.discR = this.radius;
    this.rows();
    this.spans(this.rowLo, this.rowHi, this.nowLo, this.nowHi);
    for (let row = this.rowLo, end = this.rowHi; row <= end; row++) {
      for (let c = this.nowLo[row]; c <= this.nowHi[row]; c++) out[n++] = row * cols + c;
    }
    out.length = n;
    return n;
  }

  /**
   * This tick's frame for one viewer, or undefined when it would say nothing new (no records,
   * removals or events, the same ack) and the last frame went out less than a heartbeat ago.
   * The view is every cell the disc of the view radius around the viewer reaches into; cells
   * that come into view are sent whole, cells that leave it as removals. The frame is a view
   * into the encoder's buffer, valid until the next encoder call.
   */
  frame(v: Viewer, ackSeq: number): Uint8Array | undefined {
    this.position(v);
    const grid = this.world.grid, cols = grid.cols;
    const radius = v.wholeZone ? Infinity : this.radius; // a whole-zone observer: every cell
    const keyframe = v.keyframe || v.center < 0;
    const center = this.cellUnder(v);
    const budget = v.wholeZone ? this.wholeZoneBudget : this.budget;
    const b = budget ? (v.budget ??= budget.newClient(this.tick)) : undefined;
    if (b) budget!.begin(b, this.tick, keyframe, v);
    this.frameBudget = b;
    this.frameOwner = budget;
    this.removed.length = 0;
    this.moves.used = 0;
    this.steers.used = 0;
    let used = 0;
    // Rows of the new view, and (for a delta) of the old one: together one contiguous range.
    this.disc(v, false, radius);
    this.rows();
    let rowLo = this.rowLo, rowHi = this.rowHi;
    if (!keyframe) {
      this.disc(v, true, radius);
      this.rows();
      rowLo = Math.min(rowLo, this.rowLo);
      rowHi = Math.max(rowHi, this.rowHi);
    }
    this.viewRowLo = rowLo;
    this.viewRowHi = rowHi;
    this.disc(v, false, radius);
    this.spans(rowLo, rowHi, this.nowLo, this.nowHi);
    if (keyframe) {
      this.thenLo.fill(0, rowLo, rowHi + 1);
      this.thenHi.fill(-1, rowLo, rowHi + 1);
    } else {
      this.disc(v, true, radius);
      this.spans(rowLo, rowHi, this.thenLo, this.thenHi);
    }
    for (let row = rowLo; row <= rowHi; row++) {
      const lo = this.nowLo[row], hi = this.nowHi[row], olo = this.thenLo[row], ohi = this.thenHi[row], at = row * cols;
      if (!b) used = this.appendRow(row, lo, hi, olo, ohi, used);
      else {
        for (let c = lo; c <= hi; c++) {
          const cameIntoView = c < olo || c > ohi;
          if (cameIntoView || at + c === center || this.changeTick[at + c] === this.tick || (budget!.canChoose() && budget!.owedSince(b, at + c) >= 0)) {
            this.offer(b, budget!, at + c, cameIntoView, at + c === center);
          } // else nothing new there and nothing owed that could go: most cells of a view
        }
      }
      // Cells of the old span outside the new one, left of it and then right of it (from lo on where the new one is empty).
      for (let c = olo, end = Math.min(ohi, lo - 1); c <= end; c++) this.dropCell(at + c, b);
      for (let c = Math.max(olo, hi + 1, lo); c <= ohi; c++) this.dropCell(at + c, b);
    }
    const cx = center % cols;
    this.collectEvents(v, cx, (center - cx) / cols);
    if (b) {
      used = this.appendChosen(b, budget!, used);
      budget!.settle(b);
    }
    v.center = center;
    v.ox = v.x;
    v.oy = v.y;
    v.keyframe = false;
    const quiet = !keyframe && used === 0 && this.moves.used === 0 && this.steers.used === 0 && this.removed.length === 0 && this.events.length === 0 && ackSeq === v.ackSent;
    if (quiet && this.tick - v.sentTick < this.heartbeatTicks) return undefined;
    v.ackSent = ackSeq;
    v.sentTick = this.tick;
    this.snapshotInit.tick = this.tick;
    this.snapshotInit.ackSeq = ackSeq;
    this.snapshotInit.keyframe = keyframe;
    this.snapshotInit.entities = this.out.view(used);
    this.snapshotInit.moves = this.moves.out.view(this.moves.used);
    this.snapshotInit.steers = this.steers.out.view(this.steers.used);
    this.snapshotInit.removed = this.removed.view();
    const bytes = this.encoder.snapshot(this.snapshotInit);
    if (b) budget!.spend(b, bytes.length);
    return bytes;
  }

  /** Events whose radius reaches the viewer, in the order they happened (cells are walked in grid order). */
  private collectEvents(v: Viewer, cx: number, cy: number): void {
    const grid = this.world.grid, r = v.wholeZone ? Math.max(grid.cols, grid.rows) : this.eventCells;
    const events = this.tickEvents, picks = this.eventPicks;
    if (this.events.length > 0) this.events.length = 0; // setting a length calls into the runtime, even to 0 from 0
    for (const ev of this.globalEvents) this.events.push(ev);
    if (events.length === 0) return; // most ticks of a quiet zone
    picks.length = 0;
    for (let y = Math.max(0, cy - r), ye = Math.min(grid.rows - 1, cy + r); y <= ye; y++) {
      for (let x = Math.max(0, cx - r), xe = Math.min(grid.cols - 1, cx + r); x <= xe; x++) {
        const c = y * grid.cols + x;
        if (this.eventTick[c] !== this.tick) continue;
        for (const i of this.eventsByCell[c]) {
          const ev = events[i], dx = ev.x - v.x, dy = ev.y - v.y;
          if (v.wholeZone || dx * dx + dy * dy <= ev.radius * ev.radius) picks.push(i);
        }
      }
    }
    if (picks.length > 1) picks.sort(ascending);
    for (const i of picks) this.events.push(events[i]);
  }
}

