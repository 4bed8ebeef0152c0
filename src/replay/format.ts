// Replay file format, version 2: JSON Lines, so a recording can be read, diffed and cut with
// ordinary tools; optionally gzip-compressed (a file whose name ends in .gz), written as one
// gzip member per flush so `zcat FILE` shows the same lines and a cut file still decodes.
//
//   line 1       {"format":"mmo-replay","version":2,"seed":S,"zone":{...ZoneConfig},"source":"...",
//                 "tickRate":20,"start":T0}
//   a snapshot   {"snap":T,"b64":"..."}        the whole world after tick T (src/sim/snapshot.ts)
//   one a tick   {"t":TICK,"in":[...SimInput],"h":"16 hex digits","p":[7 lane hashes]}
//   last line    {"end":true,"ticks":N,"h":"final hash"}
//
// Ticks run from start + 1 without gaps. With start 0 the world is generated from zone + seed
// (generateZone); otherwise the first line after the header is the snapshot at tick start.
// "in" holds the tick's inputs verbatim in the order they were applied, "h" is stateHash()
// after the step and "p" its lanes in HASH_PARTS order. Snapshots may follow any tick line.
// A file that ends before its end line (the recorder was killed) is truncated: every tick
// whose line is complete still replays. Version 1 files (no snapshots, no start) still read.

import { HASH_PARTS, type SimInput, type ZoneConfig } from '../sim/index.js';

export const REPLAY_FORMAT = 'mmo-replay';
export const REPLAY_VERSION = 2;
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface ReplayHeader {
  format: typeof REPLAY_FORMAT;
  version: number;
  seed: number;
  zone: ZoneConfig;
  /** What made it: "mmo sim", "mmo zone", a test. */
  source: string;
  /** Ticks per second of the run, for --from/--to in seconds. */
  tickRate: number;
  /** The tick the recording starts after: 0 = a freshly generated zone. */
  start: number;
}

export interface ReplayTick {
  t: number;
  in: SimInput[];
  h: string;
  p: number[];
}

export interface ReplayEnd {
  end: true;
  ticks: number;
  h: string;
}

/** Where a recording without its end line stops. */
export interface Truncation {
  /** The last tick whose line is complete (start when there is none). */
  lastTick: number;
  /** Bytes of the decoded text that form complete lines; what follows is cut off. */
  completeBytes: number;
  /** Bytes of an incomplete last line (0 when the cut fell on a line end). */
  partialBytes: number;
}

export interface Recording {
  header: ReplayHeader;
  ticks: ReplayTick[];
  /** World snapshots by the tick they were taken after, base64 (decoded when used). */
  snapshots: Map<number, string>;
  /** Absent when the file is truncated. */
  end?: ReplayEnd;
  truncated?: Truncation;
}

/** A file that is missing, foreign or malformed (other than cut short). */
export class ReplayFileError extends Error {
  override name = 'ReplayFileError';
}

export const PART_COUNT = HASH_PARTS.length;

/** Gzip's magic bytes: a compressed recording. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
