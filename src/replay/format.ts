// Replay file format, version 1: JSON Lines, so a recording can be read, diffed and cut with
// ordinary tools.
//
//   line 1      {"format":"mmo-replay","version":1,"seed":S,"zone":{...ZoneConfig},"source":"..."}
//   one a tick  {"t":TICK,"in":[...SimInput],"h":"16 hex digits","p":[7 lane hashes]}
//   last line   {"end":true,"ticks":N,"h":"final hash"}
//
// The world is regenerated from zone + seed (generateZone), ticks run from 1 without gaps,
// "in" holds the tick's inputs verbatim in the order they were applied, "h" is stateHash()
// after the step and "p" its lanes in HASH_PARTS order. A file without the end line is
// truncated (the recorder died before closing it).

import { HASH_PARTS, type SimInput, type ZoneConfig } from '../sim/index.js';

export const REPLAY_FORMAT = 'mmo-replay';
export const REPLAY_VERSION = 1;

export interface ReplayHeader {
  format: typeof REPLAY_FORMAT;
  version: typeof REPLAY_VERSION;
  seed: number;
  zone: ZoneConfig;
  /** What made it: "mmo sim", "mmo zone", a test. */
  source: string;
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

export interface Recording {
  header: ReplayHeader;
  ticks: ReplayTick[];
  end: ReplayEnd;
}

/** A file that is missing, truncated, foreign or malformed. */
export class ReplayFileError extends Error {
  override name = 'ReplayFileError';
}

export const PART_COUNT = HASH_PARTS.length;
