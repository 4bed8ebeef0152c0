// Replay-file fuzz: 1,500 recordings derived from a real one (recorded here with Recorder on
// a small generated zone and a scripted scenario): truncated, bit-flipped, lines dropped,
// duplicated or swapped, single JSON values retyped or blown up (headers, zone configs,
// ticks, hashes, lanes, inputs), deeply nested, huge, and plain random text. Each comes from
// a PRNG seeded by (FUZZ_SEED, case number).
//
// The recording carries world snapshots, so those get damaged too. parseRecording must return
// or throw ReplayFileError (never another error, never slowly); replay() of every accepted one
// must report ok, a divergence or a cut file, or throw ReplayFileError (a damaged snapshot is
// found when it is used), never anything else; a few go through the real CLI (`mmo replay
// FILE`), which must exit 0, 1, 2 or 3 with no stack trace.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder, ReplayFileError, parseRecording, readRecording, replay } from '../../src/replay/index.js';
import { Rng, Scenario, generateZone, stateHash, stepZone, zoneForEntities } from '../../src/sim/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20241124) >>> 0;
const CASES = 1500;
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(path: string, ticks: number, seed: number): void {
  const world = generateZone(zoneForEntities(160, { npcs: 110, items: 10 }), seed);
  const scenario = new Scenario(world, { players: 40, seed, attackChance: 0.3, pickupChance: 0.2, churnChance: 0.02 });
  const rec = new Recorder(path, seed, world.config, 'fuzz', { world, snapshotEvery: 15 });
  for (let t = 0; t < ticks; t++) {
    const inputs = scenario.next();
    stepZone(world, inputs);
    rec.record(world.tick, inputs, stateHash(world));
  }
  rec.close();
}

const good = join(dir, 'good.replay');
record(good, 30, 7);
const TEXT = readFileSync(good, 'utf8');
const LINES = TEXT.split('\n').slice(0, -1);
const TICK_LINES = LINES.flatMap((l, i) => (l.startsWith('{"t":') ? [i] : []));

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

function weird(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 8 : 10)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return pick(r, [0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 4294967296, 65536, 1e6, -0]);
    case 3: return pick(r, ['', 'x', '0123456789abcdef', 'ffffffffffffffff', '\u0000', '🙂'.repeat(100), '__proto__']);
    case 4: return r.range(-1e7, 1e7);
    case 5: return 'y'.repeat(r.int(2) ? 10 : 100_000);
    case 6: return r.int(1000);
    case 7: return pick(r, ['move', 'join', 'attack', 'useItem', 'chat', 'leave', 'recall', 'nope']);
    case 8: return [weird(r, depth + 1), weird(r, depth + 1)];
    default: return { type: weird(r, depth + 1), session: weird(r, depth + 1), x: weird(r, depth + 1) };
  }
}

/** Replaces one value somewhere inside a parsed JSON value (in place; returns the root). */
function mutateValue(r: Rng, root: unknown): unknown {
  if (root === null || typeof root !== 'object') return weird(r);
  let node = root as Record<string, unknown> | unknown[];
  for (let depth = 0; depth < 6; depth++) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0 || r.int(4) === 0) {
      // add or delete here
      if (Array.isArray(node)) {
        if (r.int(2) && node.length) node.splice(r.int(node.length), 1);
        else node.push(weird(r));
      } else if (r.int(2) && keys.length) delete node[pick(r, keys as string[])];
      else node[pick(r, ['extra', 't', 'in', 'h', 'p', 'end', 'ticks', 'seed', 'zone', 'format', 'version', 'npcs', 'bounds', '__proto__'])] = weird(r);
      return root;
    }
    const k: string | number = pick<string | number>(r, keys);
    const child = (node as Record<string | number, unknown>)[k];
    if (child !== null && typeof child === 'object' && r.int(3) !== 0) {
      node = child as Record<string, unknown> | unknown[];
      continue;
    }
    (node as Record<string | number, unknown>)[k] = weird(r);
    return root;
  }
  return root;
}

function mutateRecording(r: Rng): { how: string; text: string } {
  const lines = [...LINES];
  const u = r.int(100);
  const join = (ls: string[]) => `${ls.join('\n')}\n`;
  if (u < 10) return { how: 'truncated', text: TEXT.slice(0, r.int(TEXT.length)) };
  if (u < 20) {
    const chars = [...TEXT];
    const n = 1 + r.int(5);
    for (let i = 0; i < n; i++) chars[r.int(chars.length)] = String.fromCharCode(r.int(r.int(4) === 0 ? 0x10000 : 128));
    return { how: 'flipped', text: chars.join('') };
  }
  if (u < 27) {
    const i = r.int(lines.length);
    const op = r.int(3);
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[i]);
    else {
      const j = r.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    return { how: ['dropLine', 'dupLine', 'swapLines'][op], text: join(lines) };
  }
  if (u < 80) {
    // One structural mutation of one line: the header (a third of the time), a tick or the end.
    const i = r.int(3) === 0 ? 0 : r.int(lines.length);
    const v = JSON.parse(lines[i]) as unknown;
    const n = 1 + r.int(2);
    let out = v;
    for (let k = 0; k < n; k++) out = mutateValue(r, out);
    lines[i] = JSON.stringify(out) ?? 'null';
    return { how: i === 0 ? 'header' : i === lines.length - 1 ? 'endLine' : 'tickLine', text: join(lines) };
  }
  if (u < 85) {
    // Retyped inputs only: past parseRecording's shape checks, straight into the simulation.
    const i = pick(r, TICK_LINES);
    const o = JSON.parse(lines[i]) as { in: unknown[] };
    o.in = Array.from({ length: 1 + r.int(6) }, () => (r.int(2) && o.in.length ? mutateValue(r, structuredClone(pick(r, o.in))) : weird(r)));
    lines[i] = JSON.stringify(o);
    return { how: 'inputs', text: join(lines) };
  }
  if (u < 88) {
    const d = 1000 + r.int(200_000);
    return { how: 'deep', text: `${'['.repeat(d)}${']'.repeat(d)}\n` };
  }
  if (u < 91) return { how: 'hugeLine', text: `${LINES[0]}\n{"t":1,"in":[${'0,'.repeat(200_000)}0],"h":"0000000000000000","p":[0,0,0,0,0,0,0]}\n` };
  if (u < 96) {
    let s = '';
    const n = r.int(2000);
    for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(r.int(3) === 0 ? 0xffff : 128));
    return { how: 'random', text: s };
  }
  return { how: 'empty', text: pick(r, ['', '\n', '\n\n', '{}\n', 'null\n']) };
}

describe(`replay-file fuzz (FUZZ_SEED=${SEED})`, () => {
  it('parseRecording returns or throws ReplayFileError; replay of accepted files never throws', () => {
    const base = replay(readRecording(good));
    expect(base.divergence).toBeUndefined();

    const outcome: Record<string, Record<string, number>> = {};
    const wrong: string[] = [];
    let n = 0, accepted = 0, diverged = 0, maxParseMs = 0, maxReplayMs = 0; // (times reported, not asserted)
    const started = Date.now();
    for (let i = 0; i < CASES; i++, n++) { // to a count, however long a busy machine takes
      const r = new Rng((SEED ^ Math.imul(i + 1, 0x27d4eb2d)) >>> 0);
      const { how, text } = mutateRecording(r);
      const t0 = performance.now();
      let rec;
      let result = 'accepted';
      try {
        rec = parseRecording(text, `case${i}`);
      } catch (e) {
        result = e instanceof ReplayFileError ? 'refused' : 'WRONG';
        if (!(e instanceof ReplayFileError)) wrong.push(`#${i} ${how}: parse threw ${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 200)}`);
      }
      maxParseMs = Math.max(maxParseMs, performance.now() - t0);
      if (rec) {
        accepted++;
        const t1 = performance.now();
        try {
          const res = replay(rec);
          if (res.divergence) {
            diverged++;
            result = 'diverged';
            expect(res.divergence.tick).toBeGreaterThanOrEqual(1);
          } else result = res.truncated ? 'cut' : 'ok';
        } catch (e) {
          result = e instanceof ReplayFileError ? 'refusedLate' : 'WRONG';
          if (!(e instanceof ReplayFileError)) wrong.push(`#${i} ${how}: replay threw ${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 200)}`);
        }
        maxReplayMs = Math.max(maxReplayMs, performance.now() - t1);
      }
      (outcome[how] ??= {})[result] = ((outcome[how] ??= {})[result] ?? 0) + 1;
    }
    console.log(`replay fuzz: ${n} cases in ${Date.now() - started} ms; ${accepted} accepted (${diverged} diverged); ` +
      `max parse ${maxParseMs.toFixed(1)} ms, max replay ${maxReplayMs.toFixed(1)} ms; ${JSON.stringify(outcome)}`);
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(n).toBe(CASES);
    expect(accepted).toBeGreaterThan(0);
    expect(diverged).toBeGreaterThan(0);
  }, 600_000);

  it('the real CLI answers 0, 1, 2 or 3 with no stack trace', async () => {
    const r = new Rng(SEED);
    const files: { name: string; path: string; expect?: number }[] = [
      { name: 'good', path: good, expect: 0 },
      { name: 'missing', path: join(dir, 'does-not-exist.replay'), expect: 2 },
    ];
    const lines = [...LINES];
    const i5 = lines.findIndex((l) => l.startsWith('{"t":5,'));
    const t = JSON.parse(lines[i5]) as { h: string };
    t.h = t.h === '0000000000000000' ? '0000000000000001' : '0000000000000000';
    lines[i5] = JSON.stringify(t);
    writeFileSync(join(dir, 'diverged.replay'), `${lines.join('\n')}\n`);
    files.push({ name: 'diverged', path: join(dir, 'diverged.replay'), expect: 1 });
    writeFileSync(join(dir, 'truncated.replay'), TEXT.slice(0, TEXT.length - 10));
    files.push({ name: 'truncated', path: join(dir, 'truncated.replay'), expect: 3 });
    for (let i = 0; i < 4; i++) {
      const m = mutateRecording(r);
      const p = join(dir, `mut${i}.replay`);
      writeFileSync(p, m.text);
      files.push({ name: `mut${i}-${m.how}`, path: p });
    }
    const run = (file: string) => new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
      const child = spawn(process.execPath, [join(ROOT, 'src/cli/mmo.js'), 'replay', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(() => { if (child.pid) process.kill(child.pid, 'SIGKILL'); fail(new Error(`mmo replay ${file}: timed out`)); }, 120_000); // a hang guard, generous for a loaded machine
      child.on('close', (code) => { clearTimeout(timer); done({ code, out, err }); });
    });
    const results = await Promise.all(files.map((f) => run(f.path)));
    for (const [i, f] of files.entries()) {
      const { code, out, err } = results[i];
      const text = (out + err).trim();
      expect([0, 1, 2, 3], `${f.name}: ${text}`).toContain(code);
      if (f.expect !== undefined) expect(code, `${f.name}: ${text}`).toBe(f.expect);
      if (code !== 1) expect(text.split('\n'), `${f.name}: ${text}`).toHaveLength(1);
      expect(text, f.name).not.toMatch(/\n\s+at |Error:.*\n/);
      if (code === 2) expect(text, f.name).toMatch(/^error: /);
    }
  }, 240_000);
});
