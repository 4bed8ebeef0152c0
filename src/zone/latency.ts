// Each connection's round trip, measured by the server itself with WebSocket ping/pong control
// frames (every client library and browser answers them without the application's help).
// Lag-compensated attacks rewind by this measurement, never by anything a client claims:
// the target is judged where the attacker saw it, its render delay plus the one-way latency
// ago, capped at MAX_REWIND_TICKS (200 ms). The rewind goes into the recorded Attack input,
// so a replay judges it the same way.

import { rules } from '../sim/index.js';
import type { ZoneContext } from './context.js';
import type { Conn } from './socket.js';

/** A connection is pinged about every 5 s at 20 Hz (spread over the ticks by session number). */
export const PROBE_EVERY_TICKS = 100;
/** How far behind the server a client draws others: the SDK's interpolation delay (PROTOCOL.md §7). */
export const VIEW_DELAY_MS = 100;
/** Weight of a new round-trip sample in the moving average. */
const GAIN = 0.25;

export class LatencyProbe {
  constructor(private readonly z: ZoneContext) {}

  /** Pings the joined connections whose turn it is this tick, and every one just joined. */
  probe(now: number): void {
    const tick = this.z.world.tick;
    for (const conn of this.z.conns.values()) {
      const s = conn.session;
      if (s.stage !== 'joined' || s.observer || s.pingSentAt !== undefined) continue;
      if (s.rttMs !== undefined && (s.number + tick) % PROBE_EVERY_TICKS !== 0) continue;
      s.pingSentAt = now;
      conn.ws.ping();
    }
  }

  /** A pong arrived: one round-trip sample. Unasked pongs are ignored. */
  pong(conn: Conn, now: number): void {
    const s = conn.session;
    if (s.pingSentAt === undefined) return;
    const sample = now - s.pingSentAt;
    s.pingSentAt = undefined;
    s.rttMs = s.rttMs === undefined ? sample : s.rttMs + GAIN * (sample - s.rttMs);
  }

  /** Ticks an attack by this connection is rewound: 0 without lag compensation. */
  rewindFor(conn: Conn): number {
    if (!this.z.options.lagCompensation) return 0;
    const tickMs = 1000 / this.z.options.tickRate;
    const seenAgoMs = VIEW_DELAY_MS + (conn.session.rttMs ?? 0) / 2;
    return Math.min(rules.MAX_REWIND_TICKS, Math.round(seenAgoMs / tickMs));
  }
}
