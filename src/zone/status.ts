// The /status figures of a zone: one JSON object for operators, the bots' report and tests
// (tick, players, tick time, missed ticks, traffic, memory, store, where tick time goes).

import type { Percentiles } from '../metrics/index.js';
import { liveCount, type ZoneWorld } from '../sim/index.js';
import type { BudgetTotals } from './budget.js';
import type { TickDriver } from './driver.js';
import type { ZonePersistence } from './persistence.js';
import type { TickProfile, TickProfileSummary, TickTotals } from './profile.js';

export interface ZoneStatus {
  zone: { id: number; name: string };
  tick: number;
  tickRate: number;
  players: number;
  entities: number;
  connections: number;
  tickMs: Percentiles;
  missedTicks: number;
  catchUps: number;
  framesOut: number;
  bytesOut: number;
  uptimeS: number;
  memory: { rssMB: number; heapUsedMB: number };
  store?: ZonePersistence['stats'];
  /** Where tick time goes: mean ms per tick over the status window, and GC since start. */
  profile: TickProfileSummary;
  /** Running totals since start (a bench differences two readings to get its window's figures). */
  totals: TickTotals & { framesOut: number; bytesOut: number; sendsSaved: number };
  /** Under a bandwidth cap: cells sent and deferred and their waits, near and far, since start. */
  budget?: BudgetTotals;
}

/** Where the figures come from. */
export interface StatusSources {
  world: ZoneWorld;
  tickRate: number;
  connections: number;
  driver: Pick<TickDriver, 'missedTicks' | 'catchUps'>;
  delivery: { framesOut: number; bytesOut: number; sendsSaved: number; budgetTotals(): BudgetTotals | undefined };
  profile: TickProfile;
  store: ZonePersistence | undefined;
  /** performance.now() when the server was made. */
  startedAt: number;
}

/** Megabytes to one decimal. */
function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

export function zoneStatus(s: StatusSources): ZoneStatus {
  const { world, driver, delivery, store } = s;
  const budget = delivery.budgetTotals();
  return {
    zone: { id: world.config.id, name: world.config.name },
    tick: world.tick,
    tickRate: s.tickRate,
    players: world.sessions.size,
    entities: liveCount(world),
    connections: s.connections,
    tickMs: s.profile.tickMs(),
    missedTicks: driver.missedTicks,
    catchUps: driver.catchUps,
    framesOut: delivery.framesOut,
    bytesOut: delivery.bytesOut,
    uptimeS: Math.round((performance.now() - s.startedAt) / 100) / 10,
    memory: { rssMB: mb(process.memoryUsage.rss()), heapUsedMB: mb(process.memoryUsage().heapUsed) },
    ...(store ? { store: { ...store.stats } } : {}),
    profile: s.profile.summary(),
    totals: { ...s.profile.totals(), framesOut: delivery.framesOut, bytesOut: delivery.bytesOut, sendsSaved: delivery.sendsSaved },
    ...(budget ? { budget } : {}),
  };
}
