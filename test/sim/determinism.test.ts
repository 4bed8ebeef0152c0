import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ZONE, generateZone, HASH_PARTS, Scenario, stateHash, stepZone, stepZoneObserved, zoneForEntities,
} from '../../src/sim/index.js';

const SIM_DIR = fileURLToPath(new URL('../../src/sim/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return /\.(c|m)?[jt]sx?$/.test(d.name) ? [p] : [];
  });
}

const BANNED_CALLS = ['Date.now', 'performance.now', 'Math.random', 'process.hrtime'];
const BANNED_NAMES = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']);
const BANNED_MODULES = /^(node:|fs$|fs\/|net$|http$|https$|http2$|worker_threads$|child_process$|dgram$)/;

/** What in a source text breaks the determinism contract, found on its syntax tree (comments do not count). */
function violations(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (n: ts.Node) => `${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
      const name = ts.isPropertyAccessExpression(n) ? n.name.text
        : ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : '';
      const owner = n.expression.getText(sf).replace(/^globalThis\./, '');
      if (BANNED_CALLS.includes(`${owner}.${name}`)) found.push(`${owner}.${name} at line ${at(n)}`);
    }
    if (ts.isIdentifier(n) && BANNED_NAMES.has(n.text)) found.push(`${n.text} at line ${at(n)}`);
    if (ts.isAwaitExpression(n)) found.push(`await at line ${at(n)}`);
    if (n.kind === ts.SyntaxKind.AsyncKeyword) found.push(`async at line ${at(n)}`);
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier) &&
        BANNED_MODULES.test(n.moduleSpecifier.text)) {
      found.push(`import '${n.moduleSpecifier.text}' at line ${at(n)}`);
    }
    if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      found.push(`dynamic import/require at line ${at(n)}`);
    }
    if (ts.isImportEqualsDeclaration(n)) found.push(`import = require at line ${at(n)}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  // Belt and braces on the text without comments, for anything the walk above might miss.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  for (const s of [...BANNED_CALLS, ...BANNED_NAMES]) if (code.includes(s)) found.push(`text ${s}`);
  if (/\bawait\b/.test(code)) found.push('text await');
  if (/\basync\b/.test(code)) found.push('text async');
  return found;
}

describe('determinism contract', () => {
  it('the checker catches each banned construct (and ignores comments)', () => {
    const bad = [
      'const t = Date.now();', 'const t = performance.now();', 'const r = Math.random();', 'const r = Math["random"]();',
      'const h = process.hrtime();', 'setTimeout(() => 0, 1);', 'const i = setInterval;', 'async function f() {}',
      'const f = async () => 1;', 'export async function g() { await 1; }', "import fs from 'fs';",
      "import { readFileSync } from 'node:fs';", "import * as net from 'net';", "import http from 'http';",
      "import { Worker } from 'worker_threads';", "export { x } from 'node:os';", "const m = await import('x');",
      "const globalRandom = globalThis.Math.random;",
    ];
    for (const src of bad) expect(violations('bad.ts', src), src).not.toEqual([]);
    const fine = [
      '// no clock, no Math.random, no await, no Date.now()', '/* async setTimeout performance.now */ const a = 1;',
      "import { x } from './node-thing.js';", 'const awaitTick = 1; const asyncish = 2;', 'const now = world.tick;',
    ];
    for (const src of fine) expect(violations('fine.ts', src), src).toEqual([]);
  });

  it('no file under src/sim reads a clock, Math.random, timers, await/async or Node I/O modules', () => {
    const files = sourceFiles(SIM_DIR);
    expect(files.length).toBeGreaterThanOrEqual(20);
    const report: string[] = [];
    for (const f of files) {
      for (const v of violations(f, readFileSync(f, 'utf8'))) report.push(`${relative(SIM_DIR, f)}: ${v}`);
    }
    expect(report).toEqual([]);
  });

  it('two zones with the same seed and inputs give the same hash every tick; another seed differs', () => {
    const config = zoneForEntities(1500);
    const run = (seed: number, observed: boolean) => {
      const world = generateZone(config, seed);
      const scenario = new Scenario(world, { players: 120, seed, attackChance: 0.1, pickupChance: 0.2, chatChance: 0.05, churnChance: 0.01 });
      const hashes: string[] = [];
      for (let t = 0; t < 150; t++) {
        const inputs = scenario.next();
        if (observed) stepZoneObserved(world, inputs, (_phase, go) => go());
        else stepZone(world, inputs);
        hashes.push(stateHash(world).hex);
      }
      return { hashes, world };
    };
    const a = run(42, false), b = run(42, true), c = run(43, false);
    expect(b.hashes).toEqual(a.hashes);
    expect(c.hashes[0]).not.toBe(a.hashes[0]);
    // The run did exercise combat, pickups and churn.
    expect(a.world.tick).toBe(150);
    expect(a.world.nextNetId).toBeGreaterThan(config.npcs + config.items + 120 + 1);
    expect(HASH_PARTS).toEqual(['entities', 'position', 'motion', 'vitals', 'ai', 'world', 'events']);
  });

  it('a world is independent of any other world in the process', () => {
    const cfg = { ...DEFAULT_ZONE, npcs: 20, items: 10, capacity: 256 };
    const solo = generateZone(cfg, 7);
    const twinA = generateZone(cfg, 7);
    const other = generateZone(cfg, 8);
    const sa = new Scenario(solo, { players: 10, seed: 1 });
    const sb = new Scenario(twinA, { players: 10, seed: 1 });
    const so = new Scenario(other, { players: 30, seed: 2 });
    for (let t = 0; t < 60; t++) {
      stepZone(solo, sa.next());
      stepZone(other, so.next()); // interleaved with an unrelated zone
      stepZone(twinA, sb.next());
      expect(stateHash(twinA).hex).toBe(stateHash(solo).hex);
    }
  });
});
