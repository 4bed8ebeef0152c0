// Soak: a zone server (own process, real SQLite file) under a bot swarm for a while, sampling
// its heap, rss and tick p99; reports heap growth, tick p99 drift and disconnects, and whether
// that looks like a leak. Prints one JSON line.
//
//   npm run bench -- soak [--seconds 3600] [--bots 500] [--sample 10]
//   (defaults: 60 s, 200 bots; CI runs it for 30 s through test/reliability/soak.test.ts)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readStatus, runSwarm } from '../src/bots/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    bots: { type: 'string', default: '200' },
    sample: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds), bots = Number(values.bots), sampleS = Number(values.sample);
const MMO = fileURLToPath(new URL('../src/cli/mmo.js', import.meta.url));
const db = join(mkdtempSync(join(tmpdir(), 'mmo-soak-')), 'world.db');

const child = spawn(process.execPath, ['--expose-gc', MMO, 'zone', '--port', '0', '--db', db, '--flush-ticks', '40', '--size', '1500', '--spawn-radius', '700', '--npcs', '1000', '--items', '300'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
let out = '';
child.stdout!.setEncoding('utf8');
const url = await new Promise<string>((resolve, reject) => {
  child.stdout!.on('data', (d: string) => {
    out += d;
    const m = /listening on (ws:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.once('exit', (code) => reject(new Error(`zone exited with ${code}`)));
});

interface Sample { t: number; heapMB: number; rssMB: number; tickP99: number; players: number }
const samples: Sample[] = [];
const started = performance.now();
const sampler = setInterval(() => {
  void readStatus(url).then((s) => {
    const st = s as unknown as { memory?: { heapUsedMB: number; rssMB: number }; tickMs: { p99: number }; players: number } | string;
    if (typeof st === 'string' || !st.memory) return;
    samples.push({ t: Math.round((performance.now() - started) / 1000), heapMB: st.memory.heapUsedMB, rssMB: st.memory.rssMB, tickP99: st.tickMs.p99, players: st.players });
  });
}, sampleS * 1000);
const report = await runSwarm({ url, count: bots, durationS: seconds, behavior: 'mixed', ramp: Math.max(50, bots / 5), seed: 7 });
clearInterval(sampler);
child.kill('SIGTERM');
await once(child, 'exit');

// Judge on the steady part: everything after the ramp, split in thirds.
const steady = samples.filter((s) => s.players === bots);
const third = Math.max(1, Math.floor(steady.length / 3));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const first = steady.slice(0, third), last = steady.slice(-third);
const heapGrowthMB = Math.round((mean(last.map((s) => s.heapMB)) - mean(first.map((s) => s.heapMB))) * 10) / 10;
const rssGrowthMB = Math.round((mean(last.map((s) => s.rssMB)) - mean(first.map((s) => s.rssMB))) * 10) / 10;
const tickP99DriftMs = Math.round((mean(last.map((s) => s.tickP99)) - mean(first.map((s) => s.tickP99))) * 100) / 100;
process.stdout.write(JSON.stringify({
  bench: 'soak', seconds, bots, samples: samples.length, steadySamples: steady.length,
  connected: report.connected, disconnected: report.disconnected, failed: report.failed, tickGaps: report.tickGaps,
  heapMB: { first: mean(first.map((s) => s.heapMB)), last: mean(last.map((s) => s.heapMB)), growth: heapGrowthMB },
  rssGrowthMB, tickP99DriftMs, exitCode: child.exitCode,
  // A leak shows as steady growth; a few MB of settling is not one.
  leak: heapGrowthMB > 20,
}) + '\n');
