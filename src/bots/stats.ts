// What a group of bots measured, in a form that crosses a worker boundary and merges.

import { LogHistogram, type LogHistogramData } from '../metrics/index.js';

export interface BotCounters {
  started: number;
  connected: number;
  failed: number;
  /** Gateway requests tried again after a 429/503 ("busy, retry"). */
  loginRetries: number;
  /** Bots back in the world after the server side lost their connection (routed again by the gateway). */
  rejoined: number;
  /** Closed while the run was still on, by reason ("1008 TooSlow: ..."). */
  disconnected: Record<string, number>;
  /** Connect failures by reason. */
  failures: Record<string, number>;
  errors: Record<string, number>;
  frames: number;
  bytes: number;
  snapshots: number;
  /** Snapshots whose tick was not the previous one + 1 (a skipped tick). */
  tickGaps: number;
  /** Sum over bots of the time each was joined, in seconds. */
  botSeconds: number;
}

export interface BotStatsData extends BotCounters {
  rtt: LogHistogramData;
  snapshotInterval: LogHistogramData;
}

export function emptyCounters(): BotCounters {
  return { started: 0, connected: 0, failed: 0, loginRetries: 0, rejoined: 0, disconnected: {}, failures: {}, errors: {}, frames: 0, bytes: 0, snapshots: 0, tickGaps: 0, botSeconds: 0 };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export class BotStats {
  c = emptyCounters();
  rtt = new LogHistogram();
  snapshotInterval = new LogHistogram();

  count(map: 'disconnected' | 'failures' | 'errors', reason: string): void {
    this.c[map][reason] = (this.c[map][reason] ?? 0) + 1;
  }

  toData(): BotStatsData {
    return { ...this.c, rtt: this.rtt.toData(), snapshotInterval: this.snapshotInterval.toData() };
  }

  merge(d: BotStatsData): void {
    const c = this.c;
    c.started += d.started;
    c.connected += d.connected;
    c.failed += d.failed;
    c.loginRetries += d.loginRetries;
    c.rejoined += d.rejoined;
    c.frames += d.frames;
    c.bytes += d.bytes;
    c.snapshots += d.snapshots;
    c.tickGaps += d.tickGaps;
    c.botSeconds += d.botSeconds;
    addCounts(c.disconnected, d.disconnected);
    addCounts(c.failures, d.failures);
    addCounts(c.errors, d.errors);
    this.rtt.merge(d.rtt);
    this.snapshotInterval.merge(d.snapshotInterval);
  }
}
