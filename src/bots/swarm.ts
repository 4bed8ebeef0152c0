// The swarm: splits the bots over worker threads, ramps them up, aggregates their progress
// and final figures, and reads the server's own view from its /status.

import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../runtime/index.js';
import type { BehaviorName } from './behavior.js';
import { BotStats, type BotStatsData } from './stats.js';
import type { WorkerCommand, WorkerMessage, WorkerTask } from './worker.js';

export interface SwarmOptions {
  /** Zone URL; with `gateway`, unused for joining (the gateway routes each bot). */
  url: string;
  gateway?: string;
  count: number;
  /** Seconds every bot stays after the ramp. */
  durationS: number;
  behavior: BehaviorName;
  /** Bots started per second, all workers together. */
  ramp: number;
  workers?: number;
  seed?: number;
  thinkMs?: number;
  /** Aborting ends the run early (the bots leave); the report covers what ran. */
  signal?: AbortSignal;
}

export interface SwarmProgress {
  elapsedS: number;
  connected: number;
  started: number;
  failed: number;
  disconnected: number;
  errors: number;
  framesPerSec: number;
  bytesPerSec: number;
  rttMs: number;
}

interface ServerStatus {
  tick: number;
  players: number;
  tickMs: { p50: number; p99: number; max: number };
  missedTicks: number;
  framesOut: number;
  bytesOut: number;
}

export interface SwarmReport {
  url: string;
  count: number;
  behavior: BehaviorName;
  durationS: number;
  workers: number;
  /** Ended early by the signal (SIGINT/SIGTERM in `mmo bots`). */
  interrupted: boolean;
  connected: number;
  failed: number;
  loginRetries: number;
  /** Bots that lost their zone and were routed back in by the gateway. */
  rejoined: number;
  disconnected: number;
  disconnectReasons: Record<string, number>;
  failureReasons: Record<string, number>;
  errors: Record<string, number>;
  /** Totals received by all bots (every frame type). */
  framesReceived: number;
  bytesReceived: number;
  /** Snapshots that came more than a heartbeat (250 ms of ticks) after the previous one. */
  tickGaps: number;
  framesPerBotPerSec: number;
  bytesPerBotPerSec: number;
  snapshotsPerBotPerSec: number;
  rttMs: { p50: number; p95: number; p99: number; mean: number };
  snapshotIntervalMs: { p50: number; p99: number; max: number; stddev: number };
  server: {
    tickMs?: { p50: number; p99: number; max: number };
    missedTicks?: number;
    /** The most players the server counted during the run (read every second). */
    playersAtPeak?: number;
    /** Frames and bytes the server sent during the run. */
    framesOut?: number;
    bytesOut?: number;
    error?: string;
  };
}

/** http://host:port/status for a ws://host:port/ zone URL. */
export function statusUrl(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '/status';
  u.search = '';
  return u.toString();
}

export async function readStatus(url: string): Promise<ServerStatus | string> {
  try {
    const res = await fetch(statusUrl(url), { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return `status ${res.status}`;
    return (await res.json()) as ServerStatus;
  } catch (e) {
    return (e as Error).message;
  }
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export async function runSwarm(o: SwarmOptions, onProgress?: (p: SwarmProgress) => void): Promise<SwarmReport> {
  const workers = Math.max(1, Math.min(o.workers ?? Math.min(cpus().length, Math.ceil(o.count / 250)), o.count));
  const before = await readStatus(o.url);
  const latest: (BotStatsData & { live: number })[] = [];
  const finals: BotStatsData[] = [];
  const started = performance.now();
  let lastFrames = 0, lastBytes = 0, lastAt = started;

  const report = (): void => {
    if (!onProgress) return;
    const agg = new BotStats();
    let live = 0;
    for (const l of latest) if (l) { agg.merge(l); live += l.live; }
    const now = performance.now();
    const fps = ((agg.c.frames - lastFrames) / Math.max(1, now - lastAt)) * 1000;
    const bps = ((agg.c.bytes - lastBytes) / Math.max(1, now - lastAt)) * 1000;
    lastFrames = agg.c.frames;
    lastBytes = agg.c.bytes;
    lastAt = now;
    onProgress({
      elapsedS: round((now - started) / 1000, 1), connected: live, started: agg.c.started, failed: agg.c.failed,
      disconnected: sum(agg.c.disconnected), errors: sum(agg.c.errors), framesPerSec: Math.round(fps), bytesPerSec: Math.round(bps), rttMs: round(agg.rtt.mean()),
    });
  };

  const runs: Promise<void>[] = [];
  // Every bot stays durationS after the whole swarm's ramp (workers that start late on a busy
  // machine ramp late; the hold waits for the last), or until the signal cuts the run short.
  const stops: (() => void)[] = [];
  const stopAll = () => { for (const stop of [...stops]) stop(); };
  let ramped = 0;
  let hold: NodeJS.Timeout | undefined;
  const onRamped = () => {
    if (++ramped === workers) hold = setTimeout(stopAll, o.durationS * 1000);
  };
  o.signal?.addEventListener('abort', stopAll, { once: true });
  let first = 0;
  for (let w = 0; w < workers; w++) {
    const count = Math.floor(o.count / workers) + (w < o.count % workers ? 1 : 0);
    const task: WorkerTask = {
      url: o.url, gateway: o.gateway, count, firstIndex: first, behavior: o.behavior, rampPerSec: o.ramp / workers,
      seed: o.seed ?? 1, thinkMs: o.thinkMs ?? 250,
    };
    first += count;
    const worker: Worker = startTsWorker(new URL('./worker.ts', import.meta.url), task);
    runs.push(new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') latest[w] = { ...m.stats, live: m.connected };
        else if (m.type === 'ramped') onRamped();
        else finals[w] = m.stats;
      });
      worker.on('error', reject);
      const stop = () => worker.postMessage({ type: 'stop' } satisfies WorkerCommand);
      stops.push(stop);
      worker.once('exit', () => { stops.splice(stops.indexOf(stop), 1); });
      worker.on('exit', (code) => (code === 0 || finals[w] ? resolve() : reject(new Error(`bot worker ${w} exited with ${code}`))));
    }));
  }
  // The server's player count, read every second while the run is on; the peak is the most
  // it counted (a reading per second, not one timed guess: on a busy machine the ramp starts late).
  let peakPlayers: number | undefined;
  const readings: Promise<void>[] = [];
  const ticker = setInterval(() => {
    report();
    if (o.url) readings.push(readStatus(o.url).then((st) => {
      if (typeof st !== 'string') peakPlayers = Math.max(peakPlayers ?? 0, st.players);
    }));
  }, 1000);
  try {
    await Promise.all(runs);
  } finally {
    clearInterval(ticker);
    clearTimeout(hold);
    o.signal?.removeEventListener('abort', stopAll);
  }
  report();
  await Promise.all(readings);
  const after = await readStatus(o.url);

  const total = new BotStats();
  for (const f of finals) total.merge(f);
  const c = total.c;
  const perBotSec = (v: number) => (c.botSeconds > 0 ? round(v / c.botSeconds) : 0);
  const server: SwarmReport['server'] = {};
  if (typeof after === 'string') server.error = after;
  else {
    server.tickMs = after.tickMs;
    server.missedTicks = after.missedTicks;
    if (typeof before !== 'string') {
      server.framesOut = after.framesOut - before.framesOut;
      server.bytesOut = after.bytesOut - before.bytesOut;
    }
  }
  if (peakPlayers !== undefined) server.playersAtPeak = peakPlayers;
  return {
    url: o.url, count: o.count, behavior: o.behavior, durationS: o.durationS, workers, interrupted: o.signal?.aborted === true,
    connected: c.connected, failed: c.failed, loginRetries: c.loginRetries, rejoined: c.rejoined,
    disconnected: sum(c.disconnected), disconnectReasons: c.disconnected, failureReasons: c.failures, errors: c.errors,
    framesReceived: c.frames, bytesReceived: c.bytes, tickGaps: c.tickGaps,
    framesPerBotPerSec: perBotSec(c.frames), bytesPerBotPerSec: perBotSec(c.bytes), snapshotsPerBotPerSec: perBotSec(c.snapshots),
    rttMs: { p50: round(total.rtt.percentile(50)), p95: round(total.rtt.percentile(95)), p99: round(total.rtt.percentile(99)), mean: round(total.rtt.mean()) },
    snapshotIntervalMs: {
      p50: round(total.snapshotInterval.percentile(50)), p99: round(total.snapshotInterval.percentile(99)),
      max: round(total.snapshotInterval.max), stddev: round(total.snapshotInterval.stddev()),
    },
    server,
  };
}

export function formatReport(r: SwarmReport): string {
  const reasons = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none';
  const s = r.server;
  return [
    `bots: ${r.count} (${r.behavior}) over ${r.workers} worker(s), ${r.durationS} s after ramp${r.interrupted ? ' (interrupted)' : ''}`,
    `connected ${r.connected}, failed ${r.failed} (${reasons(r.failureReasons)}), disconnected ${r.disconnected} (${reasons(r.disconnectReasons)}); ${r.loginRetries} login retries, ${r.rejoined} rejoined`,
    `per bot: ${r.framesPerBotPerSec} frames/s, ${r.snapshotsPerBotPerSec} snapshots/s, ${r.bytesPerBotPerSec} B/s; ${r.tickGaps} snapshot tick gaps`,
    `rtt ms: p50 ${r.rttMs.p50}  p95 ${r.rttMs.p95}  p99 ${r.rttMs.p99};  snapshot interval ms: p50 ${r.snapshotIntervalMs.p50}  p99 ${r.snapshotIntervalMs.p99}  stddev ${r.snapshotIntervalMs.stddev}`,
    `errors: ${reasons(r.errors)}`,
    s.error ? `server status unavailable: ${s.error}` :
      `server: tick ms p50 ${s.tickMs?.p50}  p99 ${s.tickMs?.p99}  max ${s.tickMs?.max}; missed ticks ${s.missedTicks}; players at peak ${s.playersAtPeak ?? '?'}; sent ${s.framesOut} frames`,
  ].join('\n');
}
