// View + encode cost of one tick's snapshots: 5,000 clients in a 100,000-entity zone with
// about 100 entities in each client's view. Measures Fanout.index() plus one frame per client
// (the bytes a socket send would take), not the step. Goal (issue 3): ≤ 8 ms per tick; frame
// assembly (issue 13): ≤ 1 µs per client, with the heap allocations per frame counted too:
// run with --expose-gc and each tick's frames start on a collected heap, so the heap's growth
// over them is what they allocated (without it, ticks with a collection in them are left out).
// Prints one JSON line.
//
//   node --import tsx --expose-gc bench/encode.ts [--budget BYTES_PER_S]
//
// --budget: every client under that bandwidth cap (src/zone/budget.ts), to see what choosing
// cells costs per client.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { summarize } from '../src/metrics/index.js';
import { buildRig, viewStats } from './lib/fanoutRig.ts';

const TICKS = 200;
const WARMUP = 40;
// 100 entities in a 250 × 250 view square (5 × 5 cells of 50) → side ≈ 7,900 for 100k.
const budget = Number(parseArgs({ options: { budget: { type: 'string', default: '0' } } }).values.budget);
const rig = buildRig({
  entities: 100_000, players: 10_000, clients: 5_000, side: 7900, guardShare: 0.5, moveChance: 0.05, seed: 7, bandwidthBytesPerSec: budget,
});

const times: number[] = [];
let bytes = 0, frames = 0, sent = 0, keyframeBytes = 0, assemblyMs = 0, heapGrowth = 0, heapTicks = 0;
const collect = (globalThis as { gc?: () => void }).gc;
const tally = { tickBytes: 0, tickSent: 0 };

/** One frame per client, in a function of its own (top-level loops run unoptimized and allocate). */
function frameEveryClient(): typeof tally {
  tally.tickBytes = tally.tickSent = 0;
  const { viewers, fan } = rig;
  for (let i = 0; i < viewers.length; i++) {
    const n = fan.frame(viewers[i], 0)?.length ?? 0;
    tally.tickBytes += n;
    if (n > 0) tally.tickSent++;
  }
  return tally;
}
for (let t = 0; t < WARMUP + TICKS; t++) {
  rig.step();
  collect?.();
  const start = performance.now();
  rig.fan.index();
  const heap0 = process.memoryUsage().heapUsed;
  const a = performance.now();
  const { tickBytes, tickSent } = frameEveryClient();
  const end = performance.now();
  const grown = process.memoryUsage().heapUsed - heap0;
  if (t === 0) keyframeBytes = tickBytes / rig.viewers.length;
  if (t >= WARMUP) {
    times.push(end - start);
    assemblyMs += end - a;
    if (grown >= 0) { // a tick with a GC in it reads as negative: left out
      heapGrowth += grown;
      heapTicks++;
    }
    bytes += tickBytes;
    frames += rig.viewers.length;
    sent += tickSent;
  }
}
const view = viewStats(rig);
process.stdout.write(JSON.stringify({
  bench: 'encode',
  entities: 100_000,
  clients: rig.viewers.length,
  ticks: TICKS,
  ...(budget > 0 ? { budgetBytesPerSec: budget } : {}),
  entitiesInView: Math.round(view.inView),
  movingShare: Math.round(view.moving * 100) / 100,
  tickMs: summarize(times),
  assemblyUsPerClient: Math.round((assemblyMs * 1000 / frames) * 100) / 100,
  heapBytesPerClientFrame: heapTicks ? Math.round((heapGrowth / heapTicks / rig.viewers.length) * 10) / 10 : null,
  heapBytesPerSentFrame: heapTicks && sent ? Math.round((heapGrowth / heapTicks / (sent / TICKS)) * 10) / 10 : null,
  heapMeasuredTicks: heapTicks,
  gcExposed: collect !== undefined,
  framesSentShare: Math.round((sent / frames) * 100) / 100,
  meanFrameBytes: Math.round(bytes / Math.max(1, sent)),
  keyframeBytes: Math.round(keyframeBytes),
  goal: { tickMsP50: 8 },
  pass: summarize(times).p50 <= 8,
}) + '\n');
