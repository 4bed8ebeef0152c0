// Concurrency: a zone server (its own process) and a bot swarm (worker threads here) on this
// machine; the bot count steps up and each step reports the server's tick p99 and missed
// ticks, bytes per client per second and disconnects. A step holds with zero disconnects and
// failures, zero missed ticks, tick p99 ≤ 20 ms and ≤ 4 KB/s per client. Stops at the first
// step that does not hold. Prints one JSON line.
//
//   npm run bench -- ccu [--steps 500,1000,2000,5000] [--hold 20] [--ramp 250] [--behavior wander] [--chart FILE.svg]
//   (the full goal: --steps 5000 --hold 600)

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { runSwarm, type BehaviorName, type SwarmReport } from '../src/bots/index.js';
import { lineChart } from '../src/metrics/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '500,1000,2000,5000' },
    hold: { type: 'string', default: '20' },
    ramp: { type: 'string', default: '250' },
    behavior: { type: 'string', default: 'wander' },
    size: { type: 'string', default: '4000' },
    chart: { type: 'string' },
  },
});
const steps = values.steps.split(',').map(Number);
const holdS = Number(values.hold);
const MMO = fileURLToPath(new URL('../src/cli/mmo.js', import.meta.url));

async function startZone(): Promise<{ child: ChildProcess; url: string }> {
  const size = Number(values.size);
  const child = spawn(process.execPath, [MMO, 'zone', '--port', '0', '--seed', '1', '--size', String(size),
    '--spawn-radius', String(Math.floor(size / 2) - 10), '--npcs', '4000', '--items', '1000', '--no-db'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`zone exited with ${code}: ${out}`)));
  });
  return { child, url };
}

async function stopZone(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

interface Step {
  bots: number;
  connected: number;
  failed: number;
  disconnected: number;
  tickMs: { p50: number; p99: number; max: number } | undefined;
  missedTicks: number | undefined;
  kbPerClientPerSec: number;
  rttMsP99: number;
  tickGaps: number;
  holds: boolean;
}

function judge(bots: number, r: SwarmReport): Step {
  const kb = Math.round((r.bytesPerBotPerSec / 1000) * 100) / 100;
  const s = r.server;
  const holds = r.connected === bots && r.failed === 0 && r.disconnected === 0 && s.missedTicks === 0 &&
    (s.tickMs?.p99 ?? Infinity) <= 20 && kb <= 4;
  return {
    bots, connected: r.connected, failed: r.failed, disconnected: r.disconnected, tickMs: s.tickMs, missedTicks: s.missedTicks,
    kbPerClientPerSec: kb, rttMsP99: r.rttMs.p99, tickGaps: r.tickGaps, holds,
  };
}

const results: Step[] = [];
for (const bots of steps) {
  const { child, url } = await startZone();
  try {
    const report = await runSwarm({ url, count: bots, durationS: holdS, behavior: values.behavior as BehaviorName, ramp: Number(values.ramp), seed: 1 });
    const step = judge(bots, report);
    results.push(step);
    process.stderr.write(`ccu: ${bots} bots → ${JSON.stringify(step)}\n`);
    if (!step.holds) break;
  } finally {
    await stopZone(child);
  }
}
const holding = results.filter((s) => s.holds).map((s) => s.bots);
if (values.chart) {
  writeFileSync(values.chart, lineChart({
    title: `concurrency: tick time and bytes per client (${values.behavior} bots, ${holdS} s a step)`, xLabel: 'bots',
    leftLabel: 'server tick p99 (ms)', rightLabel: 'KB/s per client',
    series: [
      { name: 'tick p99 ms', axis: 'left', points: results.map((s) => [s.bots, s.tickMs?.p99 ?? 0] as const) },
      { name: 'KB/s per client', axis: 'right', points: results.map((s) => [s.bots, s.kbPerClientPerSec] as const) },
    ],
  }));
}
process.stdout.write(JSON.stringify({
  bench: 'ccu', holdS, behavior: values.behavior, steps: results,
  largestHolding: holding.length ? Math.max(...holding) : 0,
  goal: { bots: 5000, tickP99Ms: 20, kbPerClientPerSec: 4, missedTicks: 0, disconnects: 0 },
}) + '\n');
