// Streams a recording to disk: one line a tick, written in chunks of under a second so a crash
// loses at most the chunk in flight. Given the world, it also writes a snapshot at its start,
// every snapshotEvery ticks and at close, so replays can start anywhere, and the change log
// that names what differs at any tick. With offThread (a live zone) the tick thread only turns
// the tick's inputs into JSON and posts them with the hash: lines, snapshots, the change log,
// gzip and writes happen on a recording thread (sink.ts, sinkClient.ts). With `ring`, it is
// the flight recorder's ring of segment files rather than one file.

import { HASH_PARTS, rules, type SimInput, type StateHash, type ZoneConfig, type ZoneWorld } from '../sim/index.js';
import { REPLAY_FORMAT, REPLAY_VERSION } from './format.js';
import { wantsGzip } from './lineFile.js';
import type { RingOptions } from './ring.js';
import { InlineSink, MAX_BACKLOG_SECONDS, ThreadSink, type SinkClient } from './sinkClient.js';

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
  /** Record into a ring of segment files (the flight recorder); the path is then unused. */
  ring?: RingOptions;
  /** Off the thread: how many ticks the recording thread may fall behind before the recording fails (default MAX_BACKLOG_SECONDS of ticks). */
  maxBacklogTicks?: number;
}

export const DEFAULT_SNAPSHOT_EVERY = 200;

export class Recorder {
  private readonly sink: SinkClient;
  readonly start: number;
  private lastTick: number;
  private closed = false;

  constructor(readonly path: string, seed: number, zone: ZoneConfig, source: string, o: RecorderOptions = {}) {
    this.start = this.lastTick = o.world?.tick ?? 0;
    this.sink = o.offThread ? new ThreadSink(o.world, o.maxBacklogTicks ?? MAX_BACKLOG_SECONDS * (o.tickRate ?? 20)) : new InlineSink(o.world);
    this.sink.send({
      op: 'open', path, ring: o.ring, gzip: o.gzip ?? wantsGzip(path), snapshotEvery: o.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
      header: { format: REPLAY_FORMAT, version: REPLAY_VERSION, rules: rules.SIM_RULES, seed: seed >>> 0, zone, source, tickRate: o.tickRate ?? 20 },
    });
    // The file (header and start snapshot) is on disk before the first tick, whichever thread writes it;
    // a recording thread that cannot start says so here, not at the first save.
    this.sink.sync();
  }

  /**
   * Records a tick's inputs and the hash of the state after stepping them. `inputsJson` is
   * JSON.stringify(inputs) when the caller has it already (two recorders of one zone share it):
   * on the tick's thread, that JSON is most of what recording costs.
   */
  record(tick: number, inputs: readonly SimInput[], hash: StateHash, inputsJson = JSON.stringify(inputs)): void {
    if (this.closed) throw new Error(`recorder for ${this.path} is closed`);
    this.lastTick = tick;
    this.sink.send({ op: 'tick', tick, inputs: inputsJson, hash: hash.hex, parts: HASH_PARTS.map((k) => hash.parts[k]) });
  }

  /** The last tick recorded. */
  get tick(): number {
    return this.lastTick;
  }

  /** Returns once everything recorded so far is in the file. */
  flush(): void {
    this.sink.sync();
  }

  /** Ends a recording that failed: its file closed as it is, without the end line (it reads as truncated); never throws. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.abandon();
  }

  /** Writes a final snapshot and the end line (a file without it reads as truncated); sync: fsync it. */
  close(sync = false): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.send({ op: 'end', sync });
    this.sink.close();
  }
}
