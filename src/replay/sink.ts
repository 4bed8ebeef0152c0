// Where a recording's lines are made and written: the change log from each tick's frame,
// snapshot bytes into base64 lines, chunks of a second gzipped and written, files closed,
// fsynced and (for the flight recorder's ring) pruned. The recorder on the tick thread only
// sends it messages; it runs on a recording thread (sinkThread.ts) or, for tools and tests
// that want the file at once, in the caller's thread. Either way it does the same work.

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityTable, Frame } from './capture.js';
import { ChangeLogger } from './changeLog.js';
import { LineFile } from './lineFile.js';

const FLUSH_BYTES = 256 * 1024;
const FLUSH_TICKS = 20;

export type SinkMessage =
  /** A new file: header line, then the start snapshot (bytes, or the last one written when reuse). */
  | { op: 'open'; path: string; gzip: boolean; header: string; tick: number; snapshot?: Uint8Array; reuseSnapshot?: boolean; table?: EntityTable; frame?: Frame }
  /** A tick: its change line (from the frame), its line, and a snapshot after it. */
  | { op: 'tick'; tick: number; line: string; frame?: Frame; snapshot?: Uint8Array }
  /** The file's end: a last snapshot, the end line, closed (fsynced when sync). */
  | { op: 'end'; line: string; tick: number; snapshot?: Uint8Array; sync: boolean }
  /** Drops the ring's oldest segments no longer needed at `tick`. */
  | { op: 'prune'; dir: string; tick: number; keepTicks: number; maxBytes: number }
  | { op: 'flush' };

/** The flight recorder's segment files, oldest first. */
export const SEGMENT = /^seg-(\d{10})\.replay\.gz$/;

export function segmentFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => SEGMENT.test(f)).sort().map((f) => join(dir, f)) : [];
}

function snapshotLine(tick: number, bytes: Uint8Array): string {
  return `{"snap":${tick},"b64":"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"}`;
}

export class RecordingSink {
  /** @param done told of each frame the change log is done with (its bytes may be reused). */
  constructor(private readonly done: (frame: Frame) => void = () => {}) {}

  private file: LineFile | undefined;
  private logger: ChangeLogger | undefined;
  private ticks = 0;
  private lastSnapshot: { tick: number; line: string } | undefined;

  handle(m: SinkMessage): void {
    switch (m.op) {
      case 'open': return this.open(m);
      case 'tick': return this.tick(m);
      case 'end': return this.end(m);
      case 'prune': return prune(m);
      case 'flush': return this.file?.flush();
    }
  }

  private open(m: Extract<SinkMessage, { op: 'open' }>): void {
    this.file = new LineFile(m.path, m.gzip);
    this.ticks = 0;
    this.file.push(m.header);
    if (m.snapshot) this.snapshot(m.tick, m.snapshot);
    else if (m.reuseSnapshot) {
      if (this.lastSnapshot?.tick !== m.tick) throw new Error(`no snapshot of tick ${m.tick} to start ${m.path} with`);
      this.file.push(this.lastSnapshot.line);
    }
    if (m.table) this.logger = new ChangeLogger(m.table, this.done);
    if (m.frame) this.logger?.reset(m.frame);
    this.file.flush();
  }

  private snapshot(tick: number, bytes: Uint8Array): void {
    this.lastSnapshot = { tick, line: snapshotLine(tick, bytes) };
    this.file!.push(this.lastSnapshot.line);
  }

  private tick(m: Extract<SinkMessage, { op: 'tick' }>): void {
    const file = this.file!;
    const change = m.frame && this.logger?.line(m.frame);
    if (change) file.push(change);
    file.push(m.line);
    if (m.snapshot) this.snapshot(m.tick, m.snapshot);
    this.ticks++;
    if (m.snapshot || file.pending >= FLUSH_BYTES || this.ticks % FLUSH_TICKS === 0) file.flush();
  }

  private end(m: Extract<SinkMessage, { op: 'end' }>): void {
    if (m.snapshot) this.snapshot(m.tick, m.snapshot);
    this.file!.push(m.line);
    this.file!.close(m.sync);
    this.file = undefined;
  }
}

/** The ring's pruning: the oldest segments go while the next one still covers keepTicks, or while over maxBytes. */
function prune(m: Extract<SinkMessage, { op: 'prune' }>): void {
  const segs = segmentFiles(m.dir).map((path) => ({ path, start: Number(SEGMENT.exec(path.slice(m.dir.length + 1))![1]) }));
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  let bytes = segs.reduce((n, s) => n + size(s.path), 0);
  while (segs.length > 1 && (m.tick - segs[1].start >= m.keepTicks || bytes > m.maxBytes)) {
    const old = segs.shift()!;
    bytes -= size(old.path);
    rmSync(old.path, { force: true });
  }
}
