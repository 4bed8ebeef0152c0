// The tick profiler: how long ticks take (percentiles for /status, a histogram for /metrics)
// and where the time goes (step, fan-out index, encoding, sending, and GC pauses).

import { PerformanceObserver } from 'node:perf_hooks';
import { SampleWindow, type Percentiles } from '../metrics/index.js';
import type { ZoneMetrics } from './metrics.js';

/** The parts of a tick that are timed separately. */
export type TickPart = 'step' | 'index' | 'encode' | 'send';

/** Mean ms per tick of each part, and GC since start. */
export interface TickProfileSummary {
  stepMs: number;
  indexMs: number;
  encodeMs: number;
  sendMs: number;
  gcMs: number;
  gcCount: number;
}

/** Over the last minute of ticks at 20 Hz. */
const WINDOW = 1200;

export class TickProfile {
  private readonly ticks = new SampleWindow(WINDOW);
  private readonly parts: Record<TickPart, SampleWindow> = {
    step: new SampleWindow(WINDOW), index: new SampleWindow(WINDOW), encode: new SampleWindow(WINDOW), send: new SampleWindow(WINDOW),
  };
  private gcMs = 0;
  private gcCount = 0;
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcMs += e.duration;
      this.gcCount++;
    }
  });

  constructor(private readonly metrics: ZoneMetrics) {}

  /** GC pauses are observed only while the zone runs (an observer per zone, released on stop). */
  start(): void {
    this.gc.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.gc.disconnect();
  }

  /** Time one part of this tick took. */
  add(part: TickPart, ms: number): void {
    this.parts[part].add(ms);
  }

  /** A whole tick took `ms`: into the window and the Prometheus histogram. */
  endTick(ms: number): void {
    this.ticks.add(ms);
    this.metrics.tickDuration.observe(ms / 1000);
    this.metrics.ticks.inc();
  }

  tickMs(): Percentiles {
    return this.ticks.summary();
  }

  summary(): TickProfileSummary {
    const mean = (part: TickPart) => this.parts[part].summary().mean;
    return {
      stepMs: mean('step'), indexMs: mean('index'), encodeMs: mean('encode'), sendMs: mean('send'),
      gcMs: Math.round(this.gcMs), gcCount: this.gcCount,
    };
  }
}
