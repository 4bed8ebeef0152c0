// The flight recorder: a zone records all the time into a bounded ring of gzip segment files
// on disk (the last 10 minutes by default), so that after a bug, a crash or an operator's
// call, the last minutes can be saved as a normal replay file. Each segment starts with a
// snapshot and carries one every snapshotEveryMs; it is written in one-second chunks, so a
// crash (even SIGKILL) keeps all but the last second, and a closed segment is fsynced. At
// start, segments left by a previous run (a crash) are moved to DIR/previous, where
// FlightRecorder.saveFrom() can still save them. With offThread (a live zone), making the
// lines, snapshots (from its replica of the world), gzip, writes, segment turns, fsync and
// pruning all run on one recording thread; a save waits for it to have written everything
// recorded before it reads the ring.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SimInput, StateHash, ZoneWorld } from '../sim/index.js';
import { ReplayFileError, type Recording } from './format.js';
import { decodeRecording, parseRecording } from './reader.js';
import { Recorder } from './recorder.js';
import { lastTickOf, snapshotBefore } from './replayer.js';
import { segmentFiles } from './ring.js';
import { writeRecording } from './writer.js';

export interface FlightOptions {
  /** Directory of the ring's segment files. */
  dir: string;
  /** How much to keep (default 10 minutes). */
  keepMs?: number;
  /** Length of one segment file (default 60 s). */
  segmentMs?: number;
  /** Most bytes the ring may take; the oldest segments go first (default 1 GiB). */
  maxBytes?: number;
  /** Time between snapshots: the finest start a save can have (default 10 s). */
  snapshotEveryMs?: number;
  /** Ticks per second (default 20): the recorder counts time in ticks, never by a clock. */
  tickRate?: number;
  /** What made it, in the saved files' headers (default "mmo zone"). */
  source?: string;
  /** Make, compress and write the lines on a recording thread (a live zone), not on the tick's. */
  offThread?: boolean;
}

export interface FlightSave {
  path: string;
  /** The saved file replays from the world after `fromTick` through `toTick`. */
  fromTick: number;
  toTick: number;
  ticks: number;
  bytes: number;
}

/** The segments' ticks as one recording (a segment cut short by a crash counts up to its cut). */
function joinSegments(files: string[]): Recording {
  let joined: Recording | undefined;
  for (const f of files) {
    const rec = parseRecording(decodeRecording(readFileSync(f), f), f);
    if (!joined) {
      joined = { ...rec, snapshots: new Map(rec.snapshots), ticks: rec.ticks.slice(), ...(rec.changes ? { changes: new Map(rec.changes) } : {}) };
    } else {
      // Segments follow each other; one that does not (a gap after a failed write) ends the chain.
      if (rec.header.start !== lastTickOf(joined)) break;
      joined.ticks.push(...rec.ticks);
      for (const [t, b] of rec.snapshots) joined.snapshots.set(t, b);
      for (const [t, c] of rec.changes ?? []) joined.changes?.set(t, c);
    }
    delete joined.end;
  }
  if (!joined) throw new ReplayFileError('the flight recorder has no segments');
  return joined;
}

/** Saves the last `lastMs` of what the segment files hold (from the latest snapshot before). */
function saveSegments(files: string[], lastMs: number, path: string): FlightSave {
  const rec = joinSegments(files);
  const to = lastTickOf(rec);
  const want = to - Math.ceil((lastMs * rec.header.tickRate) / 1000);
  let from = snapshotBefore(rec, Math.max(want, rec.header.start));
  if (from < 0) from = rec.header.start;
  const { ticks, bytes } = writeRecording(rec, path, from, to);
  return { path, fromTick: from, toTick: to, ticks, bytes };
}

export class FlightRecorder {
  private readonly recorder: Recorder;

  constructor(seed: number, world: ZoneWorld, readonly o: FlightOptions) {
    const rate = o.tickRate ?? 20;
    const ticks = (ms: number) => Math.max(1, Math.round((ms * rate) / 1000));
    const snapshotEvery = ticks(o.snapshotEveryMs ?? 10_000);
    // Whole snapshot intervals, so a segment ends on a snapshot its successor starts from.
    const segmentTicks = Math.max(1, Math.round(ticks(o.segmentMs ?? 60_000) / snapshotEvery)) * snapshotEvery;
    mkdirSync(o.dir, { recursive: true });
    const left = segmentFiles(o.dir);
    if (left.length > 0) {
      const previous = join(o.dir, 'previous');
      rmSync(previous, { recursive: true, force: true });
      mkdirSync(previous);
      for (const f of left) renameSync(f, join(previous, f.slice(o.dir.length + 1)));
    }
    this.recorder = new Recorder(o.dir, seed, world.config, o.source ?? 'mmo zone', {
      world, snapshotEvery, tickRate: rate, gzip: true, offThread: o.offThread,
      ring: { dir: o.dir, segmentTicks, keepTicks: ticks(o.keepMs ?? 600_000), maxBytes: o.maxBytes ?? 1 << 30 },
    });
  }

  /** Records a tick (as Recorder.record); the ring turns and drops old segments as it goes. */
  record(tick: number, inputs: readonly SimInput[], hash: StateHash, inputsJson?: string): void {
    this.recorder.record(tick, inputs, hash, inputsJson);
  }

  /** Bytes the ring takes on disk now (once everything recorded is written). */
  get bytes(): number {
    this.recorder.flush();
    return segmentFiles(this.o.dir).reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
  }

  /** Writes the last `lastMs` as a normal replay file starting from a snapshot (gzip if path ends in .gz). */
  save(lastMs: number, path: string): FlightSave {
    this.recorder.flush();
    return saveSegments(segmentFiles(this.o.dir), lastMs, path);
  }

  /** Saves from segment files on disk, e.g. DIR/previous after a crash. */
  static saveFrom(dir: string, lastMs: number, path: string): FlightSave {
    return saveSegments(segmentFiles(dir), lastMs, path);
  }

  /** Closes the current segment, fsynced (the ring stays on disk), and the recording thread. */
  close(): void {
    this.recorder.close(true);
  }

  /** Ends a ring that failed: its last segment closed as it is (it replays up to its last complete tick). */
  abandon(): void {
    this.recorder.abandon();
  }
}
