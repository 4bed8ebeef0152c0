// Prometheus metrics of one zone server, on a registry of its own so several servers in one
// process (tests, `mmo world`) do not collide. Figures other parts keep (connections, missed
// ticks, frames and bytes sent, bus and handoff counts) are read at scrape time: a send is a
// plain increment, not two calls into prom-client (which allocate) per client per tick. The process's own figures (CPU,
// memory, event loop lag, GC) are collected once per process and appended to every zone's page.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the zone's gauges and counters read when scraped. */
export interface ZoneFigures {
  players(): number;
  entities(): number;
  connections(): number;
  missedTicks(): number;
  framesOut(): number;
  bytesOut(): number;
}

export function createZoneMetrics(zone: string, figures: ZoneFigures) {
  const registry = new Registry();
  registry.setDefaultLabels({ zone });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  const metrics = {
    registry,
    tickDuration: new Histogram({
      name: 'mmo_tick_duration_seconds', help: 'Time to drain inputs, step the simulation and publish one tick',
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.05, 0.1, 0.25], registers: [registry],
    }),
    ticks: new Counter({ name: 'mmo_ticks_total', help: 'Ticks simulated', registers: [registry] }),
    players: gauge('mmo_players', 'Players in the zone', figures.players),
    entities: gauge('mmo_entities', 'Live entities in the zone', figures.entities),
    connections: gauge('mmo_connections', 'Open WebSocket connections', figures.connections),
    framesIn: new Counter({ name: 'mmo_frames_received_total', help: 'Frames received from clients', registers: [registry] }),
    rejected: new Counter({
      name: 'mmo_inbound_rejected_total', help: 'Inbound frames or inputs refused, by reason', labelNames: ['reason'], registers: [registry],
    }),
    skippedFrames: new Counter({ name: 'mmo_snapshots_skipped_total', help: 'Snapshots not sent because the client was over its send budget', registers: [registry] }),
    closed: new Counter({ name: 'mmo_connections_closed_total', help: 'Connections closed by the server, by reason', labelNames: ['reason'], registers: [registry] }),
    storeFlush: new Histogram({
      name: 'mmo_store_flush_seconds', help: 'Write-behind flush: hand-off to durable commit',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
  };
  countersFrom(registry, 'mmo_missed_ticks_total', 'Ticks dropped because the loop fell behind', undefined, () => ({ '': figures.missedTicks() }));
  countersFrom(registry, 'mmo_frames_sent_total', 'Frames sent to clients', undefined, () => ({ '': figures.framesOut() }));
  countersFrom(registry, 'mmo_sent_bytes_total', 'Payload bytes sent to clients', undefined, () => ({ '': figures.bytesOut() }));
  return metrics;
}

export type ZoneMetrics = ReturnType<typeof createZoneMetrics>;

/**
 * A Prometheus counter over counts another part keeps (the driver, the bus, the handoffs), read
 * at scrape time: each label's counter grows by what the count grew since the last scrape.
 * Without a label, the one count is read under the key ''.
 */
export function countersFrom(registry: Registry, name: string, help: string, label: string | undefined, read: () => Record<string, number>): void {
  const seen: Record<string, number> = {};
  new Counter({
    name, help, labelNames: label ? [label] : [], registers: [registry],
    collect() {
      for (const [value, count] of Object.entries(read())) {
        const delta = count - (seen[value] ?? 0);
        if (delta > 0) this.inc(label ? { [label]: value } : {}, delta);
        seen[value] = count;
      }
    },
  });
}

let processRegistry: Registry | undefined;

/**
 * prom-client's default process metrics, registered once per process: each registration
 * starts its own event-loop monitor and GC observer, and they describe the process, not a zone.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The zone's metrics page: its own figures, then the process's. */
export async function metricsText(metrics: ZoneMetrics): Promise<string> {
  const [zone, process] = await Promise.all([metrics.registry.metrics(), processMetrics().metrics()]);
  return `${zone.trimEnd()}\n${process}`;
}

/** Both registries write the same text format. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
