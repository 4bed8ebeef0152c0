// What an operator's tools read from the master (registry + gateway): GET /health, and GET
// /metrics in Prometheus text with the default process metrics, every refused request as
// `mmo_gateway_rejected_total{status, reason}` (the counts GET /stats gives as JSON), and the
// registered servers as `mmo_registry_servers{type, active}`. HEAD is answered on both.

import type { TemplatedApp } from 'uWebSockets.js';
import { Counter, Gauge, Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { getJson, rejectionsOf, type JsonRouteOptions, type TextBody } from './http.js';
import type { Registry } from './registry.js';

export interface OpsOptions extends JsonRouteOptions {
  /** The server registry served on this app, counted in the metrics. */
  registry?: Registry;
  /** True once the master is stopping: /health then says 'draining' (as a zone's does). */
  draining?: () => boolean;
}

/** Mounts /health and /metrics on `app`; returns the metrics registry (one per app, so several masters in one process do not collide). */
export function mountOps(app: TemplatedApp, options: OpsOptions = {}): MetricsRegistry {
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });
  const rejections = rejectionsOf(app);
  new Counter({
    name: 'mmo_gateway_rejected_total', help: 'HTTP requests refused by the master (registry and gateway), by status and reason',
    labelNames: ['status', 'reason'], registers: [metrics],
    // The counts live in the app's RejectionCounter; the metric mirrors them at each scrape.
    collect() {
      this.reset();
      for (const p of rejections.pairs()) this.inc({ status: p.status, reason: p.reason }, p.count);
    },
  });
  const registry = options.registry;
  if (registry) {
    new Gauge({
      name: 'mmo_registry_servers', help: 'Servers in the registry, by type and whether they heartbeat in time',
      labelNames: ['type', 'active'], registers: [metrics],
      collect() {
        this.reset();
        for (const s of registry.servers(Date.now())) this.inc({ type: s.type, active: String(s.active) });
      },
    });
  }
  const draining = options.draining ?? (() => false);
  getJson(app, '/health', options, () => ({ status: draining() ? 'draining' : 'ok' }));
  getJson(app, '/metrics', options, async (): Promise<TextBody> => ({ contentType: metrics.contentType, text: await metrics.metrics() }));
  return metrics;
}
