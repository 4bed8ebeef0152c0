// Where a recording's lines are made and written: tick lines, snapshots, the change log, chunks
// of a second gzipped and written, files closed and fsynced, and for the flight recorder the
// ring's segment turns and pruning. The recorder on the tick thread only sends it each tick's
// inputs (as JSON) and hash.
//
// The world it reads snapshots and the change log from is the live one when it runs in the
// tick's thread (tools, tests), and on a recording thread (a live zone) a replica of it: the
// live world's snapshot at the start, stepped with each tick's recorded inputs (the very thing
// a replay does) and checked against the live hash every tick. A replica that goes another
// way (a nondeterminism bug) asks for the live world again (needWorld) and, until it has it,
// writes tick lines only: no snapshot, change line or segment turn comes from a wrong world.

import { restoreSnapshot, serializeSnapshot, stateHash, stepZone, type SimInput, type ZoneWorld } from '../sim/index.js';
import { FrameCapture, type Frame } from './capture.js';
import { ChangeLogger } from './changeLog.js';
import type { ReplayHeader } from './format.js';
import { LineFile } from './lineFile.js';
import { pruneRing, segmentPath, type RingOptions } from './ring.js';
import { tickLine } from './writer.js';

/** A chunk is written every this many ticks (the recording thread gets ticks in batches of up to 4: ≤ 1 s at 20 Hz in all). */
const FLUSH_TICKS = 16;
const FLUSH_BYTES = 256 * 1024;

export type SinkMessage =
  /** Starts the file (or the ring of files) at the world's tick. */
  | { op: 'open'; path: string; ring?: RingOptions; gzip: boolean; header: Omit<ReplayHeader, 'start' | 'entities'>; snapshotEvery: number }
  /** The live world (recording thread): the replica starts (again) from it. */
  | { op: 'world'; snapshot: Uint8Array }
  | { op: 'tick'; tick: number; inputs: string; hash: string; parts: number[] }
  /** Ends the file: a last snapshot, the end line, closed (fsynced when sync). */
  | { op: 'end'; sync: boolean }
  | { op: 'flush' }
  /**
   * Stops where it is, for a recording that failed: what is buffered is written, the file is
   * closed without its end line (a cut recording replays every complete tick it holds).
   */
  | { op: 'abandon' };

function snapshotLine(world: ZoneWorld): string {
  const bytes = serializeSnapshot(world);
  return `{"snap":${world.tick},"b64":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`;
}

export class RecordingSink {
  private world: ZoneWorld | undefined;
  private capture: FrameCapture | undefined;
  private logger: ChangeLogger | undefined;
  private inSync: boolean;
  private readonly buffers = [new Uint8Array(0), new Uint8Array(0)];
  private frames = 0;
  private open: Extract<SinkMessage, { op: 'open' }> | undefined;
  private file: LineFile | undefined;
  private start = 0;
  private ticks = 0;
  private lastTick = 0;
  private lastHash = '';
  private lastSnapshot: { tick: number; line: string } | undefined;

  /**
   * @param live the recorded world itself (in its thread); without it, 'world' messages start a replica.
   * @param needWorld told when the replica went another way than the live world.
   */
  constructor(private readonly live?: ZoneWorld, private readonly needWorld: () => void = () => {}) {
    this.inSync = live !== undefined;
    if (live) this.useWorld(live);
  }

  handle(m: SinkMessage): void {
    switch (m.op) {
      case 'open': return this.begin(m);
      case 'world': return this.restart(restoreSnapshot(m.snapshot));
      case 'tick': return this.tick(m);
      case 'end': return this.end(m.sync);
      case 'flush': return this.file?.flush();
      case 'abandon': return this.file?.close();
    }
  }

  private useWorld(world: ZoneWorld): void {
    this.world = world;
    this.capture = new FrameCapture(world);
    this.logger ??= new ChangeLogger(this.capture.table);
  }

  /** The world's columns now, into the buffer the change log is not holding. */
  private frame(): Frame {
    const c = this.capture!;
    const size = c.size(), i = ++this.frames & 1;
    if (this.buffers[i].length < size) this.buffers[i] = new Uint8Array(size + (size >> 3));
    return c.capture(this.buffers[i]);
  }

  /** The replica starts over from the live world; within a file, that world is a snapshot line. */
  private restart(world: ZoneWorld): void {
    this.useWorld(world);
    this.inSync = true;
    this.logger!.reset(this.frame());
    if (this.file && world.tick === this.lastTick) this.snapshot();
  }

  private snapshot(): void {
    this.lastSnapshot = { tick: this.world!.tick, line: snapshotLine(this.world!) };
    this.file!.push(this.lastSnapshot.line);
  }

  private begin(m: Extract<SinkMessage, { op: 'open' }>): void {
    this.open = m;
    this.lastTick = this.world?.tick ?? 0;
    if (this.world) this.logger!.reset(this.frame());
    this.startFile(false);
  }

  /** A new file at the world's tick: header, then the world (a new snapshot, or the one just written). */
  private startFile(reuse: boolean): void {
    const o = this.open!;
    this.start = this.lastTick;
    this.ticks = 0;
    this.file = new LineFile(o.ring ? segmentPath(o.ring.dir, this.start) : o.path, o.gzip);
    const entities = this.world ? { entities: this.capture!.table } : {};
    this.file.push(JSON.stringify({ ...o.header, start: this.start, ...entities }));
    if (reuse) this.file.push(this.lastSnapshot!.line);
    else if (this.world) this.snapshot();
    this.file.flush();
  }

  private tick(m: Extract<SinkMessage, { op: 'tick' }>): void {
    const file = this.file!, w = this.world, o = this.open!;
    if (w && w !== this.live && this.inSync) {
      stepZone(w, JSON.parse(m.inputs) as SimInput[]);
      if (stateHash(w).hex !== m.hash) {
        this.inSync = false;
        this.needWorld();
      }
    }
    const valid = w !== undefined && this.inSync && w.tick === m.tick;
    const change = valid ? this.logger!.line(this.frame()) : undefined;
    if (change) file.push(change);
    file.push(tickLine(m.tick, m.inputs, m.hash, m.parts));
    this.ticks++;
    this.lastTick = m.tick;
    this.lastHash = m.hash;
    const snap = valid && o.snapshotEvery > 0 && m.tick % o.snapshotEvery === 0;
    if (snap) this.snapshot();
    if (snap || file.pending >= FLUSH_BYTES || this.ticks % FLUSH_TICKS === 0) file.flush();
    // A full segment ends on a snapshot its successor starts from.
    if (o.ring && snap && m.tick - this.start >= o.ring.segmentTicks) {
      this.finish(true);
      this.startFile(true);
      pruneRing(o.ring, m.tick);
    }
  }

  /** The end line (and a last snapshot when the world is at the last tick), then closed. */
  private finish(sync: boolean): void {
    const w = this.world;
    if (w && this.inSync && w.tick === this.lastTick && this.lastSnapshot?.tick !== w.tick && this.ticks > 0) this.snapshot();
    this.file!.push(JSON.stringify({ end: true, ticks: this.ticks, h: this.lastHash }));
    this.file!.close(sync);
  }

  private end(sync: boolean): void {
    if (!this.file || this.file.closed) return;
    this.finish(sync);
  }
}
