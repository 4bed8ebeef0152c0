// Reads a recording back, checking it is ours and well-formed. A file cut short (the recorder
// was killed) is not an error: every tick whose line is complete is kept and the cut is
// described in `truncated`. Anything else wrong is a ReplayFileError naming the line.

import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { ConfigError, rules, validateZoneConfig } from '../sim/index.js';
import {
  PART_COUNT, READABLE_VERSIONS, REPLAY_FORMAT, ReplayFileError, isGzip,
  type Recording, type ReplayHeader, type ReplayTick,
} from './format.js';
import type { EntityTable } from './capture.js';

const HEX16 = /^[0-9a-f]{16}$/;
const NOT_B64 = /[^A-Za-z0-9+/=]/;
const SNAP_HEAD = /^\{"snap":(0|[1-9]\d{0,9}),"b64":"/;

/** Base64 characters, with '=' only as the last one or two. */
function isBase64(s: string): boolean {
  const pad = s.indexOf('=');
  const end = s.length;
  return !NOT_B64.test(s) && (pad < 0 || pad === end - 1 || (pad === end - 2 && s[end - 1] === '='));
}

/**
 * A snapshot line exactly as the recorder writes it, read without JSON.parse (a snapshot of
 * 10,000 entities is a 4 MB string: JSON.parse copies it for ~60 ms); undefined for any other shape.
 */
function snapshotLine(line: string): { snap: number; b64: string } | undefined {
  const head = SNAP_HEAD.exec(line);
  if (!head || !line.endsWith('"}')) return undefined;
  const b64 = line.slice(head[0].length, -2);
  return b64.includes('"') || b64.includes('\\') ? undefined : { snap: Number(head[1]), b64 };
}

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

function checkHeader(head: Record<string, unknown>, path: string): ReplayHeader {
  if (head.format !== REPLAY_FORMAT) throw new ReplayFileError(`${path}: not an ${REPLAY_FORMAT} file`);
  if (!READABLE_VERSIONS.includes(head.version as number)) {
    throw new ReplayFileError(`${path}: replay version ${JSON.stringify(head.version)} is not supported (this build reads ${READABLE_VERSIONS.join(' and ')})`);
  }
  const recordedRules = head.rules ?? 1;
  if (recordedRules !== rules.SIM_RULES) {
    throw new ReplayFileError(`${path}: recorded under the simulation's rules ${JSON.stringify(recordedRules)}; this build steps by rules ` +
      `${rules.SIM_RULES}, so it would not step to the recorded worlds: replay it with a build of its time`);
  }
  const u32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
  if (!u32(head.seed)) throw new ReplayFileError(`${path}: header has no valid seed`);
  const start = head.start ?? 0, tickRate = head.tickRate ?? 20;
  if (!u32(start)) throw new ReplayFileError(`${path}: header has no valid start tick`);
  if (typeof tickRate !== 'number' || !(tickRate >= 1 && tickRate <= 1000)) throw new ReplayFileError(`${path}: header has no valid tickRate`);
  let zone;
  try {
    zone = validateZoneConfig(head.zone);
  } catch (e) {
    if (e instanceof ConfigError) throw new ReplayFileError(`${path}: header zone config: ${e.message}`);
    throw e;
  }
  return {
    format: REPLAY_FORMAT, version: head.version as number, rules: rules.SIM_RULES, seed: head.seed as number, zone,
    source: String(head.source ?? ''), tickRate, start: start as number,
    ...(head.entities !== undefined ? { entities: checkEntities(head.entities, path) } : {}),
  };
}

/** The change log's column table: component names and [field, number type] pairs. */
function checkEntities(v: unknown, path: string): EntityTable {
  const t = v as EntityTable | null;
  const types = ['f32', 'u32', 'i32', 'u16', 'u8'];
  const ok = !!t && Array.isArray(t.components) && t.components.every((c) => typeof c === 'string') && Array.isArray(t.fields) &&
    t.fields.every((f) => Array.isArray(f) && typeof f[0] === 'string' && types.includes(f[1]));
  if (!ok) throw new ReplayFileError(`${path}: header has no valid entities table`);
  return { components: t.components, fields: t.fields };
}

/** Parses a recording's text; throws ReplayFileError naming what is wrong (a cut is not). */
export function parseRecording(text: string, path = 'recording'): Recording {
  const lastNl = text.lastIndexOf('\n');
  if (lastNl < 0) {
    throw new ReplayFileError(text.length === 0 ? `${path}: empty file` : `${path}: truncated before its header ended: nothing to replay`);
  }
  const lines = text.slice(0, lastNl).split('\n');
  const header = checkHeader(parseLine(lines[0], 1, path), path);
  const rec: Recording = { header, ticks: [], snapshots: new Map(), ...(header.entities ? { changes: new Map() } : {}) };
  let tick = header.start;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('{"c":')) {
      // Kept as text (parsed only where a divergence needs the expected world); it precedes its tick's line.
      if (!rec.changes || Number(line.slice(5, line.search(/[,}]/))) !== tick + 1) {
        throw new ReplayFileError(`${path}:${i + 1}: a change line that is not of tick ${tick + 1}`);
      }
      rec.changes.set(tick + 1, line);
      continue;
    }
    if (line.startsWith('{"snap":')) {
      const o = snapshotLine(line) ?? parseLine(line, i + 1, path);
      if (o.snap !== tick || typeof o.b64 !== 'string' || !isBase64(o.b64)) {
        throw new ReplayFileError(`${path}:${i + 1}: a snapshot that is not of tick ${tick}`);
      }
      rec.snapshots.set(tick, o.b64);
      continue;
    }
    const o = parseLine(line, i + 1, path);
    if (o.end === true) {
      if (i !== lines.length - 1 || lastNl !== text.length - 1) throw new ReplayFileError(`${path}:${i + 1}: data after the end record`);
      if (o.ticks !== rec.ticks.length) throw new ReplayFileError(`${path}: end record counts ${JSON.stringify(o.ticks)} ticks, file has ${rec.ticks.length}`);
      rec.end = { end: true, ticks: rec.ticks.length, h: String(o.h ?? '') };
      return checkStart(rec, path);
    }
    rec.ticks.push(checkTick(o, ++tick, i + 1, path));
  }
  rec.truncated = { lastTick: tick, completeBytes: lastNl + 1, partialBytes: text.length - lastNl - 1 };
  return checkStart(rec, path);
}

/** A recording that starts mid-run needs the snapshot it starts from, once it has any tick. */
function checkStart(rec: Recording, path: string): Recording {
  const start = rec.header.start;
  if (start > 0 && rec.ticks.length > 0 && !rec.snapshots.has(start)) {
    throw new ReplayFileError(`${path}: starts at tick ${start} but has no snapshot of it`);
  }
  return rec;
}

/** The text of a recording's bytes: gzip (whole or cut short) or plain. */
export function decodeRecording(bytes: Uint8Array, path = 'recording'): string {
  if (!isGzip(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    // A sync flush at the end decodes a cut file up to the cut instead of failing.
    return gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch (e) {
    throw new ReplayFileError(`${path}: damaged gzip data (${(e as Error).message})`);
  }
}

export function readRecording(path: string): Recording {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReplayFileError(`${path}: cannot read (${code ?? (e as Error).message})`);
  }
  return parseRecording(decodeRecording(bytes, path), path);
}
