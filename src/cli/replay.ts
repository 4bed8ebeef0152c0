// `mmo replay FILE [--from T] [--to T] [--json] [--workers N] [--check-every N] [--convert OUT]`: exit 0 when
// every tick matches, 1 at the first divergence, 2 when the file is missing, damaged or not a
// recording, 3 when it was cut short and every complete tick in it matched.
// Imports only the replay's reader and replayer and the sim (not the recorders), so the command starts fast.

import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ReplayFileError, type Recording } from '../replay/format.js';
import { replayParallel } from '../replay/parallel.js';
import { decodeRecording, parseRecording } from '../replay/reader.js';
import { lastTickOf, type Divergence } from '../replay/replayer.js';

export const EXIT = { ok: 0, diverged: 1, badFile: 2, truncated: 3 } as const;

export interface ReplayCommandOptions {
  json?: boolean;
  /** Ticks, or seconds with an "s" suffix. */
  from?: string;
  to?: string;
  workers?: number;
  /** Ticks between whole state hashes (ReplaySession's checkEvery). */
  checkEvery?: number;
  /** Write the recording here (gzip when it ends in .gz, JSON Lines otherwise) instead of replaying. */
  convert?: string;
}

/** A tick from "1200" or "60s" (seconds at the recording's tick rate). */
function parseTick(v: string, rec: Recording, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(s?)$/.exec(v.trim());
  if (!m) throw new ReplayFileError(`--${what} must be a tick or seconds like 90s, got ${JSON.stringify(v)}`);
  return m[2] ? Math.round(Number(m[1]) * rec.header.tickRate) : Math.floor(Number(m[1]));
}

function describe(d: Divergence, of: number): string[] {
  const lanes = d.parts.length ? `differs in ${d.parts.join(', ')}` : 'the world differs from the file\'s snapshot';
  const out = [`DIVERGED at tick ${d.tick} of ${of}: expected ${d.expected}, got ${d.actual}; ${lanes} (${d.inputs.length} inputs that tick)`];
  const shown = d.inputs.slice(0, 8).map((i) => JSON.stringify(i));
  out.push(`  inputs of tick ${d.tick}: ${shown.length ? shown.join(' ') : 'none'}${d.inputs.length > 8 ? ` ... ${d.inputs.length - 8} more` : ''}`);
  if (d.detail) {
    const { atTick, basis, diffs, total } = d.detail;
    const against = basis === 'changes' ? `the file's world at tick ${atTick} (snapshot and change log)` : `the file's snapshot of tick ${atTick}`;
    out.push(`  compared with ${against}: ${total} field${total === 1 ? '' : 's'} differ${total === 1 ? 's' : ''}`);
    for (const f of diffs.slice(0, 10)) {
      const who = f.kind === 'world' ? 'world' : `${f.kind} NetId ${f.netId}`;
      out.push(`    ${who} ${f.component}.${f.field}: expected ${JSON.stringify(f.expected)}, actual ${JSON.stringify(f.actual)}`);
    }
  }
  if (d.note) out.push(`  (${d.note})`);
  return out;
}

function convert(text: string, rec: Recording, out: string, print: (line: string) => void): number {
  const body = rec.truncated ? text.slice(0, rec.truncated.completeBytes) : text;
  writeFileSync(out, out.endsWith('.gz') ? gzipSync(body) : body);
  print(`wrote ${out}: ${rec.ticks.length} ticks, ${rec.snapshots.size} snapshots${rec.truncated ? ' (truncated, as the source)' : ''}`);
  return EXIT.ok;
}

export async function runReplayCommand(file: string, o: ReplayCommandOptions, print: (line: string) => void): Promise<number> {
  let rec: Recording, text: string, from: number | undefined, to: number | undefined;
  const fail = (message: string) => {
    print(o.json ? JSON.stringify({ ok: false, error: message }) : `error: ${message}`);
    return EXIT.badFile;
  };
  try {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      return fail(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    text = decodeRecording(bytes, file);
    rec = parseRecording(text, file);
    if (o.convert) return convert(text, rec, o.convert, print);
    from = o.from === undefined ? undefined : parseTick(o.from, rec, 'from');
    to = o.to === undefined ? undefined : parseTick(o.to, rec, 'to');
  } catch (e) {
    if (!(e instanceof ReplayFileError)) throw e;
    return fail(e.message);
  }
  const last = lastTickOf(rec);
  let result;
  try {
    result = await replayParallel(rec, { from, to, workers: o.workers, checkEvery: o.checkEvery });
  } catch (e) {
    if (!(e instanceof ReplayFileError)) throw e;
    return fail(`${file}: ${e.message}`);
  }
  const d = result.divergence, cut = result.truncated;
  if (o.json) {
    print(JSON.stringify({ ok: !d && !cut, recordedTicks: rec.ticks.length, lastRecordedTick: last, ...result, hash: result.finalHash }));
  } else if (d) {
    for (const line of describe(d, last)) print(line);
  } else if (cut) {
    print(`truncated: ${result.ticks} ticks replayed (${result.startTick + 1}..${result.lastTick}), every state hash matches; ` +
      `the file ends after tick ${cut.lastTick}${cut.partialBytes ? `, a cut line of ${cut.partialBytes} bytes dropped` : ''} (no end record)`);
  } else {
    const snaps = result.snapshotsChecked ? `, ${result.snapshotsChecked} snapshots match` : '';
    print(`ok: ${result.ticks} ticks replayed (${result.startTick + 1}..${result.lastTick}), every state hash matches${snaps}; final ${result.finalHash}`);
  }
  return d ? EXIT.diverged : cut ? EXIT.truncated : EXIT.ok;
}
