// The client's copy of its view (pure: no I/O, no clock). Applies Snapshots as PROTOCOL.md §7
// says and extrapolates each entity from its last record with the motion model (§5).
//
// Per snapshot:
//   1. keyframe: forget every record;
//   2. `removed` before `entities` (a NetId may be in both in one frame: it moved between two
//      cells of the view and must end up known);
//   3. each record replaces the entity's last record, stamped with the snapshot's tick; then
//      each Motion record updates a known entity's record the same way, then each Steer
//      record (its position stepped from the last record, §5.3); one for an unknown NetId, or
//      a Steer that cannot be stepped, is counted in `unknownMoves` and ignored (the server
//      never sends one);
//   4. one interpolation sample (tick, x, y, rot) per known entity, from the motion model at
//      that tick;
//   5. entities no longer known lose their interpolation buffer.
// An entity that stays known keeps its buffer, also across a keyframe or a removed-and-re-added
// frame, so it keeps moving smoothly; NetIds are never reused within a zone, so a buffer
// cannot be inherited by another entity.

import { withMotion, withSteer, type EntityStateObj, type SnapshotMsg, type WelcomeMsg } from '../protocol/index.js';
import {
  InterpolationBuffer,
  type InterpolatedState,
  type InterpolationOptions,
} from './interpolation.js';

/** Default server tick rate (Welcome.tick_rate overrides it). */
export const DEFAULT_TICK_RATE = 20;

export interface KnownEntity {
  readonly netId: number;
  /** The last record received for this entity. */
  readonly record: EntityStateObj;
  /** Snapshot tick of that record. */
  readonly recordTick: number;
  /** Samples pushed at each snapshot while the entity is known. */
  readonly buffer: InterpolationBuffer;
}

export interface Point {
  x: number;
  y: number;
}

/** What one applySnapshot changed (NetIds). */
export interface SnapshotChanges {
  /** Not known before this snapshot, known after it. */
  readonly entered: number[];
  /** Known before and got a new record. */
  readonly updated: number[];
  /** Known before, not known after. */
  readonly left: number[];
}

export interface ClientWorldOptions {
  /** Ticks per second until a Welcome says otherwise. Default 20. */
  readonly tickRate?: number;
  /** Options for each entity's InterpolationBuffer (tickMs is derived from the tick rate). */
  readonly interpolation?: Omit<InterpolationOptions, 'tickMs'>;
  /** Keep interpolation samples (default true); bots that never render turn it off. */
  readonly interpolate?: boolean;
}

interface Entry {
  netId: number;
  record: EntityStateObj;
  recordTick: number;
  buffer: InterpolationBuffer;
}

export class ClientWorld {
  private readonly known = new Map<number, Entry>();
  private readonly interpolation: Omit<InterpolationOptions, 'tickMs'>;
  private readonly interpolate: boolean;
  private tickRateValue: number;
  /** NetId of the player's own entity (Welcome.net_id); 0 before Welcome. */
  ownNetId = 0;
  /** Tick of the last applied snapshot (Welcome.tick before the first). */
  tick = 0;
  /** Highest input seq the server has processed (Snapshot.ack_seq). */
  ackSeq = 0;
  /** Snapshots applied since the last Welcome/reset. */
  snapshotCount = 0;
  /** Motion and Steer records for an entity not known, or Steers that cannot be stepped (a server bug; they are ignored), since the last Welcome/reset. */
  unknownMoves = 0;
  /** The last Welcome applied, if any. */
  welcomeMsg: WelcomeMsg | null = null;

  constructor(options: ClientWorldOptions = {}) {
    this.tickRateValue = options.tickRate ?? DEFAULT_TICK_RATE;
    if (!(this.tickRateValue > 0)) throw new RangeError(`tickRate must be > 0, got ${this.tickRateValue}`);
    this.interpolation = options.interpolation ?? {};
    this.interpolate = options.interpolate ?? true;
  }

  get tickRate(): number {
    return this.tickRateValue;
  }

  /** Length of a tick in ms. */
  get tickMs(): number {
    return 1000 / this.tickRateValue;
  }

  /** Number of known entities. */
  get size(): number {
    return this.known.size;
  }

  /** Starts a new session: forgets everything, takes own NetId, tick rate and tick. */
  welcome(w: WelcomeMsg): void {
    this.reset();
    this.welcomeMsg = w;
    this.ownNetId = w.netId;
    if (w.tickRate > 0) this.tickRateValue = w.tickRate;
    this.tick = w.tick;
  }

  /** Forgets every entity and the session state (own NetId, tick, ack). */
  reset(): void {
    this.known.clear();
    this.ownNetId = 0;
    this.tick = 0;
    this.ackSeq = 0;
    this.snapshotCount = 0;
    this.unknownMoves = 0;
    this.welcomeMsg = null;
  }

  /** Applies one snapshot (PROTOCOL.md §7). Events are not interpreted here. */
  applySnapshot(s: SnapshotMsg): SnapshotChanges {
    const known = this.known;
    // Entries that stop being known in this frame; an entity re-added by `entities` takes its
    // old entry's buffer back from here.
    const gone = new Map<number, Entry>();
    if (s.keyframe) {
      for (const [id, e] of known) gone.set(id, e);
      known.clear();
    }
    for (const id of s.removed) {
      const e = known.get(id);
      if (e !== undefined) {
        gone.set(id, e);
        known.delete(id);
      }
    }
    const entered: number[] = [];
    const updated: number[] = [];
    for (const r of s.entities) {
      const id = r.netId;
      const current = known.get(id);
      if (current !== undefined) {
        // A plain update; or the NetId is listed twice in one frame (not allowed by the
        // protocol): the last record wins and the NetId is reported once.
        if (current.recordTick !== s.tick) updated.push(id);
        current.record = r;
        current.recordTick = s.tick;
        continue;
      }
      const old = gone.get(id);
      if (old !== undefined) {
        gone.delete(id);
        old.record = r;
        old.recordTick = s.tick;
        known.set(id, old);
        updated.push(id);
      } else {
        known.set(id, { netId: id, record: r, recordTick: s.tick, buffer: this.newBuffer() });
        entered.push(id);
      }
    }
    for (const m of s.moves) {
      const current = known.get(m.netId);
      if (current === undefined) {
        this.unknownMoves++;
        continue;
      }
      if (current.recordTick !== s.tick) updated.push(m.netId);
      current.record = withMotion(current.record, m);
      current.recordTick = s.tick;
    }
    for (const m of s.steers) {
      const current = known.get(m.netId);
      const record = current === undefined ? undefined : withSteer(current.record, current.recordTick, m, s.tick, this.tickRateValue);
      if (record === undefined) {
        this.unknownMoves++;
        continue;
      }
      if (current!.recordTick !== s.tick) updated.push(m.netId);
      current!.record = record;
      current!.recordTick = s.tick;
    }
    // What is still in `gone` was known before and is not now: its buffer goes with it.
    const left = [...gone.keys()];
    this.tick = s.tick;
    this.ackSeq = s.ackSeq;
    this.snapshotCount++;
    const p: Point = { x: 0, y: 0 };
    if (this.interpolate) for (const e of known.values()) {
      this.extrapolate(e, s.tick, p);
      e.buffer.push(s.tick, p.x, p.y, e.record.rot);
    }
    return { entered, updated, left };
  }

  private newBuffer(): InterpolationBuffer {
    return new InterpolationBuffer({ ...this.interpolation, tickMs: this.tickMs });
  }

  /** Motion model of PROTOCOL.md §5 from the entry's record to `tick` (fractional allowed). */
  private extrapolate(e: Entry, tick: number, out: Point): Point {
    const r = e.record;
    out.x = r.x;
    out.y = r.y;
    const elapsed = tick - e.recordTick;
    if (!(elapsed > 0) || !(r.speed > 0)) return out;
    const dx = r.targetX - r.x, dy = r.targetY - r.y;
    const dist = Math.sqrt(dx * dx + dy * dy);
    if (dist === 0) return out;
    const travel = (r.speed * elapsed) / this.tickRateValue;
    if (travel >= dist) {
      out.x = r.targetX;
      out.y = r.targetY;
    } else {
      out.x = r.x + (dx / dist) * travel;
      out.y = r.y + (dy / dist) * travel;
    }
    return out;
  }

  /**
   * Position of a known entity at server tick `tick` (may be fractional), extrapolated from
   * its last record: straight toward the target at its speed, stopping there. Ticks before
   * the record's give the record's position. undefined if the entity is not known.
   */
  positionAt(netId: number, tick: number, out?: Point): Point | undefined {
    const e = this.known.get(netId);
    if (e === undefined) return undefined;
    return this.extrapolate(e, tick, out ?? { x: 0, y: 0 });
  }

  /** The entity's interpolated state at renderTimeMs (see InterpolationBuffer.sample). */
  sample(netId: number, renderTimeMs: number, out?: InterpolatedState): InterpolatedState | null {
    const e = this.known.get(netId);
    return e === undefined ? null : e.buffer.sample(renderTimeMs, out);
  }

  has(netId: number): boolean {
    return this.known.has(netId);
  }

  get(netId: number): KnownEntity | undefined {
    return this.known.get(netId);
  }

  /** The interpolation buffer of a known entity. */
  buffer(netId: number): InterpolationBuffer | undefined {
    return this.known.get(netId)?.buffer;
  }

  /** The player's own entity, if it is in view. */
  own(): KnownEntity | undefined {
    return this.known.get(this.ownNetId);
  }

  /** Known entities, in the order they became known. */
  entities(): IterableIterator<KnownEntity> {
    return this.known.values();
  }

  /** NetIds of the known entities. */
  netIds(): IterableIterator<number> {
    return this.known.keys();
  }
}
