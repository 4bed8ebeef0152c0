// The registry's heartbeat over the bus: servers publish LoadReport on `registry.load`; the
// master applies each one, from the sender the bus authenticated, to the registry.

import type { Bus, Unsubscribe } from '../bus/index.js';
import type { Registry } from './registry.js';

export const LOAD_SUBJECT = 'registry.load';

/** Applies verified load reports to the registry; unknown or mismatched senders are counted and dropped. */
export function bridgeLoadReports(bus: Bus, registry: Registry, clock: () => number = Date.now): { stop: Unsubscribe; dropped: () => number } {
  let dropped = 0;
  const stop = bus.subscribe(LOAD_SUBJECT, (msg, meta) => {
    if (msg.type !== 'loadReport' || msg.serverId !== meta.from) {
      dropped++;
      return;
    }
    try {
      registry.heartbeat(meta.from, { load: Math.round(msg.load * msg.capacity) }, clock());
    } catch {
      dropped++; // not registered (yet): it registers over HTTP first
    }
  });
  return { stop, dropped: () => dropped };
}

/** What a server publishes: its load as a share of its capacity. */
export function publishLoad(bus: Bus, players: number, capacity: number): void {
  bus.publish(LOAD_SUBJECT, { type: 'loadReport', serverId: bus.serverId, load: capacity > 0 ? players / capacity : 0, capacity });
}
