// `mmo bots`: a swarm of real WebSocket clients against a zone server, with a live progress
// line on a terminal (plain log lines otherwise), a final report (also on SIGINT/SIGTERM),
// optionally as JSON and as a chart against time, and an exit code a CI job can gate on.

import { writeFileSync } from 'node:fs';
import { clearLine, cursorTo } from 'node:readline';
import { formatReport, readStatus, runSwarm, type BehaviorName, type SwarmProgress, type SwarmReport } from '../bots/index.js';
import { checkThresholds, formatThresholds, type Threshold } from '../bots/thresholds.js';
import { stackedCharts } from '../metrics/index.js';
import { stopRequest } from './signals.js';

export interface BotsCommandOptions {
  url?: string;
  gateway?: string;
  count: number;
  duration: number;
  behavior: BehaviorName;
  ramp: number;
  workers?: number;
  seed: number;
  threshold?: Threshold[];
  json?: string;
  /** Write an SVG chart against time: connected bots, server tick p99 and KB/s per bot. */
  chart?: string;
}

/** Every threshold held. */
export const EXIT_PASSED = 0;
/** A threshold failed. */
export const EXIT_THRESHOLD_FAILED = 1;
/** No bot ever joined (dead port, every login refused): there is nothing to judge. */
export const EXIT_COULD_NOT_RUN = 3;

function progressLine(p: SwarmProgress): string {
  return `[${p.elapsedS.toFixed(1)}s] connected ${p.connected}/${p.started}  failed ${p.failed}  ` +
    `disconnected ${p.disconnected}  errors ${p.errors}  ${p.framesPerSec} frames/s  rtt ${p.rttMs} ms`;
}

interface Sample { t: number; bots: number; tickP99?: number; kbPerBot: number }

// One panel per figure, each with the connected bots on its right axis: a fast ramp reads as a
// slope over time rather than a smear at one bot count.
function timeChart(o: BotsCommandOptions, samples: readonly Sample[]): string {
  const bots = { name: 'connected bots', axis: 'right' as const, points: samples.map((s) => [s.t, s.bots] as const) };
  const panel = (title: string, leftLabel: string, name: string, points: (readonly [number, number])[]) =>
    ({ title, xLabel: 'seconds since start', leftLabel, rightLabel: 'connected bots', series: [{ name, axis: 'left' as const, points }, bots] });
  const withTick = samples.filter((s) => s.tickP99 !== undefined);
  return stackedCharts([
    ...(withTick.length > 0 ? [panel(`${o.count} bots (${o.behavior}) against ${o.url}`, 'server tick p99 (ms)', 'tick p99 ms',
      withTick.map((s) => [s.t, s.tickP99!] as const))] : []),
    panel(`KB/s per bot, ${o.count} bots against ${o.url ?? o.gateway}`, 'KB/s per bot', 'KB/s per bot', samples.map((s) => [s.t, s.kbPerBot] as const)),
  ]);
}

/** Judges the report: could the run run at all, and did every threshold hold. */
function verdict(report: SwarmReport, thresholds: readonly Threshold[], print: (line: string) => void): number {
  if (report.connected === 0) {
    print(`could not run: no bot joined (${Object.entries(report.failureReasons).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none started'})`);
    return EXIT_COULD_NOT_RUN;
  }
  const results = checkThresholds(report, thresholds);
  print(`thresholds:\n${formatThresholds(results)}`);
  return results.every((r) => r.ok) ? EXIT_PASSED : EXIT_THRESHOLD_FAILED;
}

/** Runs the swarm; resolves to the process exit code. */
export async function runBotsCommand(o: BotsCommandOptions, print: (line: string) => void): Promise<number> {
  if (!o.url && !o.gateway) throw new Error('give --url (a zone) or --gateway (log in and be routed)');
  const tty = process.stdout.isTTY === true;
  let lastLog = 0;
  const samples: Sample[] = [];
  // The first signal ends the run and still prints the report; a second one quits at once
  // (a launcher's copy of the first is not a second: stopRequest()).
  const interrupt = new AbortController();
  let first: { signal: string; atMs: number } | undefined;
  const onSignal = (signal: string) => {
    const request = stopRequest(first, signal, performance.now());
    if (request === 'force') process.exit(130);
    if (request === 'same') return;
    first = { signal, atMs: performance.now() };
    print(`${tty ? '\n' : ''}${signal}: stopping the bots; the report follows`);
    interrupt.abort();
  };
  const onInt = () => onSignal('SIGINT'), onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  print(`bots: ${o.count} against ${o.url ?? o.gateway}, ${o.ramp}/s, ${o.duration} s after the ramp`);
  let report: SwarmReport;
  try {
    report = await runSwarm(
      { url: o.url ?? '', gateway: o.gateway, count: o.count, durationS: o.duration, behavior: o.behavior, ramp: o.ramp, workers: o.workers, seed: o.seed, signal: interrupt.signal },
      (p) => {
        if (o.chart) {
          const sample: Sample = { t: p.elapsedS, bots: p.connected, kbPerBot: p.connected > 0 ? p.bytesPerSec / p.connected / 1000 : 0 };
          samples.push(sample);
          if (o.url) void readStatus(o.url).then((s) => { if (typeof s !== 'string') sample.tickP99 = s.tickMs.p99; });
        }
        if (tty) {
          clearLine(process.stdout, 0);
          cursorTo(process.stdout, 0);
          process.stdout.write(progressLine(p));
        } else if (p.elapsedS - lastLog >= 5) {
          lastLog = p.elapsedS;
          print(progressLine(p));
        }
      },
    );
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (tty) process.stdout.write('\n');
  print(formatReport(report));
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
  if (o.chart) {
    writeFileSync(o.chart, timeChart(o, samples));
    print(`chart written to ${o.chart} (${samples.length} samples)`);
  }
  return verdict(report, o.threshold ?? [], print);
}
