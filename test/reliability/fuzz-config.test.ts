// Config-file fuzz (`mmo zone --config FILE`): 600+ files derived from a valid config, with
// values retyped, blown up, removed or added (unknown and prototype keys included), nested
// objects replaced, JSON truncated, random text and non-object roots. Each comes from a PRNG
// seeded by (FUZZ_SEED, case number).
//
// In process, through zoneInit + resolveOptions: each file is either accepted (and then
// resolves to exactly the numbers it gave) or refused with a ZoneConfigFileError whose one-line
// message names the file and a field; never a TypeError from deep inside, never a non-Error.
// A few go through the real CLI: exit 2 and a single `error:` line on stderr, no stack trace
// (any child that starts anyway is killed by its pid, and fails the test).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoneConfigFileError, zoneInit } from '../../src/cli/zone.js';
import { DEFAULT_ZONE, Rng } from '../../src/sim/index.js';
import { resolveOptions } from '../../src/zone/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20241124) >>> 0;
const CASES = 700;
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'mmo-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID = {
  host: '127.0.0.1', port: 0, seed: 5, tickRate: 20, idleTimeoutMs: 60_000, idleCheckMs: 5_000, helloTimeoutMs: 5_000,
  maxClients: 100, maxConnections: 200, inputRate: 30, inputBurst: 60, sendBudgetBytes: 65_536, laggardMs: 5_000,
  maxCatchUp: 3, flushTicks: 100, db: null, allowGuests: true,
  zone: {
    id: 3, name: 'fuzz', bounds: { minX: 0, minY: 0, maxX: 400, maxY: 400 }, spawn: { x: 200, y: 200 }, spawnRadius: 10,
    npcs: 20, waypoints: 4, patrolRadius: 30, guardShare: 0.25, items: 10, cellSize: 50, capacity: 1024,
  },
};

/** Every name a refusal may point at. */
const FIELD_NAMES = [...Object.keys(VALID), ...Object.keys(DEFAULT_ZONE), 'worldBounds', 'minX', 'minY', 'maxX', 'maxY', 'x', 'y', 'tokenSecret', 'serverId', 'record'];

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

function weird(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 8 : 10)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return pick(r, [0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 4294967296, 65536, 65535, 1e6, 1, 16, 250, 251]);
    case 3: return pick(r, ['', 'x', '1\n2', '127.0.0.1', '::1', '/nonexistent/dir/x.db', '\u0000', '🙂'.repeat(50), '__proto__', '../../etc/passwd']);
    case 4: return r.range(-1e7, 1e7);
    case 5: return 'z'.repeat(r.int(2) ? 10 : 20_000);
    case 6: return r.int(2000);
    case 7: return pick(r, [{}, [], [1, 2], { minX: 0 }, { x: 1 }]);
    case 8: return [weird(r, depth + 1)];
    default: return { [pick(r, ['a', 'minX', 'x', 'bounds'])]: weird(r, depth + 1) };
  }
}

const EXTRA_KEYS = ['tickrate', 'maxclients', 'cluster', 'front', 'localZone', '__proto__', 'constructor', 'zones', 'bogus', 'worldBounds', 'id'];

/** One random change somewhere in the object; returns the path changed. */
function mutateIn(r: Rng, root: Record<string, unknown>): string[] {
  let node: Record<string, unknown> = root;
  const path: string[] = [];
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    const op = r.int(10);
    if (keys.length === 0 || op === 0) {
      const k = pick(r, EXTRA_KEYS);
      Object.defineProperty(node, k, { value: weird(r), enumerable: true, writable: true, configurable: true });
      return [...path, k];
    }
    const k = pick(r, keys);
    if (op === 1) {
      delete node[k];
      return [...path, k];
    }
    const child = node[k];
    if (child !== null && typeof child === 'object' && !Array.isArray(child) && r.int(3) !== 0) {
      node = child as Record<string, unknown>;
      path.push(k);
      continue;
    }
    node[k] = weird(r);
    return [...path, k];
  }
  return path;
}

function makeCase(i: number): { how: string; text: string; paths: string[][] } {
  const r = new Rng((SEED ^ Math.imul(i + 1, 0x165667b1)) >>> 0);
  const u = r.int(100);
  const base = structuredClone(VALID) as Record<string, unknown>;
  if (u < 70) {
    const n = 1 + r.int(3);
    const paths = Array.from({ length: n }, () => mutateIn(r, base));
    return { how: 'mutated', text: JSON.stringify(base), paths };
  }
  if (u < 80) {
    const s = JSON.stringify(base, null, r.int(2) ? 2 : undefined);
    return { how: 'truncated', text: s.slice(0, r.int(s.length)), paths: [] };
  }
  if (u < 85) return { how: 'root', text: pick(r, ['[]', 'null', '1', '"x"', 'true', '[{"port":1}]', '', '   ']), paths: [] };
  if (u < 90) {
    let s = '';
    const n = r.int(500);
    for (let k = 0; k < n; k++) s += String.fromCharCode(r.int(r.int(3) === 0 ? 0xffff : 128));
    return { how: 'random', text: s, paths: [] };
  }
  if (u < 93) {
    const d = 1000 + r.int(50_000);
    return { how: 'deep', text: `{"zone":${'{"bounds":'.repeat(d)}1${'}'.repeat(d)}}`, paths: [['zone']] };
  }
  // A single well-known wrong-type or unknown-field case: the named field is exact.
  const k = pick(r, ['tickRate', 'maxClients', 'port', 'seed', 'host', 'allowGuests', 'zone']);
  base[k] = pick(r, ['1\n2', [], {}, true, 'nope']);
  if (k === 'allowGuests' && typeof base[k] === 'boolean') base[k] = 'yes';
  if (k === 'host' || k === 'zone') base[k] = k === 'host' ? 42 : 'meadow';
  return { how: `wrongType:${k}`, text: JSON.stringify(base), paths: [[k]] };
}

describe(`config-file fuzz (FUZZ_SEED=${SEED})`, () => {
  it('zoneInit + resolveOptions: accepted exactly, or refused with a one-line message naming the field', () => {
    const outcome: Record<string, Record<string, number>> = {};
    const wrong: string[] = [];
    const file = join(dir, 'zone.json');
    let refused = 0, accepted = 0;
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(i);
      writeFileSync(file, c.text);
      let result: string;
      try {
        const init = zoneInit({ config: file });
        const opts = resolveOptions(init);
        accepted++;
        result = 'accepted';
        // What the file gave is what the server gets.
        const given = JSON.parse(c.text) as Record<string, unknown>;
        for (const [k, v] of Object.entries(given)) {
          if (typeof v === 'number' && (opts as unknown as Record<string, unknown>)[k] !== v) wrong.push(`#${i}: ${k}=${v} became ${String((opts as unknown as Record<string, unknown>)[k])}`);
        }
        for (const k of ['cluster', 'front', 'localZone']) if (k in opts) wrong.push(`#${i}: accepted ${k} from a file`);
        if (c.how.startsWith('wrongType')) wrong.push(`#${i} ${c.how}: accepted ${c.text.slice(0, 200)}`);
      } catch (e) {
        refused++;
        result = 'refused';
        if (!(e instanceof ZoneConfigFileError)) {
          wrong.push(`#${i} ${c.how}: threw ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : `a non-Error ${String(e)}`}`);
        } else {
          const m = e.message;
          if (!m.startsWith(`config ${file}: `)) wrong.push(`#${i}: message does not name the file: ${m.slice(0, 200)}`);
          if (/[\n\r]/.test(m)) wrong.push(`#${i}: multi-line message ${JSON.stringify(m.slice(0, 200))}`);
          if (m.length > 600) wrong.push(`#${i}: ${m.length}-character message`);
          const rest = m.slice(`config ${file}: `.length);
          const wholeFile = /^(not valid JSON|expected a JSON object|cannot read)/.test(rest);
          const named = FIELD_NAMES.some((f) => rest.includes(f)) || c.paths.some((p) => p.some((s) => rest.includes(s)));
          if (!wholeFile && !named) wrong.push(`#${i} ${c.how}: names no field: ${rest.slice(0, 200)}`);
          if (c.how.startsWith('wrongType:') && !rest.startsWith(`${c.how.slice('wrongType:'.length)}`)) wrong.push(`#${i} ${c.how}: ${rest.slice(0, 200)}`);
          // An unknown key anywhere is refused under its own name.
          for (const p of c.paths) {
            const last = p[p.length - 1];
            if (last !== undefined && ['tickrate', 'maxclients', 'cluster', 'front', 'localZone', 'bogus'].includes(last) && p.length === 1 && !rest.includes(last) && !wholeFile) {
              // Another mutation may have been refused first; only flag when this was the sole change.
              if (c.paths.length === 1) wrong.push(`#${i}: unknown ${last} refused as ${rest.slice(0, 120)}`);
            }
          }
        }
      }
      (outcome[c.how.split(':')[0]] ??= {})[result] = ((outcome[c.how.split(':')[0]] ??= {})[result] ?? 0) + 1;
    }
    console.log(`config fuzz: ${CASES} files, ${accepted} accepted, ${refused} refused; ${JSON.stringify(outcome)}`);
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(CASES / 2);
  }, 40_000);

  it('the real CLI: exit 2 and one `error:` line, no stack trace', async () => {
    const cases: [string, string][] = [
      ['unknown-field', JSON.stringify({ ...VALID, tickrate: 20 })],
      ['newline-in-number', JSON.stringify({ ...VALID, maxClients: '1\n2' })],
      ['bad-json-newline', '{"port":\n 0,,\n}'],
      ['tick-rate-range', JSON.stringify({ ...VALID, tickRate: 1000 })],
      ['zone-capacity', JSON.stringify({ ...VALID, zone: { ...VALID.zone, capacity: 16 } })],
      ['zone-string', JSON.stringify({ ...VALID, zone: 'meadow' })],
      ['array-root', '[1,2,3]'],
      ['cluster-injection', JSON.stringify({ ...VALID, cluster: { bus: {} } })],
    ];
    const files = cases.map(([name, text]) => {
      const p = join(dir, `${name}.json`);
      writeFileSync(p, text);
      return [name, p] as const;
    });
    mkdirSync(join(dir, 'a-directory.json'), { recursive: true });
    files.push(['directory', join(dir, 'a-directory.json')], ['missing', join(dir, 'missing.json')]);
    const run = (file: string) => new Promise<{ code: number | null; out: string; err: string; started: boolean }>((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'src/cli/mmo.js'), 'zone', '--config', file, '--port', '0', '--no-db'], {
        cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      let out = '', err = '', started = false;
      const kill = () => { if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); };
      child.stdout.on('data', (d) => {
        out += d;
        if (/listening on/.test(out)) { started = true; kill(); }
      });
      child.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(kill, 30_000);
      child.on('close', (code) => { clearTimeout(timer); done({ code, out, err, started }); });
    });
    const results = await Promise.all(files.map(([, p]) => run(p)));
    for (const [i, [name]] of files.entries()) {
      const { code, out, err, started } = results[i];
      const ctx = `${name}: code ${code}, stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`;
      expect(started, ctx).toBe(false);
      expect(code, ctx).toBe(2);
      const lines = err.trimEnd().split('\n');
      expect(lines, ctx).toHaveLength(1);
      expect(lines[0], ctx).toMatch(/^error: config /);
      expect(err, ctx).not.toMatch(/\bat .+:\d+:\d+/);
    }
  }, 45_000);
});
