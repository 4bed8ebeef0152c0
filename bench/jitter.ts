// The machine's own tick jitter: how steady a fixed piece of work is when run as a zone runs
// its ticks, pinned to core 0 (as bench/ccu pins the zone) on the zone's TickDriver at 20 Hz.
// Each tick does the same allocation-free arithmetic, sized to take --work milliseconds (one
// size after another: by default the tick means of the ccu ladder, from 250 bots to 3,000).
// What varies is the machine: other processes, interrupts, the hypervisor, the CPU's clock. A
// zone's tick p99 / mean cannot be steadier than this floor at the same tick length, so the
// ccu ladder's jitter is read against it. Per size, over --window seconds after 2 s: tick ms
// mean, p50, p99, max and p99 / mean, and the load average. Prints one JSON line.
//
//   npm run bench -- jitter [--work 0.5,1,2,4,8] [--window 30] [--unpinned]

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LogHistogram } from '../src/metrics/index.js';
import { TickDriver } from '../src/zone/index.js';

const { values } = parseArgs({
  options: {
    work: { type: 'string', default: '0.5,1,2,4,8' },
    window: { type: 'string', default: '30' },
    unpinned: { type: 'boolean', default: false },
  },
});
const TICK_MS = 50, WARMUP_S = 2, windowS = Number(values.window);
const PINNED = !values.unpinned && spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
const r2 = (v: number) => Math.round(v * 100) / 100;

/** The fixed work: `n` rounds of float arithmetic the optimizer cannot drop. */
let sink = 0;
function work(n: number): void {
  let a = 1.000001, b = 0.5;
  for (let i = 0; i < n; i++) {
    a = a * 1.0000001 + b;
    b = b * 0.9999999 - a * 1e-9;
  }
  sink += a + b;
}

/** Rounds of work() per millisecond: the median of 41 timed runs of 1 ms worth. */
function calibrate(): number {
  let perMs = 1e5;
  for (let i = 0; i < 20; i++) { // settle the JIT and a first estimate
    const t0 = performance.now();
    work(perMs);
    perMs = perMs / Math.max(0.01, performance.now() - t0);
  }
  const rates: number[] = [];
  for (let i = 0; i < 41; i++) {
    const t0 = performance.now();
    work(perMs);
    rates.push(perMs / (performance.now() - t0));
  }
  return rates.sort((x, y) => x - y)[20];
}

/** Runs ticks of `workMs` each for the warm-up and the window; the window's tick times. */
function measure(workMs: number, perMs: number): Promise<object> {
  const rounds = Math.round(workMs * perMs), h = new LogHistogram();
  const ticks = (WARMUP_S + windowS) * (1000 / TICK_MS);
  let n = 0;
  return new Promise((resolve) => {
    const driver = new TickDriver(TICK_MS, () => {
      const t0 = performance.now();
      work(rounds);
      if (n++ >= WARMUP_S * (1000 / TICK_MS)) h.add(performance.now() - t0);
      if (n < ticks) return;
      driver.stop();
      const mean = h.mean(), p99 = h.percentile(99);
      resolve({ workMs, ticks: h.count, tickMs: { mean: r2(mean), p50: r2(h.percentile(50)), p99: r2(p99), max: r2(h.max) }, p99OverMean: r2(p99 / mean), missedTicks: driver.missedTicks });
    });
    driver.start();
  });
}

const perMs = calibrate();
const sizes: object[] = [];
for (const ms of values.work.split(',').map(Number)) {
  sizes.push(await measure(ms, perMs));
  process.stderr.write(`jitter: ${JSON.stringify(sizes.at(-1))}\n`);
}
process.stdout.write(JSON.stringify({ bench: 'jitter', pinned: PINNED, tickMs: TICK_MS, windowS, sizes, loadAverage1m: r2(loadavg()[0]) }) + '\n');
