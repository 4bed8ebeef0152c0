// Replay and recording figures (issue 14), fixed seeds, one JSON line:
// - replay speed as multiples of real time (20 Hz): 10,000 entities (1,000 players fighting,
//   8,900 patrolling NPCs, 100 items) and the default zone with 500 players, in one thread and
//   on the default number of threads (stretches between snapshots in parallel); goals 100× and 1,000×;
// - the flight recorder's cost on the tick at 1,000 players (record() time per tick against the
//   tick's own step + hash time and the 50 ms budget; goal ≤ 5 %) and its disk per hour, as a
//   zone runs it (on a recording thread, ticks paced by a timer so the event loop turns as in
//   a zone) and, for comparison, with everything in the tick's thread;
// - bytes per hour of a recording at 500 active players, JSON Lines and gzip, and the change
//   log's share of them;
// - `mmo replay` start-up: median wall time of the built command (dist/, built first) on a one-tick
//   file, beside that of node starting with nothing to do.
// `--quick` runs a tenth of the ticks.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlightRecorder, Recorder, readRecording, type RecorderOptions } from '../src/replay/index.ts';
import { replayParallel } from '../src/replay/parallel.ts';
import { DEFAULT_ZONE, Scenario, generateZone, rules, stateHash, stepZone, zoneForEntities, type ZoneConfig } from '../src/sim/index.ts';

const quick = process.argv.includes('--quick');
const SEED = 20261202;
const TICK_MS = 50;
const dir = mkdtempSync(join(tmpdir(), 'mmo-bench-replay-'));

function world(zone: ZoneConfig, players: number) {
  const w = generateZone(zone, SEED);
  return { w, scenario: new Scenario(w, { players, seed: SEED }) };
}

/** Records `ticks` ticks; returns the file's size. */
function record(path: string, zone: ZoneConfig, players: number, ticks: number, o: RecorderOptions = {}): number {
  const { w, scenario } = world(zone, players);
  // snapshotEvery 0 here means no snapshots at all: a recording without the world.
  const rec = new Recorder(path, SEED, w.config, 'bench', o.snapshotEvery === 0 ? o : { world: w, ...o });
  for (let t = 0; t < ticks; t++) {
    const inputs = scenario.next();
    stepZone(w, inputs);
    rec.record(w.tick, inputs, stateHash(w));
  }
  rec.close();
  return statSync(path).size;
}

/** Replay speed in multiples of real time: by the wall clock (x), and by the CPU time it took (cpuX: what it does on a free core when the machine is shared). */
async function speed(path: string, workers: number): Promise<{ x: number; cpuX: number; ms: number; workers: number }> {
  const rec = readRecording(path);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await replayParallel(rec, { workers });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (r.divergence || r.lastTick !== rec.ticks.length) throw new Error(`bench replay of ${path} failed: ${JSON.stringify(r.divergence ?? r)}`);
  const realMs = rec.ticks.length * TICK_MS;
  return { x: Math.round(realMs / ms), cpuX: Math.round(realMs / ((cpu.user + cpu.system) / 1000)), ms: Math.round(ms), workers: r.workers };
}

/** Ticks are paced like a zone's (a timer between them), so the recording thread's hand-over runs between ticks. */
const PACE_MS = 20;

async function flightCost(players: number, ticks: number, offThread: boolean) {
  const { w, scenario } = world(DEFAULT_ZONE, players);
  const flightDir = join(dir, `flight-${offThread ? 'thread' : 'inline'}`);
  const flight = new FlightRecorder(SEED, w, { dir: flightDir, offThread });
  const rec: number[] = [], tick: number[] = [];
  const bytes0 = flight.bytes;
  for (let t = 0; t < ticks; t++) {
    const inputs = scenario.next();
    const a = performance.now();
    stepZone(w, inputs);
    const h = stateHash(w);
    const b = performance.now();
    flight.record(w.tick, inputs, h);
    const c = performance.now();
    if (t >= ticks / 10) { tick.push(b - a); rec.push(c - b); }
    await new Promise((r) => setTimeout(r, PACE_MS));
  }
  const bytes = flight.bytes - bytes0;
  flight.close();
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sorted = rec.slice().sort((x, y) => x - y);
  const at = (q: number) => r3(sorted[Math.floor(sorted.length * q)]);
  return {
    players, offThread, tickMs: r3(mean(tick)), recordMs: { mean: r3(mean(rec)), p50: at(0.5), p99: at(0.99), max: r3(sorted[sorted.length - 1]) },
    percentOfTick: Math.round((mean(rec) / mean(tick)) * 1000) / 10,
    percentOfBudget: Math.round((mean(rec) / TICK_MS) * 1000) / 10,
    diskMBPerHour: Math.round((bytes / (ticks * TICK_MS / 1000)) * 3600 / 1e5) / 10,
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Bytes of a plain recording's change lines. */
function changeLogBytes(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{"c":')).reduce((n, l) => n + l.length + 1, 0);
}

/** Median wall ms of a command, of 5 runs. */
function medianMs(args: string[]): number {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stdout}${r.stderr}`);
    ms.push(performance.now() - t0);
  }
  return Math.round(ms.sort((a, b) => a - b)[2]);
}

/** `mmo replay` of a one-tick file from the build users run (dist/, built here first), beside node doing nothing. */
function startup(): { replayMs: number; nodeMs: number } {
  const root = join(import.meta.dirname, '..');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  const tiny = join(dir, 'tiny.replay');
  const zone = { ...DEFAULT_ZONE, npcs: 0, items: 0 };
  const w = generateZone(zone, 1);
  stepZone(w, []);
  writeFileSync(tiny, `${JSON.stringify({ format: 'mmo-replay', version: 3, rules: rules.SIM_RULES, seed: 1, zone, source: 'bench', tickRate: 20, start: 0 })}\n` +
    `${JSON.stringify({ t: 1, in: [], h: stateHash(w).hex, p: Object.values(stateHash(w).parts) })}\n{"end":true,"ticks":1,"h":""}\n`);
  return { replayMs: medianMs([join(root, 'dist/cli/bin.js'), 'replay', tiny]), nodeMs: medianMs(['-e', '0']) };
}

const n = (x: number) => (quick ? Math.round(x / 10) : x);
const big = join(dir, 'e10k.replay.gz'), p500 = join(dir, 'p500.replay.gz');
record(big, zoneForEntities(10_000, { npcs: 8_900, items: 100 }), 1_000, n(2_400));
record(p500, DEFAULT_ZONE, 500, n(6_000));
const threads = Math.min(availableParallelism(), 8);
const e10k = { one: await speed(big, 1), many: await speed(big, threads) };
const players500 = { one: await speed(p500, 1), many: await speed(p500, threads) };

const SIZE_TICKS = n(1_200);
const perHour = (bytes: number) => Math.round((bytes / (SIZE_TICKS * TICK_MS / 1000)) * 3600 / 1e5) / 10;
const sizes = {
  jsonl: perHour(record(join(dir, 's.replay'), DEFAULT_ZONE, 500, SIZE_TICKS, { snapshotEvery: 0 })),
  jsonlSnapshots10s: perHour(record(join(dir, 's2.replay'), DEFAULT_ZONE, 500, SIZE_TICKS)),
  jsonlChangeLogShare: perHour(changeLogBytes(join(dir, 's2.replay'))),
  gzip: perHour(record(join(dir, 's.replay.gz'), DEFAULT_ZONE, 500, SIZE_TICKS, { snapshotEvery: 0 })),
  gzipSnapshots10s: perHour(record(join(dir, 's2.replay.gz'), DEFAULT_ZONE, 500, SIZE_TICKS)),
};
const flight = await flightCost(1_000, n(2_400), true);
const flightInThread = await flightCost(1_000, n(1_200), false);
const start = startup();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(JSON.stringify({
  bench: 'replay', cores: availableParallelism(), quick,
  replayX: { entities10k: e10k, players500 },
  goal: { entities10k: 100, players500: 1000, flightPercentOfTick: 5, mbPerHourJsonl: 50, startMs: 300 },
  mbPerHour500Players: sizes,
  flight1000Players: flight,
  flight1000PlayersInThread: flightInThread,
  replayStartMs: start.replayMs, nodeStartMs: start.nodeMs,
  pass: Math.max(e10k.one.x, e10k.many.x) >= 100 && Math.max(players500.one.x, players500.many.x) >= 1000 && flight.percentOfTick <= 5 &&
    start.replayMs <= 300,
}) + '\n');
