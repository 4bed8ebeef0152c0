// Prometheus metrics of one zone server, on a registry of its own so several servers in one
// process (tests, `mmo world`) do not collide.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createZoneMetrics(zone: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ zone });
  return {
    registry,
    tickDuration: new Histogram({
      name: 'mmo_tick_duration_seconds', help: 'Time to drain inputs, step the simulation and publish one tick',
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.05, 0.1, 0.25], registers: [registry],
    }),
    ticks: new Counter({ name: 'mmo_ticks_total', help: 'Ticks simulated', registers: [registry] }),
    missedTicks: new Gauge({ name: 'mmo_missed_ticks', help: 'Ticks dropped because the loop fell behind', registers: [registry] }),
    players: new Gauge({ name: 'mmo_players', help: 'Players in the zone', registers: [registry] }),
    entities: new Gauge({ name: 'mmo_entities', help: 'Live entities in the zone', registers: [registry] }),
    connections: new Gauge({ name: 'mmo_connections', help: 'Open WebSocket connections', registers: [registry] }),
    framesOut: new Counter({ name: 'mmo_frames_sent_total', help: 'Frames sent to clients', registers: [registry] }),
    bytesOut: new Counter({ name: 'mmo_sent_bytes_total', help: 'Payload bytes sent to clients', registers: [registry] }),
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
}

export type ZoneMetrics = ReturnType<typeof createZoneMetrics>;

/**
 * A labelled Prometheus counter over counts another part keeps (the bus, the handoffs), read
 * at scrape time: each label's counter grows by what the count grew since the last scrape.
 */
export function countersFrom(metrics: ZoneMetrics, name: string, help: string, label: string, read: () => Record<string, number>): void {
  const seen: Record<string, number> = {};
  new Counter({
    name, help, labelNames: [label], registers: [metrics.registry],
    collect() {
      for (const [value, count] of Object.entries(read())) {
        const delta = count - (seen[value] ?? 0);
        if (delta > 0) this.inc({ [label]: value }, delta);
        seen[value] = count;
      }
    },
  });
}
