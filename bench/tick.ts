// Tick cost at 100,000 entities: 10,000 players walking to random points (some fighting and
// picking up items), 89,000 patrolling NPCs, 1,000 items. Fixed seed and sizes.
// Goal (issue 2): median tick ≤ 4 ms, p99 ≤ 8 ms with every system including the grid.
// Prints one JSON line.

import { runSim } from '../src/cli/sim.ts';

const ENTITIES = 100_000;
const WARMUP = 200;
const TICKS = 1_000;
const SEED = 20261124;

const report = runSim({ entities: ENTITIES, ticks: TICKS, warmup: WARMUP, seed: SEED, hashEveryTick: true });
process.stdout.write(JSON.stringify({
  bench: 'tick',
  entities: report.entities,
  players: report.players,
  ticks: report.ticks,
  tickMs: report.tickMs,
  systemsMs: report.systemsMs,
  hashMs: report.hashMs,
  heapMB: report.heapMB,
  arrayBuffersMB: report.arrayBuffersMB,
  eventsPerTick: Math.round(report.events / report.ticks),
  goal: { p50: 4, p99: 8 },
  pass: report.tickMs.p50 <= 4 && report.tickMs.p99 <= 8,
  hash: report.hash,
}) + '\n');
