// Re-runs a recording tick by tick from a snapshot (or the generated zone), comparing every
// state hash and, at every snapshot in the file, the whole world. The first mismatch is a
// Divergence: its tick, the hash lanes that differ, that tick's inputs, and the entities,
// components and fields that differ there with both values: the expected world at that very
// tick comes from the file (its snapshot before, plus the change log: expected.ts); a file
// without a change log (version 2) is compared at its next snapshot instead.

import {
  HASH_PARTS, SnapshotError, eventsLane, foldLanes, generateZone, restoreSnapshot, serializeSnapshot, stateHash, stepZone,
  worldLane, type HashPart, type SimInput, type StateHash, type ZoneWorld,
} from '../sim/index.js';
import { ReplayFileError, type Recording, type ReplayTick, type Truncation } from './format.js';
import { readRecording } from './reader.js';
import { ExpectedWorld } from './expected.js';
import { diffStates, diffWorlds, entityState, worldState, type EntityState, type FieldDiff, type WorldState } from './inspect.js';

export interface Divergence {
  tick: number;
  expected: string;
  actual: string;
  /** The hash lanes that differ: which part of the state went another way ([] = a snapshot differs). */
  parts: HashPart[];
  /** That tick's inputs, as recorded. */
  inputs: SimInput[];
  /**
   * The world compared field by field with what the file says it was at atTick: `tick` itself
   * (basis "changes": the snapshot before it plus the change log, or "snapshot": one of that
   * tick), or, for files without a change log, the file's next snapshot.
   */
  detail?: { atTick: number; basis: 'changes' | 'snapshot'; diffs: FieldDiff[]; total: number };
  /** Why there is no detail, or what it means. */
  note?: string;
}

export interface ReplayResult {
  /** The replay started from the world after this tick (a snapshot, or 0: the generated zone). */
  startTick: number;
  /** The last tick replayed. */
  lastTick: number;
  /** Ticks replayed. */
  ticks: number;
  finalHash: string;
  /** Snapshots the replayed world was checked against. */
  snapshotsChecked: number;
  divergence?: Divergence;
  /** Set when the replay ran to the end of a file that was cut short. */
  truncated?: Truncation;
  workers: number;
}

/** Decodes a snapshot line's base64. */
function snapshotBytes(rec: Recording, tick: number): Uint8Array {
  return Buffer.from(rec.snapshots.get(tick)!, 'base64');
}

/** The world of the file's snapshot of `tick`; a damaged one is a damaged file. */
function restoreAt(rec: Recording, tick: number): ZoneWorld {
  try {
    return restoreSnapshot(snapshotBytes(rec, tick));
  } catch (e) {
    if (e instanceof SnapshotError) throw new ReplayFileError(`the snapshot of tick ${tick}: ${e.message}`);
    throw e;
  }
}

/** The file's last snapshot at or before `tick` (header.start when the recording has none). */
export function snapshotBefore(rec: Recording, tick: number): number {
  let best = rec.snapshots.has(rec.header.start) || rec.header.start === 0 ? rec.header.start : -1;
  for (const t of rec.snapshots.keys()) if (t <= tick && t > best) best = t;
  return best;
}

/** The last tick a recording holds. */
export function lastTickOf(rec: Recording): number {
  return rec.header.start + rec.ticks.length;
}

/**
 * The world the file says there was after `tick`: its snapshot of that tick, or the snapshot
 * before it advanced by the change log; undefined when the file has neither.
 */
export function recordedState(rec: Recording, tick: number): WorldState | undefined {
  if (rec.snapshots.has(tick)) return worldState(restoreAt(rec, tick));
  const from = snapshotBefore(rec, tick);
  if (!rec.changes || !rec.header.entities || from < 0 || !rec.snapshots.has(from)) return undefined;
  const model = ExpectedWorld.of(restoreAt(rec, from), rec.header.entities);
  while (model.tick < tick) model.step(rec.changes.get(model.tick + 1));
  return model.state();
}

/**
 * Ticks between whole state hashes when stepTo()/run() go through many ticks. Every tick between
 * is checked on the file's world and events lanes (counters, the PRNG, sessions, events,
 * rejections) and on its hash agreeing with its own lanes; the entity lanes, most of the cost,
 * are hashed every this many ticks, at every snapshot and at the last tick. A mismatch replays
 * the ticks since the last whole match again, each in full, so it is still named at its first tick.
 */
export const FULL_CHECK_EVERY = 10;

const WORLD_LANE = HASH_PARTS.indexOf('world'), EVENTS_LANE = HASH_PARTS.indexOf('events');

/**
 * A recording being replayed: the world, stepped with the recorded inputs one tick at a time.
 * This is the test API's core: step, read entities, run to the end.
 */
export class ReplaySession {
  private current: ZoneWorld;
  readonly startTick: number;
  snapshotsChecked = 0;
  /** The state hash after the last tick hashed in full: every tick of step(), the last of stepTo() and run(). */
  hash = '';
  divergence: Divergence | undefined;
  /** The last tick whose whole state hash matched the file (or the start). */
  private verifiedTick: number;
  private lastHash: StateHash | undefined;

  /**
   * Starts at the file's last snapshot at or before `from` (default: the recording's start).
   * `checkEvery` 1 hashes every tick in full in stepTo() and run() too (step() always does).
   */
  constructor(readonly recording: Recording, from = recording.header.start, readonly checkEvery = FULL_CHECK_EVERY) {
    const start = snapshotBefore(recording, Math.max(from, recording.header.start));
    if (start < 0) throw new RangeError('the recording has no snapshot to start from');
    this.startTick = this.verifiedTick = start;
    this.current = this.worldAt(start);
  }

  /** The world being replayed (a new one when a divergence was traced back to its first tick). */
  get world(): ZoneWorld {
    return this.current;
  }

  get tick(): number {
    return this.world.tick;
  }

  get lastTick(): number {
    return lastTickOf(this.recording);
  }

  /** The recorded line of a tick. */
  recorded(tick: number): ReplayTick | undefined {
    return this.recording.ticks[tick - this.recording.header.start - 1];
  }

  /** Steps one recorded tick; false (and `divergence` set) when it does not match the file. */
  step(): boolean {
    const rec = this.stepNext();
    if (this.hashMatches(rec)) return this.verified(rec);
    this.diverged(this.mismatch(rec));
    return false;
  }

  /** The world after `tick` as the file starts it: its snapshot, or the generated zone at tick 0. */
  private worldAt(tick: number): ZoneWorld {
    return this.recording.snapshots.has(tick) ? restoreAt(this.recording, tick)
      : generateZone(this.recording.header.zone, this.recording.header.seed);
  }

  /** Steps the world with the next tick's recorded inputs; returns that tick's line. */
  private stepNext(): ReplayTick {
    const rec = this.recorded(this.current.tick + 1);
    if (!rec) throw new RangeError(`tick ${this.current.tick + 1} is not in the recording (last: ${this.lastTick})`);
    stepZone(this.current, rec.in);
    return rec;
  }

  /** The whole state hash against the file's. */
  private hashMatches(rec: ReplayTick): boolean {
    this.lastHash = stateHash(this.current);
    this.hash = this.lastHash.hex;
    return this.lastHash.hex === rec.h;
  }

  /** The cheap check of a tick between whole hashes: the world and events lanes, and the file's hash agreeing with its lanes. */
  private lanesMatch(rec: ReplayTick): boolean {
    return worldLane(this.current) === rec.p[WORLD_LANE] && eventsLane(this.current) === rec.p[EVENTS_LANE] &&
      foldLanes(rec.p) === rec.h;
  }

  /** A tick whose whole hash matched; at a snapshot the whole world is compared as well. */
  private verified(rec: ReplayTick): boolean {
    this.verifiedTick = rec.t;
    return this.recording.snapshots.has(rec.t) ? this.checkSnapshot(rec) : true;
  }

  /** The divergence of a tick whose hash (just computed by hashMatches) differs. */
  private mismatch(rec: ReplayTick): Divergence {
    const h = this.lastHash!;
    const parts = HASH_PARTS.filter((p, i) => h.parts[p] !== rec.p[i]);
    return { tick: rec.t, expected: rec.h, actual: h.hex, parts, inputs: rec.in };
  }

  /**
   * A check failed at `failedAt`, but the ticks since the last whole match were checked on some
   * lanes only: replays them again from that tick (its snapshot before, stepped on), each hashed
   * in full, so the divergence is named at its first tick.
   */
  private traceBack(failedAt: number): false {
    const firstPass = this.current;
    this.current = this.worldAt(snapshotBefore(this.recording, this.verifiedTick));
    while (this.current.tick < this.verifiedTick) stepZone(this.current, this.recorded(this.current.tick + 1)!.in);
    const from = this.verifiedTick;
    while (this.current.tick < failedAt) if (!this.step()) return false;
    // Every tick matched the second time: the replay itself is not deterministic.
    const rec = this.recorded(failedAt)!;
    this.current = firstPass;
    this.hashMatches(rec);
    this.divergence = { ...this.mismatch(rec), note: `replayed again from tick ${from}, this tick matched: the replay itself is not deterministic` };
    return false;
  }

  /** The whole world against the file's snapshot of this tick. */
  private checkSnapshot(rec: ReplayTick): boolean {
    this.snapshotsChecked++;
    const bytes = snapshotBytes(this.recording, rec.t);
    const mine = serializeSnapshot(this.world);
    if (Buffer.from(mine.buffer, mine.byteOffset, mine.byteLength).equals(bytes)) return true;
    // Bytes may differ in bookkeeping only (e.g. the live zone registered other queries).
    const { diffs, total } = diffWorlds(restoreAt(this.recording, rec.t), this.world);
    if (total === 0) return true;
    this.divergence = {
      tick: rec.t, expected: rec.h, actual: rec.h, parts: [], inputs: rec.in, detail: { atTick: rec.t, basis: 'snapshot', diffs, total },
      note: 'every hash lane matches, but the world differs from the file\'s snapshot',
    };
    return false;
  }

  /** Records a hash mismatch and names what differs at its tick (or, without a change log, at the next snapshot). */
  private diverged(d: Divergence): void {
    this.divergence = d;
    let expected: WorldState | undefined;
    try {
      expected = recordedState(this.recording, d.tick);
    } catch (e) {
      // A damaged snapshot or change line leaves the divergence without its detail, not the replay without an answer.
      if (!(e instanceof ReplayFileError)) throw e;
      d.note = `no field detail: ${e.message}`;
      return;
    }
    if (expected) {
      const { diffs, total } = diffStates(expected, worldState(this.world));
      d.detail = { atTick: d.tick, basis: this.recording.snapshots.has(d.tick) ? 'snapshot' : 'changes', diffs, total };
      if (total === 0) d.note = 'the world is as the file says at this tick: only its events or rejections differed';
      return;
    }
    const next = [...this.recording.snapshots.keys()].filter((t) => t >= d.tick && t <= this.lastTick).sort((a, b) => a - b)[0];
    if (next === undefined) {
      d.note = 'the file has no snapshot at or after this tick to compare entities with';
      return;
    }
    while (this.world.tick < next) stepZone(this.world, this.recorded(this.world.tick + 1)!.in);
    const { diffs, total } = diffWorlds(restoreAt(this.recording, next), this.world);
    d.detail = { atTick: next, basis: 'snapshot', diffs, total };
    if (total === 0) d.note = `the world matches the file's snapshot again at tick ${next}: only that tick's events or rejections differed`;
  }

  /** Steps to `tick` (or the first divergence); true when every tick matched. */
  stepTo(tick: number): boolean {
    const to = Math.min(tick, this.lastTick);
    const { snapshots } = this.recording;
    while (this.current.tick < to) {
      const rec = this.stepNext();
      const full = rec.t === to || rec.t - this.verifiedTick >= this.checkEvery || snapshots.has(rec.t);
      if (!(full ? this.hashMatches(rec) : this.lanesMatch(rec))) return this.traceBack(rec.t);
      if (full && !this.verified(rec)) return false;
    }
    return true;
  }

  /** Runs to the end of the recording (or `to`) and sums it up. */
  run(to = this.lastTick): ReplayResult {
    const first = this.world.tick;
    this.stepTo(to);
    const d = this.divergence;
    const lastTick = d ? d.tick : this.world.tick;
    const rec = this.recording;
    return {
      startTick: this.startTick, lastTick, ticks: lastTick - first,
      finalHash: this.hash,
      snapshotsChecked: this.snapshotsChecked,
      ...(d ? { divergence: d } : {}),
      ...(!d && rec.truncated && lastTick === this.lastTick ? { truncated: rec.truncated } : {}),
      workers: 1,
    };
  }

  /** A live entity's components, by NetId. */
  entity(netId: number): EntityState | undefined {
    return entityState(this.world, netId);
  }

  /** A player in the world now, by the name it joined with. */
  player(name: string): EntityState | undefined {
    for (const [netId, n] of this.world.names) if (n === name) return this.entity(netId);
    return undefined;
  }

  /** Every live entity (of one kind), in NetId order. */
  entities(kind?: EntityState['kind']): EntityState[] {
    const ids = [...this.world.netToEid.keys()].sort((a, b) => a - b);
    return ids.map((id) => this.entity(id)!).filter((e) => kind === undefined || e.kind === kind);
  }

  /** A tick's recorded inputs. */
  inputsAt(tick: number): SimInput[] {
    const rec = this.recorded(tick);
    if (!rec) throw new RangeError(`tick ${tick} is not in the recording`);
    return rec.in;
  }
}

/**
 * Opens a recording for a test: `openRecording(file).stepTo(t)`, `.entity(netId)`,
 * `.player(name)`, `.run()` (to the end: `divergence` is undefined when every tick matched).
 */
export function openRecording(path: string, o: { from?: number; checkEvery?: number } = {}): ReplaySession {
  return new ReplaySession(readRecording(path), o.from, o.checkEvery);
}

/** Re-runs a recording in this thread, from `from` (nearest snapshot before) to `to`. */
export function replay(rec: Recording, o: { from?: number; to?: number; checkEvery?: number } = {}): ReplayResult {
  const s = new ReplaySession(rec, o.from, o.checkEvery);
  return s.run(o.to ?? lastTickOf(rec));
}
