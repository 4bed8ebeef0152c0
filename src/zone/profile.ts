// The tick profiler: how long ticks take (percentiles for /status, a histogram for /metrics)
// and where the time goes (step, fan-out index, encoding, sending, and GC pauses).

import { performance, PerformanceObserver } from 'node:perf_hooks';
import { LogHistogram, SampleWindow, type LogHistogramData, type Percentiles } from '../metrics/index.js';
import type { ZoneMetrics } from './metrics.js';

/** The parts of a tick that are timed separately (record: hashing and handing the tick to the recorders). */
export const TICK_PARTS = ['step', 'record', 'index', 'encode', 'send'] as const;
export type TickPart = (typeof TICK_PARTS)[number];

/** Milliseconds of each part: stepMs, recordMs, indexMs, encodeMs, sendMs. */
export type PartMs = { [P in TickPart as `${P}Ms`]: number };

/** Mean ms per tick of each part, and GC since start. */
export interface TickProfileSummary extends PartMs {
  gcMs: number;
  gcCount: number;
}

/**
 * Running totals since start, for a bench to difference over exactly its own window: ticks,
 * ms per part, GC ms, and every tick's duration in a log histogram (percentiles of a window =
 * percentiles of the difference of two readings).
 */
export interface TickTotals extends PartMs {
  ticks: number;
  gcMs: number;
  tickMs: LogHistogramData;
  /**
   * The tick schedule on the wall clock: tick T is due at originEpochMs + T × tickMs (ms since
   * the epoch, sub-ms; over the last 20 ticks, the earliest any began less its number of
   * ticks, so ticks missed before then do not count). A client's staleness is its arrival
   * time minus its frame's tick's due time.
   */
  tickClock: { originEpochMs: number; tickMs: number };
}

/** Over the last minute of ticks at 20 Hz. */
const WINDOW = 1200;

export class TickProfile {
  private readonly ticks = new SampleWindow(WINDOW);
  private readonly parts = Object.fromEntries(TICK_PARTS.map((p) => [p, new SampleWindow(WINDOW)])) as Record<TickPart, SampleWindow>;
  private gcMs = 0;
  private gcCount = 0;
  private readonly sums = Object.fromEntries(TICK_PARTS.map((p) => [p, 0])) as Record<TickPart, number>;
  private readonly tickHistogram = new LogHistogram();
  private readonly tickClock = { originEpochMs: Infinity, tickMs: 0 };
  private originMin = Infinity;
  private originTicks = 0;
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
    this.sums[part] += ms;
  }

  /** Tick `tick`, due every `tickMs`, began at `start` (performance.now()): the schedule's origin, re-read every 20 ticks. */
  beginTick(tick: number, start: number, tickMs: number): void {
    this.originMin = Math.min(this.originMin, performance.timeOrigin + start - tick * tickMs);
    if (++this.originTicks < 20) return;
    this.tickClock.originEpochMs = this.originMin;
    this.tickClock.tickMs = tickMs;
    this.originMin = Infinity;
    this.originTicks = 0;
  }

  /** A whole tick took `ms`: into the window and the Prometheus histogram. */
  endTick(ms: number): void {
    this.ticks.add(ms);
    this.tickHistogram.add(ms);
    this.metrics.tickDuration.observe(ms / 1000);
    this.metrics.ticks.inc();
  }

  tickMs(): Percentiles {
    return this.ticks.summary();
  }

  /** Each part's figure under its `<part>Ms` name. */
  private perPart(figure: (part: TickPart) => number): PartMs {
    return Object.fromEntries(TICK_PARTS.map((p) => [`${p}Ms`, figure(p)])) as PartMs;
  }

  summary(): TickProfileSummary {
    const mean = (part: TickPart) => this.parts[part].summary().mean;
    return { ...this.perPart(mean), gcMs: Math.round(this.gcMs), gcCount: this.gcCount };
  }

  totals(): TickTotals {
    return {
      ticks: this.tickHistogram.count, ...this.perPart((part) => this.sums[part]),
      gcMs: this.gcMs, tickMs: this.tickHistogram.toData(), tickClock: { ...this.tickClock },
    };
  }
}
