// Concurrency on the shared scenario (issue 13), so that any server can be measured on the
// same work: zone 1000 × 1000 at 20 Hz; 1,000 NPCs each looping over 4 waypoints drawn
// uniformly over the zone (seeded), at 2 u/s; players spawn uniformly over the zone; bot i walks
// at 5 u/s toward a target it picks right after joining and every 2–4 s (seeded), sending Move
// only then; interest: the cells the radius-100 circle reaches (PROTOCOL.md §7). The zone
// server runs in its own process pinned to core 0, the bots in one process pinned to core 1
// (`taskset`; unpinned where it is missing); bots join at ≤ 200/s; then a warm-up, then the
// measured window; a fresh server per step. Each step reports, over the window only: tick
// p50/p99/max and jitter (tick p99 / mean), missed ticks, where tick time goes (step, index,
// assembly, send, other), GC ms/s, server CPU (and its tick thread's alone, and how often a
// second that thread slept and was preempted) and bot CPU from the processes' CPU time (the bots'
// also per bot and per frame received), frames/bytes per client per second at the client,
// staleness (arrival at the client minus the wall-clock start of the frame's tick, every
// snapshot) and the bots' event-loop delay (long with little bot CPU: the machine starved
// them), disconnects, join failures, snapshots skipped for backpressure and sends saved (quiet
// ticks), the kernel's TCP segments resent and connections dropped on a full accept queue
// during the joins and warm-up and in the window (`tcp`: a staleness tail of 200 ms and more, or
// a join that timed out, that came with them is lost packets on a saturated core), the 1-minute
// load average at its end; and a verdict:
//   ok          tick p99 ≤ 20 ms, 0 missed ticks, 0 disconnects and join failures, staleness
//               p99 ≤ one tick + 10 ms of link, no snapshot skipped for backpressure;
//   degraded    all connected and none dropped, but a limit above is exceeded (tick p99 ≤ 50 ms,
//               missed ≤ 1 % of ticks);
//   fell apart  anything worse. The ladder stops at the first step that falls apart, or that
//               could not be measured (`lostStep` in the line: the zone stopped answering, say).
// Prints one JSON line; --chart writes an SVG.
// --budget BYTES_PER_S caps each player's snapshots (the zone's bandwidthBytesPerSec): nearer
// cells first, farther ones later. Each step then also reports how long a cell's change waited
// on the server for its turn (from its tick to the tick of the frame that carries it; a change's
// staleness at the client is that wait plus the frame's own staleness), split into cells within
// 30 units of the player (near) and beyond (far), and the share of cells sent that had waited.
//
//   npm run bench -- ccu [--steps 250,500,1000,1500,2000,3000,4000,5000] [--warmup 5] [--window 30]
//                        [--ramp 200] [--cell 25] [--seed 1] [--chart FILE.svg] [--unpinned] [--io-threads N]
//                        [--budget BYTES_PER_S] [--server-cores LIST]
//
// --io-threads N runs the zone with N I/O threads (`mmo zone --io-threads N`) and gives the
// server cores 0..N (as many as the machine has); the bots stay on core 1. --server-cores LIST
// (a taskset list) sets the server's cores instead: `--io-threads 1 --server-cores 0` is a zone
// on one core whose I/O thread uses the time between ticks.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { LogHistogram, stackedCharts, type LogHistogramData } from '../src/metrics/index.js';
import type { ZoneStatus } from '../src/zone/index.js';
import { botCost, contextSwitches, cpuSeconds } from './lib/procCpu.js';
import { SHARED_BOUNDS, sharedZone } from './lib/sharedScenario.js';
import { tcpCounters, tcpGained } from './lib/tcpCounters.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '250,500,1000,1500,2000,3000,4000,5000' },
    warmup: { type: 'string', default: '5' },
    window: { type: 'string', default: '30' },
    ramp: { type: 'string', default: '200' },
    cell: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    chart: { type: 'string' },
    /** Leave placement to the OS (a machine shared with other work starves a pinned process). */
    unpinned: { type: 'boolean', default: false },
    'io-threads': { type: 'string', default: '0' },
    budget: { type: 'string', default: '0' },
    'server-cores': { type: 'string' },
  },
});
const steps = values.steps.split(',').map(Number);
const warmupS = Number(values.warmup), windowS = Number(values.window), seed = Number(values.seed);
const ramp = Math.min(200, Number(values.ramp));
const budget = Number(values.budget);
const TICK_RATE = 20, TICK_MS = 1000 / TICK_RATE, LINK_MS = 10;
const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'src/cli/bin.ts'), BOTS = join(root, 'bench/lib/ccuBots.ts');
const IO_THREADS = Number(values['io-threads']);
/** The server's cores: as given, or core 0 and with I/O threads one more per thread as far as there are cores. */
const SERVER_CORES = values['server-cores'] ?? `0-${Math.min(IO_THREADS, availableParallelism() - 1)}`;
const PINNED = !values.unpinned && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The scenario's zone: waypoints and spawns uniform over the whole zone (a centre at the middle, radius half the side). */
function scenarioConfig(): object {
  return {
    seed, tickRate: TICK_RATE, allowGuests: true, db: null, maxClients: 20_000, maxConnections: 20_000, bandwidthBytesPerSec: budget,
    zone: sharedZone(Number(values.cell)),
  };
}

/** `node --import tsx FILE ARGS`, on these cores when taskset is there. */
function spawnPinned(cores: string, file: string, args: string[]): ChildProcess {
  const node = [process.execPath, '--import', 'tsx', file, ...args];
  const [cmd, ...rest] = PINNED ? ['taskset', '-c', cores, ...node] : node;
  return spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' }, cwd: root });
}

/** Resolves with the first stdout line that `match` accepts; rejects if the process exits first. */
function lineFrom<T>(child: ChildProcess, match: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`));
    lines.on('line', (line) => {
      const v = match(line);
      if (v === undefined) return;
      child.off('exit', onExit);
      lines.close();
      resolve(v);
    });
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The body of GET `path` on the zone's port; an answer other than 200 is an error that says what the zone said. */
async function zoneGet(port: number, path: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${text}`);
  return text;
}

async function status(port: number): Promise<ZoneStatus> {
  return JSON.parse(await zoneGet(port, '/status')) as ZoneStatus;
}

async function skippedSnapshots(port: number): Promise<number> {
  const text = await zoneGet(port, '/metrics');
  return Number(/^mmo_snapshots_skipped_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0);
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const r2 = (v: number) => Math.round(v * 100) / 100;

interface BotReport {
  joined: number;
  failed: number;
  framesPerClientPerSec: number;
  bytesPerClientPerSec: number;
  snapshotsPerClientPerSec: number;
  heartbeatsPerClientPerSec: number;
  stalenessMs: { p50: number; p99: number; max: number };
  loopDelayMs: { p50: number; p99: number };
  disconnects: number;
  disconnectReasons: Record<string, number>;
  failureReasons: Record<string, number>;
  errors: Record<string, number>;
}

/** Tick-time percentiles of the window: the difference of two cumulative histograms. */
function windowTicks(a: ZoneStatus, b: ZoneStatus): { p50: number; p99: number; max: number; mean: number } {
  return windowPercentiles(a.totals.tickMs, b.totals.tickMs);
}

/** Percentiles of what a cumulative histogram gained between two readings. */
function windowPercentiles(ha: LogHistogramData, hb: LogHistogramData): { p50: number; p99: number; max: number; mean: number } {
  const counts = Array.from(hb.counts, (c, i) => c - ha.counts[i]);
  const h = new LogHistogram(counts);
  h.sum = hb.sum - ha.sum;
  h.max = Infinity; // percentiles come from buckets (±2.5 %), the max as its bucket's middle
  return { p50: r2(h.percentile(50)), p99: r2(h.percentile(99)), max: r2(h.percentile(100)), mean: r2(h.mean()) };
}

async function runStep(bots: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ccu-'));
  const config = join(dir, 'zone.json');
  writeFileSync(config, JSON.stringify(scenarioConfig()));
  const server = spawnPinned(SERVER_CORES, BIN, ['zone', '--config', config, '--port', '0', '--host', '127.0.0.1', '--io-threads', String(IO_THREADS), '--idle-runtime-threads',
    '--flight-dir', join(dir, 'flight')]); // the flight recorder on, as in a default zone
  let botsProc: ChildProcess | undefined;
  try {
    const url = await lineFrom(server, (l) => /listening on (ws:\/\/\S+)/.exec(l)?.[1]);
    const port = Number(new URL(url).port);
    const tcpAtStart = tcpCounters();
    botsProc = spawnPinned('1', BOTS, [JSON.stringify({ url, count: bots, seed, ramp, bounds: SHARED_BOUNDS })]);
    const reports = createInterface({ input: botsProc.stdout! });
    const next = () => new Promise<Record<string, unknown>>((resolve) => reports.once('line', (l) => resolve(JSON.parse(l))));
    const ramped = await next();
    await sleep(warmupS);
    const a = await status(port), skippedA = await skippedSnapshots(port), tcpA = tcpCounters();
    // The server's main thread is the tick thread (its id is the process id).
    const cpuA = { server: cpuSeconds(server.pid!), tick: cpuSeconds(server.pid!, server.pid!), bots: cpuSeconds(botsProc.pid!), at: performance.now() };
    const switchesA = contextSwitches(server.pid!, server.pid!);
    botsProc.stdin!.write(JSON.stringify({ type: 'window', clock: a.totals.tickClock }) + '\n');
    await sleep(windowS);
    const b = await status(port), skippedB = await skippedSnapshots(port), tcpB = tcpCounters();
    const seconds = (performance.now() - cpuA.at) / 1000;
    const cpu = {
      server: (cpuSeconds(server.pid!) - cpuA.server) / seconds, tick: (cpuSeconds(server.pid!, server.pid!) - cpuA.tick) / seconds,
      bots: (cpuSeconds(botsProc.pid!) - cpuA.bots) / seconds,
    };
    const switchesB = contextSwitches(server.pid!, server.pid!);
    const tickThreadSwitchesPerSec = { slept: Math.round((switchesB.slept - switchesA.slept) / seconds), preempted: Math.round((switchesB.preempted - switchesA.preempted) / seconds) };
    const reported = next();
    botsProc.stdin!.write(JSON.stringify({ type: 'end' }) + '\n');
    const r = (await reported) as unknown as BotReport;
    const ticks = b.totals.ticks - a.totals.ticks;
    const per = (k: 'stepMs' | 'recordMs' | 'indexMs' | 'encodeMs' | 'sendMs') => r2((b.totals[k] - a.totals[k]) / ticks);
    const tickMs = windowTicks(a, b);
    const split = { stepMs: per('stepMs'), recordMs: per('recordMs'), indexMs: per('indexMs'), assemblyMs: per('encodeMs'), sendMs: per('sendMs') };
    const otherMs = r2(tickMs.mean - split.stepMs - split.recordMs - split.indexMs - split.assemblyMs - split.sendMs);
    const saved = b.totals.sendsSaved - a.totals.sendsSaved, sent = b.totals.framesOut - a.totals.framesOut;
    const step = {
      bots, loadAverage1m: r2(loadavg()[0]), joined: r.joined, joinFailures: r.failed + (bots - Number(ramped.joined) - Number(ramped.failed)),
      disconnects: r.disconnects, missedTicks: b.missedTicks - a.missedTicks, ticks,
      tickMs, tickP99OverMean: r2(tickMs.p99 / tickMs.mean), profileMsPerTick: { ...split, otherMs }, gcMsPerSec: r2((b.totals.gcMs - a.totals.gcMs) / seconds),
      serverCpuPct: Math.round(cpu.server * 100), tickThreadCpuPct: Math.round(cpu.tick * 100), tickThreadSwitchesPerSec, botsCpuPct: Math.round(cpu.bots * 100),
      ...botCost(cpu.bots, r.joined, r.framesPerClientPerSec),
      perClient: {
        framesPerSec: r.framesPerClientPerSec, bytesPerSec: r.bytesPerClientPerSec,
        snapshotsPerSec: r.snapshotsPerClientPerSec, heartbeatsPerSec: r.heartbeatsPerClientPerSec,
      },
      stalenessMs: r.stalenessMs, botsLoopDelayMs: r.loopDelayMs,
      sendsSavedPerSec: Math.round(saved / seconds), sendsSavedShare: r2(saved / Math.max(1, saved + sent)),
      skippedForBackpressure: skippedB - skippedA,
      ...(tcpA && tcpB ? { tcp: { joinsAndWarmup: tcpGained(tcpAtStart, tcpA), window: tcpGained(tcpA, tcpB) } } : {}),
      ...(a.budget && b.budget ? { budget: budgetWindow(a.budget, b.budget) } : {}),
      disconnectReasons: r.disconnectReasons, failureReasons: r.failureReasons, errors: r.errors,
    };
    return { ...step, verdict: judge(step) };
  } finally {
    if (botsProc) await stop(botsProc);
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Under --budget: the cap, the share of cells sent that had waited, and cells' waits near and far, over the window. */
function budgetWindow(a: NonNullable<ZoneStatus['budget']>, b: NonNullable<ZoneStatus['budget']>) {
  const sent = b.cellsSent - a.cellsSent, waited = b.cellsWaited - a.cellsWaited;
  const wait = (ha: LogHistogramData, hb: LogHistogramData) => {
    const w = windowPercentiles(ha, hb);
    return { p50: w.p50, p99: w.p99, mean: w.mean };
  };
  return {
    bytesPerSecCap: budget, waitedShare: r2(waited / Math.max(1, sent)),
    nearWaitMs: wait(a.nearWaitMs, b.nearWaitMs), farWaitMs: wait(a.farWaitMs, b.farWaitMs),
  };
}

type Verdict = 'ok' | 'degraded' | 'fell apart';

function judge(s: { bots: number; joined: number; joinFailures: number; disconnects: number; missedTicks: number; ticks: number;
  tickMs: { p99: number }; stalenessMs: { p99: number }; skippedForBackpressure: number }): Verdict {
  const allIn = s.joined === s.bots && s.joinFailures === 0 && s.disconnects === 0;
  if (allIn && s.tickMs.p99 <= 20 && s.missedTicks === 0 && s.stalenessMs.p99 <= TICK_MS + LINK_MS && s.skippedForBackpressure === 0) return 'ok';
  if (allIn && s.tickMs.p99 <= 50 && s.missedTicks <= s.ticks * 0.01) return 'degraded';
  return 'fell apart';
}

const load = loadavg().map(r2);
const results: Awaited<ReturnType<typeof runStep>>[] = [];
/** A step that could not be measured (the zone's /status did not answer, a process died): the ladder ends there, what it measured before is kept. */
let lostStep: { bots: number; error: string } | undefined;
for (const bots of steps) {
  let step: (typeof results)[number];
  try {
    step = await runStep(bots);
  } catch (e) {
    lostStep = { bots, error: (e as Error).cause instanceof Error ? `${(e as Error).message}: ${((e as Error).cause as Error).message}` : (e as Error).message };
    process.stderr.write(`ccu: ${bots} bots → not measured: ${lostStep.error}\n`);
    break;
  }
  results.push(step);
  process.stderr.write(`ccu: ${bots} bots → ${step.verdict}: tick p99 ${step.tickMs.p99} ms, missed ${step.missedTicks}, ` +
    `staleness p99 ${step.stalenessMs.p99} ms${step.tcp?.window ? ` (${step.tcp.window.retransSegs} TCP segments resent)` : ''}, ${step.perClient.bytesPerSec} B/s per client, server CPU ${step.serverCpuPct} %, bots CPU ${step.botsCpuPct} % ` +
    `(${step.botCpuPctPerBot} % per bot, ${step.botCpuUsPerFrame} µs per frame), tick p99/mean ${step.tickP99OverMean}, load ${step.loadAverage1m}\n`);
  if (step.verdict === 'fell apart') break;
}
if (values.chart) {
  const pts = (f: (s: (typeof results)[number]) => number) => results.map((s) => [s.bots, f(s)] as const);
  writeFileSync(values.chart, stackedCharts([
    {
      title: 'ccu (shared scenario): tick time and staleness', xLabel: 'bots', leftLabel: 'ms', series: [
        { name: 'tick p99 ms', axis: 'left', points: pts((s) => s.tickMs.p99) },
        { name: 'tick mean ms', axis: 'left', points: pts((s) => s.tickMs.mean) },
        { name: 'staleness p99 ms', axis: 'left', points: pts((s) => s.stalenessMs.p99) },
      ],
    },
    {
      title: 'bytes per client and CPU', xLabel: 'bots', leftLabel: 'B/s per client', rightLabel: 'CPU %', series: [
        { name: 'B/s per client', axis: 'left', points: pts((s) => s.perClient.bytesPerSec) },
        { name: 'server CPU %', axis: 'right', points: pts((s) => s.serverCpuPct) },
        { name: 'bots CPU %', axis: 'right', points: pts((s) => s.botsCpuPct) },
      ],
    },
  ]));
}
const byVerdict = (v: Verdict) => results.filter((s) => s.verdict === v).map((s) => s.bots);
process.stdout.write(JSON.stringify({
  bench: 'ccu', scenario: 'issue13', pinned: PINNED, ioThreads: IO_THREADS, serverCores: PINNED ? SERVER_CORES : 'any', loadAverageAtStart: load, loadAverageAtEnd: loadavg().map(r2),
  warmupS, windowS, ramp, cellSize: Number(values.cell), ...(budget > 0 ? { budgetBytesPerSec: budget } : {}), steps: results, ...(lostStep ? { lostStep } : {}),
  largestOk: Math.max(0, ...byVerdict('ok')), largestDegraded: Math.max(0, ...byVerdict('degraded')),
  goal: { bots: 2500, tickP99Ms: 20, bytesPerClientPerSec: 2000, stalenessP99Ms: TICK_MS + LINK_MS, tickP99OverMean: 1.5, botsPerCore: 3000 },
}) + '\n');
