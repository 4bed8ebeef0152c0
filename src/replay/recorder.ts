// Streams a recording to disk: one line a tick, written in chunks of a second so a crash loses
// at most the chunk in flight. Given the world, it also writes a snapshot at its start, every
// snapshotEvery ticks and at close, so replays can start anywhere, and the change log that
// names what differs at any tick. On the tick thread it only builds the tick's line and copies
// bytes (the world's columns, a snapshot when one is due); making lines, base64, gzip and
// writes happen in its sink, on a recording thread when offThread (sinkClient.ts).

import { HASH_PARTS, serializeSnapshot, type SimInput, type StateHash, type ZoneConfig, type ZoneWorld } from '../sim/index.js';
import { FrameCapture, type Frame } from './capture.js';
import { REPLAY_FORMAT, REPLAY_VERSION, type ReplayHeader } from './format.js';
import { wantsGzip } from './lineFile.js';
import { InlineSink, ThreadSink, type SinkClient } from './sinkClient.js';
import { tickLine } from './writer.js';

export interface RecorderOptions {
  /** The recorded world: enables snapshots, the change log (and a recording that starts mid-run). */
  world?: ZoneWorld;
  /** Ticks between snapshots (default 200: 10 s at 20 Hz); 0 = only at start and close. */
  snapshotEvery?: number;
  /** Ticks per second, stored for --from/--to in seconds (default 20). */
  tickRate?: number;
  /** Gzip chunks (default: when the path ends in .gz). */
  gzip?: boolean;
  /** Make and write the lines on a recording thread (a live zone), not in this one. */
  offThread?: boolean;
  /** A sink shared with other recorders (the flight recorder's segments); the recorder does not close it. */
  sink?: SinkClient;
  /** A capture of this world shared with other recorders. */
  capture?: FrameCapture;
  /** Start from the sink's last snapshot (of this very tick) instead of taking a new one. */
  reuseSnapshot?: boolean;
}

export const DEFAULT_SNAPSHOT_EVERY = 200;

export class Recorder {
  private readonly sink: SinkClient;
  private readonly ownSink: boolean;
  private readonly world: ZoneWorld | undefined;
  private readonly capture: FrameCapture | undefined;
  private readonly snapshotEvery: number;
  readonly start: number;
  private ticks = 0;
  private lastTick: number;
  private lastHash = '';
  private closed = false;
  /** The tick of the last periodic snapshot written (-1: none yet). */
  lastSnapshotTick = -1;

  constructor(readonly path: string, seed: number, zone: ZoneConfig, source: string, o: RecorderOptions = {}) {
    this.world = o.world;
    this.snapshotEvery = o.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.start = this.lastTick = o.world?.tick ?? 0;
    this.ownSink = o.sink === undefined;
    this.capture = o.world ? (o.capture ?? new FrameCapture(o.world)) : undefined;
    this.sink = o.sink ?? (o.offThread ? new ThreadSink() : new InlineSink());
    const header: ReplayHeader = {
      format: REPLAY_FORMAT, version: REPLAY_VERSION, seed: seed >>> 0, zone, source, tickRate: o.tickRate ?? 20, start: this.start,
      ...(this.capture ? { entities: this.capture.table } : {}),
    };
    const w = this.world;
    this.sink.send({
      op: 'open', path, gzip: o.gzip ?? wantsGzip(path), header: JSON.stringify(header), tick: this.start,
      ...(w && !o.reuseSnapshot ? { snapshot: serializeSnapshot(w) } : {}), reuseSnapshot: o.reuseSnapshot,
      ...(this.capture ? { table: this.capture.table, frame: this.frame() } : {}),
    });
  }

  /** Records a tick's inputs and the hash of the state after stepping them. */
  record(tick: number, inputs: readonly SimInput[], hash: StateHash): void {
    if (this.closed) throw new Error(`recorder for ${this.path} is closed`);
    this.ticks++;
    this.lastTick = tick;
    this.lastHash = hash.hex;
    const p = HASH_PARTS.map((k) => hash.parts[k]);
    const snap = this.world !== undefined && this.snapshotEvery > 0 && tick % this.snapshotEvery === 0;
    if (snap) this.lastSnapshotTick = tick;
    this.sink.send({
      op: 'tick', tick, line: tickLine(tick, JSON.stringify(inputs), hash.hex, p),
      ...(this.capture ? { frame: this.frame() } : {}),
      ...(snap ? { snapshot: serializeSnapshot(this.world!) } : {}),
    });
  }

  /** The world's columns now, copied where the sink wants them. */
  private frame(): Frame {
    const c = this.capture!;
    return c.capture(this.sink.frameTarget(c.size()));
  }

  /** The last tick recorded. */
  get tick(): number {
    return this.lastTick;
  }

  /** Returns once everything recorded so far is in the file. */
  flush(): void {
    this.sink.sync();
  }

  /** Writes a final snapshot and the end line (a file without it reads as truncated); sync: fsync it. */
  close(sync = false): void {
    if (this.closed) return;
    this.closed = true;
    const w = this.world;
    const last = w && w.tick === this.lastTick && this.lastSnapshotTick !== w.tick && this.ticks > 0;
    this.sink.send({
      op: 'end', tick: this.lastTick, sync, line: JSON.stringify({ end: true, ticks: this.ticks, h: this.lastHash }),
      ...(last ? { snapshot: serializeSnapshot(w) } : {}),
    });
    if (this.ownSink) this.sink.close();
  }
}
