// `mmo sim`: a generated zone with synthetic players, run headless for N ticks; reports tick
// time percentiles, the per-system split, heap and the final state hash.

import { performance } from 'node:perf_hooks';
import { summarize, type Percentiles } from '../metrics/index.js';
import { Recorder } from '../replay/index.js';
import {
  PHASES, Scenario, generateZone, liveCount, stateHash, stepZoneObserved, zoneForEntities, type ScenarioOptions,
} from '../sim/index.js';

export interface SimOptions {
  entities: number;
  ticks: number;
  seed: number;
  /** Share of entities that are players (the rest NPCs and 1 % items). */
  playerShare?: number;
  /** Ticks run before measuring starts (not in the figures, still recorded). */
  warmup?: number;
  record?: string;
  /** Hash every tick (always on when recording). */
  hashEveryTick?: boolean;
  scenario?: Partial<ScenarioOptions>;
}

export interface SimReport {
  ticks: number;
  entities: number;
  players: number;
  npcs: number;
  items: number;
  tickMs: Percentiles;
  systemsMs: Record<string, number>;
  hashMs?: Percentiles;
  heapMB: number;
  arrayBuffersMB: number;
  events: number;
  rejections: number;
  hash: string;
}

const MB = 1024 * 1024;

export function runSim(o: SimOptions, now: () => number = () => performance.now()): SimReport {
  const players = Math.round(o.entities * (o.playerShare ?? 0.1));
  const items = Math.round(o.entities * 0.01);
  const npcs = o.entities - players - items;
  const zone = zoneForEntities(o.entities, { npcs, items, guardShare: 0 });
  const world = generateZone(zone, o.seed);
  const scenario = new Scenario(world, { seed: o.seed, ...o.scenario, players });
  const recorder = o.record ? new Recorder(o.record, o.seed, world.config, 'mmo sim', { world }) : undefined;
  const hashEveryTick = o.hashEveryTick || recorder !== undefined;
  const warmup = o.warmup ?? 0;
  const tickTimes: number[] = [];
  const hashTimes: number[] = [];
  const phaseTotals: Record<string, number> = Object.fromEntries(PHASES.map((p) => [p.name, 0]));
  let events = 0, rejections = 0;
  try {
    for (let t = 0; t < warmup + o.ticks; t++) {
      const measured = t >= warmup;
      const inputs = scenario.next();
      const start = now();
      stepZoneObserved(world, inputs, (phase, run) => {
        const s = now();
        run();
        if (measured) phaseTotals[phase.name] += now() - s;
      });
      const stepped = now();
      if (hashEveryTick) {
        const h = stateHash(world);
        if (measured) hashTimes.push(now() - stepped);
        recorder?.record(world.tick, inputs, h);
      }
      if (measured) {
        tickTimes.push(stepped - start);
        events += world.events.length;
        rejections += world.rejections.length;
      }
    }
  } finally {
    recorder?.close();
  }
  const mem = process.memoryUsage();
  const systemsMs: Record<string, number> = {};
  for (const p of PHASES) systemsMs[p.name] = Math.round((phaseTotals[p.name] / Math.max(1, o.ticks)) * 1000) / 1000;
  return {
    ticks: o.ticks,
    entities: liveCount(world),
    players: world.sessions.size,
    npcs,
    items,
    tickMs: summarize(tickTimes),
    systemsMs,
    ...(hashEveryTick ? { hashMs: summarize(hashTimes) } : {}),
    heapMB: Math.round((mem.heapUsed / MB) * 10) / 10,
    arrayBuffersMB: Math.round((mem.arrayBuffers / MB) * 10) / 10,
    events,
    rejections,
    hash: stateHash(world).hex,
  };
}

export function formatSimReport(r: SimReport): string {
  const sys = Object.entries(r.systemsMs).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  return [
    `${r.ticks} ticks, ${r.entities} entities (${r.players} players, ${r.npcs} npcs, ${r.items} items)`,
    `tick ms: p50 ${r.tickMs.p50}  p99 ${r.tickMs.p99}  max ${r.tickMs.max}  mean ${r.tickMs.mean}`,
    `systems ms/tick: ${sys}`,
    ...(r.hashMs ? [`state hash ms: p50 ${r.hashMs.p50}  p99 ${r.hashMs.p99}`] : []),
    `heap ${r.heapMB} MB, typed arrays ${r.arrayBuffersMB} MB; ${r.events} events, ${r.rejections} rejected inputs`,
    `final state hash ${r.hash}`,
  ].join('\n');
}
