// Login flood: a gateway (own process, default limits) under 40 loops from one address that
// create accounts and guess an honest player's password, while that player logs in from another
// address every 1.5 s (within its own address's limit of 1 login/s). Reports the honest logins' success rate and latency (and, measured
// before the flood, its latency in quiet), and what the flood got. Sources are real loopback addresses (127.0.20.x). Fixed seed and sizes; one JSON line.
//
//   npm run bench -- loginflood [--seconds 60] [--loops 40] [--flood-sources 1]
//   (--flood-sources N spreads the flood over N addresses, as a botnet would)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { summarize } from '../src/metrics/index.js';
import { Rng } from '../src/sim/index.js';
import { postFrom, source } from './lib/sources.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    loops: { type: 'string', default: '40' },
    'flood-sources': { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds), loops = Number(values.loops), floodSources = Number(values['flood-sources']);
const HONEST_GAP_MS = 1500; // an honest player logs in now and then, well within its own address's 1 login/s
const SEED = 16;

const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/loginGateway.ts', import.meta.url))],
  { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout!.setEncoding('utf8');
const { port, hashThreads } = await new Promise<{ port: number; hashThreads: number }>((resolve, reject) => {
  child.stdout!.once('data', (d: string) => resolve(JSON.parse(d)));
  child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
});

const HONEST = source(20, 1);
const BASELINE_LOGINS = 10;
const login = (from: string, name: string, password: string) => postFrom(port, '/login', { name, password }, from);
if ((await login(HONEST, 'honest', 'honest-password')).status !== 200) throw new Error('honest account not created');

// The honest login's latency with no flood, for comparison.
const quiet: number[] = [];
for (let i = 0; i < BASELINE_LOGINS; i++) {
  const t0 = performance.now();
  if ((await login(HONEST, 'honest', 'honest-password')).status !== 200) throw new Error('honest login failed before the flood');
  quiet.push(performance.now() - t0);
}

const end = performance.now() + seconds * 1000;
const floodByStatus: Record<string, number> = {};
let floodRequests = 0, accountsCreated = 0;
async function floodLoop(l: number): Promise<void> {
  const rng = new Rng(SEED + l);
  const from = source(20, 2 + (l % floodSources));
  for (let i = 0; performance.now() < end; i++) {
    const create = rng.next() < 0.5;
    const r = await login(from, create ? `flood-${l}-${i}` : 'honest', create ? 'flood-password' : `guess-${rng.nextU32()}`).catch(() => ({ status: 0, body: {} }));
    floodRequests++;
    floodByStatus[r.status] = (floodByStatus[r.status] ?? 0) + 1;
    if (r.status === 200 && (r.body as { created?: boolean }).created) accountsCreated++;
  }
}

const latencies: number[] = [];
const honestByStatus: Record<string, number> = {};
async function honestLoop(): Promise<void> {
  while (performance.now() < end) {
    const t0 = performance.now();
    const r = await login(HONEST, 'honest', 'honest-password').catch(() => ({ status: 0 }));
    latencies.push(performance.now() - t0);
    honestByStatus[r.status] = (honestByStatus[r.status] ?? 0) + 1;
    await sleep(HONEST_GAP_MS);
  }
}

await Promise.all([...Array.from({ length: loops }, (_, l) => floodLoop(l)), honestLoop()]);
child.kill('SIGTERM');
await once(child, 'exit');

const honestOk = honestByStatus[200] ?? 0;
const lat = summarize(latencies), base = summarize(quiet);
process.stdout.write(`${JSON.stringify({
  bench: 'loginflood', seconds, seed: SEED, hashThreads,
  flood: { loops, sources: floodSources, requests: floodRequests, perSecond: Math.round(floodRequests / seconds), byStatus: floodByStatus, accountsCreated },
  honest: { attempts: latencies.length, ok: honestOk, successRate: latencies.length ? honestOk / latencies.length : 0, byStatus: honestByStatus, latencyMs: { p50: lat.p50, p99: lat.p99, max: lat.max }, quietLatencyMs: { p50: base.p50, p99: base.p99 } },
})}\n`);
