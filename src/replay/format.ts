// Replay file format, version 3: JSON Lines, so a recording can be read, diffed and cut with
// ordinary tools; optionally gzip-compressed (a file whose name ends in .gz), written as one
// gzip member per flush so `zcat FILE` shows the same lines and a cut file still decodes.
//
//   line 1       {"format":"mmo-replay","version":3,"rules":2,"seed":S,"zone":{...ZoneConfig},"source":"...",
//                 "tickRate":20,"start":T0,"entities":{"components":[...],"fields":[["Position.x","f32"],...]}}
//   a snapshot   {"snap":T,"b64":"..."}        the whole world after tick T (src/sim/snapshot.ts)
//   a change     {"c":TICK,"e":[[NetId,"+Comp","-Comp",F,V,...]],"x":[NetId...],"n":[[NetId,"name"]],
//                 "w":{"nextNetId":N,"rng":[4],"itemRespawns":[...]}}   (before its tick's line; see below)
//   one a tick   {"t":TICK,"in":[...SimInput],"h":"16 hex digits","p":[7 lane hashes]}
//   last line    {"end":true,"ticks":N,"h":"final hash"}
//
// Ticks run from start + 1 without gaps. With start 0 the world is generated from zone + seed
// (generateZone); otherwise the first line after the header is the snapshot at tick start.
// "in" holds the tick's inputs verbatim in the order they were applied, "h" is stateHash()
// after the step and "p" its lanes in HASH_PARTS order. Snapshots may follow any tick line.
// A file that ends before its end line (the recorder was killed) is truncated: every tick
// whose line is complete still replays. Version 1 files (no snapshots, no start) and
// version 2 files (no change log) still read. "rules" is the simulation's rules the run was
// stepped by (SIM_RULES in src/sim/constants.ts; a file without it was stepped by rules 1): a
// recording replays only under the rules it was made by, and is refused under others.
//
// The change log (version 3, recordings of a world; "entities" in the header names its
// columns): the world after tick T is the world after T - 1, advanced by the rule below, with
// T's change line applied (no line: nothing to apply). The rule: every entity that has Motion,
// has not Dead and whose Motion.active is not 0 moves toward (Motion.tx, Motion.ty) at
// Speed.value u/s for 0.05 s in float32 (motionRule.ts, written out there and never taken
// from the simulation); within 0.1 u or one step of the target it lands on it and
// Motion.active becomes 0. Nothing else changes by the rule. A change line lists, per entity
// (by NetId) that differs from the rule's world: components gained ("+Comp") or lost
// ("-Comp"), then pairs of a field number (its index in header "fields") and the value (float32
// fields in their shortest exact text; non-finite ones as strings). An entity new this tick
// starts from all fields 0 and no components. "x" lists the NetIds gone, "n" names players
// that joined, "w" the world fields that changed. Sessions follow the players: one that
// appears joins (in NetId order), one that goes leaves. So the expected world at any tick is
// the nearest snapshot before it plus the log, and a divergence names the exact field there.

import { HASH_PARTS, type SimInput, type ZoneConfig } from '../sim/index.js';
import type { EntityTable } from './capture.js';

export const REPLAY_FORMAT = 'mmo-replay';
export const REPLAY_VERSION = 3;
export const READABLE_VERSIONS: readonly number[] = [1, 2, 3];

export interface ReplayHeader {
  format: typeof REPLAY_FORMAT;
  version: number;
  /** The simulation's rules the run was stepped by (SIM_RULES). */
  rules: number;
  seed: number;
  zone: ZoneConfig;
  /** What made it: "mmo sim", "mmo zone", a test. */
  source: string;
  /** Ticks per second of the run, for --from/--to in seconds. */
  tickRate: number;
  /** The tick the recording starts after: 0 = a freshly generated zone. */
  start: number;
  /** The change log's columns (version 3 recordings of a world). */
  entities?: EntityTable;
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
  /** Change lines by tick, kept as text until a divergence needs them (version 3). */
  changes?: Map<number, string>;
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
