// Reads a recording back, checking it is whole and ours, and re-runs it tick by tick,
// comparing every state hash. The first mismatch is reported with the hash lanes that differ.

import { readFileSync } from 'node:fs';
import {
  ConfigError, HASH_PARTS, generateZone, stateHash, stepZone, validateZoneConfig, type HashPart,
} from '../sim/index.js';
import { PART_COUNT, REPLAY_FORMAT, REPLAY_VERSION, ReplayFileError, type Recording, type ReplayTick } from './format.js';

const HEX16 = /^[0-9a-f]{16}$/;

function parseLine(line: string, lineNo: number, path: string): Record<string, unknown> {
  try {
    const v = JSON.parse(line) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ReplayFileError(`${path}:${lineNo}: not a JSON object (file damaged or not a replay)`);
}

function checkTick(o: Record<string, unknown>, expectTick: number, lineNo: number, path: string): ReplayTick {
  const where = `${path}:${lineNo}`;
  if (o.t !== expectTick) throw new ReplayFileError(`${where}: expected tick ${expectTick}, found ${JSON.stringify(o.t)}`);
  if (!Array.isArray(o.in)) throw new ReplayFileError(`${where}: tick ${expectTick} has no input list`);
  if (typeof o.h !== 'string' || !HEX16.test(o.h)) throw new ReplayFileError(`${where}: tick ${expectTick} has no valid hash`);
  const p = o.p;
  if (!Array.isArray(p) || p.length !== PART_COUNT || !p.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    throw new ReplayFileError(`${where}: tick ${expectTick} has no valid hash lanes`);
  }
  return o as unknown as ReplayTick;
}

/** Parses and checks a whole recording; throws ReplayFileError naming what is wrong. */
export function parseRecording(text: string, path = 'recording'): Recording {
  if (text.length === 0) throw new ReplayFileError(`${path}: empty file`);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else throw new ReplayFileError(`${path}: truncated: the last line is incomplete`);
  const head = parseLine(lines[0], 1, path);
  if (head.format !== REPLAY_FORMAT) throw new ReplayFileError(`${path}: not an ${REPLAY_FORMAT} file`);
  if (head.version !== REPLAY_VERSION) {
    throw new ReplayFileError(`${path}: replay version ${JSON.stringify(head.version)} is not supported (this build reads ${REPLAY_VERSION})`);
  }
  if (!Number.isInteger(head.seed) || (head.seed as number) < 0 || (head.seed as number) > 0xffffffff) {
    throw new ReplayFileError(`${path}: header has no valid seed`);
  }
  let zone;
  try {
    zone = validateZoneConfig(head.zone);
  } catch (e) {
    if (e instanceof ConfigError) throw new ReplayFileError(`${path}: header zone config: ${e.message}`);
    throw e;
  }
  const ticks: ReplayTick[] = [];
  for (let i = 1; i < lines.length; i++) {
    const o = parseLine(lines[i], i + 1, path);
    if (o.end === true) {
      if (i !== lines.length - 1) throw new ReplayFileError(`${path}:${i + 1}: data after the end record`);
      if (o.ticks !== ticks.length) throw new ReplayFileError(`${path}: end record counts ${JSON.stringify(o.ticks)} ticks, file has ${ticks.length}`);
      return {
        header: { format: REPLAY_FORMAT, version: REPLAY_VERSION, seed: head.seed as number, zone, source: String(head.source ?? '') },
        ticks,
        end: { end: true, ticks: ticks.length, h: String(o.h ?? '') },
      };
    }
    ticks.push(checkTick(o, ticks.length + 1, i + 1, path));
  }
  throw new ReplayFileError(`${path}: truncated: no end record after ${ticks.length} ticks (the recorder did not close it)`);
}

export function readRecording(path: string): Recording {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReplayFileError(`${path}: cannot read (${code ?? (e as Error).message})`);
  }
  return parseRecording(text, path);
}

export interface Divergence {
  tick: number;
  expected: string;
  actual: string;
  /** The hash lanes that differ: which part of the state went another way. */
  parts: HashPart[];
  inputs: number;
}

export interface ReplayResult {
  ticks: number;
  finalHash: string;
  divergence?: Divergence;
}

/** Re-runs a recording; stops at the first tick whose state hash differs. */
export function replay(rec: Recording): ReplayResult {
  const world = generateZone(rec.header.zone, rec.header.seed);
  let finalHash = '';
  for (const tick of rec.ticks) {
    stepZone(world, tick.in);
    const h = stateHash(world);
    finalHash = h.hex;
    if (h.hex !== tick.h) {
      const parts = HASH_PARTS.filter((p, i) => h.parts[p] !== tick.p[i]);
      return { ticks: tick.t, finalHash, divergence: { tick: tick.t, expected: tick.h, actual: h.hex, parts, inputs: tick.in.length } };
    }
  }
  return { ticks: rec.ticks.length, finalHash };
}
