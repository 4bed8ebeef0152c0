// Snapshot fan-out by grid cell. After each step every cell that changed gets a block, built
// once: records of entities that changed or entered it and NetIds of those that left it or
// despawned. A client's view is the square of cells around its own cell; its frame is the
// concatenation of its cells' blocks (removals applied before records, so an entity that
// moved between two visible cells ends up known). When the view moves, cells that come into
// view are sent whole and cells that drop out are sent as removals. A keyframe sends every
// visible cell whole. Per-client work is a few memcpys; encoding work is per changed cell.

import { rules, type SimEvent, type ZoneWorld } from '../sim/index.js';
import { ENTITY_STATE_SIZE, type Encoder } from '../protocol/index.js';

const FLAG_DEAD = 1;
const FLAG_MOVING = 2;

/** Who a frame is for: a player's entity, or an observer at a fixed point. */
export interface Viewer {
  /** Entity id the view follows, or −1 for an observer at (x, y). */
  eid: number;
  x: number;
  y: number;
  /** Centre cell of the last frame sent; −1 before the first. */
  center: number;
  /** The next frame must be a keyframe (join, or frames were skipped). */
  keyframe: boolean;
  /** An observer of the whole zone: every cell, every event. */
  wholeZone?: boolean;
}

export function newViewer(eid: number, x = 0, y = 0): Viewer {
  return { eid, x, y, center: -1, keyframe: true };
}

/** Growable byte arena; blocks are (offset, length) ranges into it, valid for one tick. */
class Arena {
  bytes = new Uint8Array(64 * 1024);
  view = new DataView(this.bytes.buffer);
  used = 0;

  reserve(n: number): number {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.used;
    this.used += n;
    return at;
  }
}

export class Fanout {
  /** View half-width in cells: the square covers every point within the view radius. */
  readonly viewCells: number;
  private readonly eventCells: number;
  private tick = -1;

  // Change blocks of this tick, per cell.
  private readonly changeTick: Int32Array;
  private readonly recEids: number[][];
  private readonly remNets: number[][];
  private readonly recStart: Int32Array;
  private readonly recLen: Int32Array;
  private readonly touchedCells: number[] = [];
  private readonly recMark: Int32Array;
  // Whole-cell blocks, built on demand, per cell.
  private readonly fullTick: Int32Array;
  private readonly fullStart: Int32Array;
  private readonly fullLen: Int32Array;
  // Events of this tick, per cell.
  private readonly eventTick: Int32Array;
  private readonly eventsByCell: SimEvent[][];

  private readonly arena = new Arena();
  private out = new Uint8Array(16 * 1024);
  private readonly removed: number[] = [];
  private readonly events: SimEvent[] = [];
  /** Events every viewer gets wherever it is (global chat). */
  private globalEvents: readonly SimEvent[] = [];

  /**
   * @param speedScale wall-clock speed per game speed: tick rate / 20. Records carry speed in
   *   units per second at the advertised tick rate, which is what clients extrapolate with.
   */
  constructor(private readonly world: ZoneWorld, private readonly encoder: Encoder, viewRadius = rules.VIEW_RADIUS,
    private readonly speedScale = 1) {
    const grid = world.grid;
    const cells = grid.cellCount;
    this.viewCells = Math.ceil(viewRadius / grid.cellSize);
    const maxEventRadius = Math.max(...Object.values(rules.EVENT_RADIUS));
    this.eventCells = Math.ceil(maxEventRadius / grid.cellSize);
    this.changeTick = new Int32Array(cells).fill(-1);
    this.recEids = Array.from({ length: cells }, () => []);
    this.remNets = Array.from({ length: cells }, () => []);
    this.recStart = new Int32Array(cells);
    this.recLen = new Int32Array(cells);
    this.recMark = new Int32Array(world.c.NetId.id.length).fill(-1);
    this.fullTick = new Int32Array(cells).fill(-1);
    this.fullStart = new Int32Array(cells);
    this.fullLen = new Int32Array(cells);
    this.eventTick = new Int32Array(cells).fill(-1);
    this.eventsByCell = Array.from({ length: cells }, () => []);
  }

  private touchCell(c: number): void {
    if (this.changeTick[c] === this.tick) return;
    this.changeTick[c] = this.tick;
    this.recEids[c].length = 0;
    this.remNets[c].length = 0;
    this.touchedCells.push(c);
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

  /** Packs one entity's replicated state at `at` in the arena. */
  private pack(e: number, at: number): void {
    const { c } = this.world;
    const v = this.arena.view;
    const moving = c.Motion.active[e] === 1;
    const dead = c.Dead.respawnAt[e] !== 0;
    const x = c.Position.x[e], y = c.Position.y[e];
    v.setUint32(at, c.NetId.id[e], true);
    v.setFloat32(at + 4, x, true);
    v.setFloat32(at + 8, y, true);
    v.setFloat32(at + 12, moving ? c.Motion.tx[e] : x, true);
    v.setFloat32(at + 16, moving ? c.Motion.ty[e] : y, true);
    v.setFloat32(at + 20, moving ? c.Speed.value[e] * this.speedScale : 0, true);
    v.setFloat32(at + 24, c.Rotation.angle[e], true);
    v.setUint16(at + 28, c.Health.hp[e], true);
    v.setUint16(at + 30, c.Health.max[e], true);
    v.setUint16(at + 32, c.Mana.mana[e], true);
    v.setUint16(at + 34, c.Mana.max[e], true);
    v.setUint16(at + 36, c.Level.value[e], true);
    v.setUint8(at + 38, c.Kind.value[e]);
    v.setUint8(at + 39, (dead ? FLAG_DEAD : 0) | (moving ? FLAG_MOVING : 0));
  }

  private packList(eids: readonly number[]): number {
    const at = this.arena.reserve(eids.length * ENTITY_STATE_SIZE);
    for (let i = 0; i < eids.length; i++) this.pack(eids[i], at + i * ENTITY_STATE_SIZE);
    return at;
  }

  /** Indexes the tick just stepped: change blocks per cell, and the events to tell per cell. */
  index(events: readonly SimEvent[] = this.world.events, globalEvents: readonly SimEvent[] = []): void {
    const { world } = this;
    this.globalEvents = globalEvents;
    const grid = world.grid;
    this.tick = world.tick;
    this.arena.used = 0;
    this.touchedCells.length = 0;
    for (const e of world.changed) this.addRecord(e);
    for (let i = 0; i < grid.movedEids.length; i++) {
      const e = grid.movedEids[i];
      this.addRecord(e);
      const from = grid.movedFrom[i];
      if (from >= 0) this.addRemoval(from, world.c.NetId.id[e]);
    }
    for (let i = 0; i < grid.goneNets.length; i++) this.addRemoval(grid.goneCells[i], grid.goneNets[i]);
    for (const c of this.touchedCells) {
      this.recStart[c] = this.packList(this.recEids[c]);
      this.recLen[c] = this.recEids[c].length * ENTITY_STATE_SIZE;
    }
    for (const ev of events) {
      const c = grid.cellAt(ev.x, ev.y);
      if (this.eventTick[c] !== this.tick) {
        this.eventTick[c] = this.tick;
        this.eventsByCell[c].length = 0;
      }
      this.eventsByCell[c].push(ev);
    }
  }

  /** Every entity of a cell, packed once per tick on first use. */
  private fullBlock(c: number): void {
    if (this.fullTick[c] === this.tick) return;
    this.fullTick[c] = this.tick;
    const list = this.world.grid.cells[c];
    this.fullStart[c] = this.packList(list);
    this.fullLen[c] = list.length * ENTITY_STATE_SIZE;
  }

  private append(used: number, start: number, len: number): number {
    if (len === 0) return used;
    if (used + len > this.out.length) {
      const grown = new Uint8Array(Math.max(this.out.length * 2, used + len));
      grown.set(this.out.subarray(0, used));
      this.out = grown;
    }
    this.out.set(this.arena.bytes.subarray(start, start + len), used);
    return used + len;
  }

  private appendChanges(c: number, used: number): number {
    if (this.changeTick[c] !== this.tick) return used;
    for (const n of this.remNets[c]) this.removed.push(n);
    return this.append(used, this.recStart[c], this.recLen[c]);
  }

  private appendWhole(c: number, used: number): number {
    this.fullBlock(c);
    return this.append(used, this.fullStart[c], this.fullLen[c]);
  }

  /** Everything the client knew in a cell that left its view. */
  private dropCell(c: number): void {
    const { NetId } = this.world.c;
    for (const e of this.world.grid.cells[c]) this.removed.push(NetId.id[e]);
    if (this.changeTick[c] === this.tick) for (const n of this.remNets[c]) this.removed.push(n);
  }

  private position(v: Viewer): void {
    if (v.eid >= 0) {
      v.x = this.world.c.Position.x[v.eid];
      v.y = this.world.c.Position.y[v.eid];
    }
  }

  /**
   * This tick's frame for one viewer: a view into the encoder's buffer, valid until the next
   * encoder call. Updates the viewer's centre and keyframe state.
   */
  frame(v: Viewer, ackSeq: number): Uint8Array {
    const grid = this.world.grid;
    this.position(v);
    const center = grid.cellAt(v.x, v.y);
    const cols = grid.cols, rows = grid.rows, r = v.wholeZone ? Math.max(cols, rows) : this.viewCells;
    const cx = center % cols, cy = (center - cx) / cols;
    const x0 = Math.max(0, cx - r), x1 = Math.min(cols - 1, cx + r);
    const y0 = Math.max(0, cy - r), y1 = Math.min(rows - 1, cy + r);
    const keyframe = v.keyframe || v.center < 0;
    const same = !keyframe && v.center === center;
    const ox = v.center % cols, oy = (v.center - ox) / cols;
    this.removed.length = 0;
    let used = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const c = y * cols + x;
        if (keyframe) used = this.appendWhole(c, used);
        else if (same || (Math.abs(x - ox) <= r && Math.abs(y - oy) <= r)) used = this.appendChanges(c, used);
        else used = this.appendWhole(c, used);
      }
    }
    if (!keyframe && !same) {
      for (let y = Math.max(0, oy - r), ye = Math.min(rows - 1, oy + r); y <= ye; y++) {
        for (let x = Math.max(0, ox - r), xe = Math.min(cols - 1, ox + r); x <= xe; x++) {
          if (x < x0 || x > x1 || y < y0 || y > y1) this.dropCell(y * cols + x);
        }
      }
    }
    this.collectEvents(v, cx, cy);
    v.center = center;
    v.keyframe = false;
    return this.encoder.snapshot({
      tick: this.tick, ackSeq, keyframe,
      entities: this.out.subarray(0, used), removed: this.removed, events: this.events,
    });
  }

  /** Events whose radius reaches the viewer. */
  private collectEvents(v: Viewer, cx: number, cy: number): void {
    const grid = this.world.grid, r = v.wholeZone ? Math.max(grid.cols, grid.rows) : this.eventCells;
    this.events.length = 0;
    for (const ev of this.globalEvents) this.events.push(ev);
    for (let y = Math.max(0, cy - r), ye = Math.min(grid.rows - 1, cy + r); y <= ye; y++) {
      for (let x = Math.max(0, cx - r), xe = Math.min(grid.cols - 1, cx + r); x <= xe; x++) {
        const c = y * grid.cols + x;
        if (this.eventTick[c] !== this.tick) continue;
        for (const ev of this.eventsByCell[c]) {
          const dx = ev.x - v.x, dy = ev.y - v.y;
          if (v.wholeZone || dx * dx + dy * dy <= ev.radius * ev.radius) this.events.push(ev);
        }
      }
    }
  }
}

