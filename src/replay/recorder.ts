// Streams a recording to disk: one line a tick, buffered and written in chunks of a second so
// the tick thread never waits on more than a small write, and a crash loses at most the
// chunk in flight. Given the world, it also writes a snapshot at its start, every
// snapshotEvery ticks and at close, so replays can start anywhere and name what differs.

import { HASH_PARTS, serializeSnapshot, type SimInput, type StateHash, type ZoneConfig, type ZoneWorld } from '../sim/index.js';
import { REPLAY_FORMAT, REPLAY_VERSION, type ReplayHeader } from './format.js';
import { LineFile, wantsGzip } from './lineFile.js';
import { tickLine } from './writer.js';

const FLUSH_BYTES = 256 * 1024;
const FLUSH_TICKS = 20;

export interface RecorderOptions {
  /** The recorded world: enables snapshots (and a recording that starts mid-run). */
  world?: ZoneWorld;
  /** Ticks between snapshots (default 200: 10 s at 20 Hz); 0 = only at start and close. */
  snapshotEvery?: number;
  /** Ticks per second, stored for --from/--to in seconds (default 20). */
  tickRate?: number;
  /** Gzip chunks (default: when the path ends in .gz). */
  gzip?: boolean;
  /** The start snapshot's line when the caller has it already (snapshotLine of the world now). */
  startSnapshot?: string;
}

export const DEFAULT_SNAPSHOT_EVERY = 200;

/** One snapshot line: the world after its current tick. */
export function snapshotLine(world: ZoneWorld): string {
  return `{"snap":${world.tick},"b64":"${Buffer.from(serializeSnapshot(world)).toString('base64')}"}`;
}

export class Recorder {
  private readonly file: LineFile;
  private readonly world: ZoneWorld | undefined;
  private readonly snapshotEvery: number;
  readonly start: number;
  private ticks = 0;
  private lastTick: number;
  private lastHash = '';
  /** The last periodic snapshot written, for a follow-on recording to start from. */
  lastSnapshot: { tick: number; line: string } | undefined;

  constructor(readonly path: string, seed: number, zone: ZoneConfig, source: string, o: RecorderOptions = {}) {
    this.world = o.world;
    this.snapshotEvery = o.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.start = this.lastTick = o.world?.tick ?? 0;
    this.file = new LineFile(path, o.gzip ?? wantsGzip(path));
    const header: ReplayHeader = {
      format: REPLAY_FORMAT, version: REPLAY_VERSION, seed: seed >>> 0, zone, source, tickRate: o.tickRate ?? 20, start: this.start,
    };
    this.file.push(JSON.stringify(header));
    if (this.world) this.file.push(o.startSnapshot ?? snapshotLine(this.world));
    this.file.flush();
  }

  /** Bytes on disk so far. */
  get bytes(): number {
    return this.file.written;
  }

  /** Records a tick's inputs and the hash of the state after stepping them. */
  record(tick: number, inputs: readonly SimInput[], hash: StateHash): void {
    if (this.file.closed) throw new Error(`recorder for ${this.path} is closed`);
    this.ticks++;
    this.lastTick = tick;
    this.lastHash = hash.hex;
    const p = HASH_PARTS.map((k) => hash.parts[k]);
    this.file.push(tickLine(tick, JSON.stringify(inputs), hash.hex, p));
    const snap = this.world !== undefined && this.snapshotEvery > 0 && tick % this.snapshotEvery === 0;
    if (snap) {
      this.lastSnapshot = { tick, line: snapshotLine(this.world!) };
      this.file.push(this.lastSnapshot.line);
    }
    if (snap || this.file.pending >= FLUSH_BYTES || this.ticks % FLUSH_TICKS === 0) this.file.flush();
  }

  /** The last tick recorded. */
  get tick(): number {
    return this.lastTick;
  }

  flush(): void {
    this.file.flush();
  }

  /** Writes a final snapshot and the end line (a file without it reads as truncated). */
  close(sync = false): void {
    if (this.file.closed) return;
    const w = this.world;
    if (w && w.tick === this.lastTick && !(this.snapshotEvery > 0 && w.tick % this.snapshotEvery === 0) && this.ticks > 0) {
      this.file.push(snapshotLine(w));
    }
    this.file.push(JSON.stringify({ end: true, ticks: this.ticks, h: this.lastHash }));
    this.file.close(sync);
  }
}
