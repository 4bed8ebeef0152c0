// The flight recorder's ring on disk: segment files named by the tick they start after
// (DIR/seg-0000001200.replay.gz), the oldest dropped once the rest still cover what is kept.

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface RingOptions {
  dir: string;
  /** Ticks a segment covers (whole snapshot intervals). */
  segmentTicks: number;
  /** Ticks to keep. */
  keepTicks: number;
  /** Most bytes the ring may take. */
  maxBytes: number;
}

const SEGMENT = /^seg-(\d{10})\.replay\.gz$/;

export function segmentPath(dir: string, start: number): string {
  return join(dir, `seg-${String(start).padStart(10, '0')}.replay.gz`);
}

/** The ring's segment files in DIR, oldest first. */
export function segmentFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => SEGMENT.test(f)).sort().map((f) => join(dir, f)) : [];
}

/** Drops the oldest segments while the next one still covers keepTicks back from `tick`, or while over maxBytes. */
export function pruneRing(o: RingOptions, tick: number): void {
  // By the file's own name: join() normalises the directory (./flight becomes flight).
  const segs = segmentFiles(o.dir).map((path) => ({ path, start: Number(SEGMENT.exec(basename(path))![1]) }));
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  let bytes = segs.reduce((n, s) => n + size(s.path), 0);
  while (segs.length > 1 && (tick - segs[1].start >= o.keepTicks || bytes > o.maxBytes)) {
    const old = segs.shift()!;
    bytes -= size(old.path);
    rmSync(old.path, { force: true });
  }
}
