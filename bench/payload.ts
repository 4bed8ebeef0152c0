// Bytes per client per second: clients with about 100 entities in view, about 30 % of them
// moving, over 30 s of ticks. Counts each frame plus its WebSocket header (2 bytes under 126
// bytes of payload, 4 under 64 KiB); TCP/IP headers are not counted. Goal (issue 3): mean
// ≤ 4 KB/s per client. Prints one JSON line.

import { summarize } from '../src/metrics/index.js';
import { buildRig, viewStats } from './lib/fanoutRig.ts';

const SECONDS = 30;
const TICKS = SECONDS * 20;
const rig = buildRig({ entities: 20_000, players: 2_000, clients: 500, side: 3500, guardShare: 0.72, moveChance: 0.03, seed: 11 });

function wsHeader(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

const perClient = new Float64Array(rig.viewers.length);
let moving = 0, inView = 0, samples = 0;
for (let t = 0; t < TICKS; t++) {
  rig.step();
  rig.fan.index();
  rig.viewers.forEach((v, i) => {
    const n = rig.fan.frame(v, 0)?.length ?? 0;
    if (t > 0 && n > 0) perClient[i] += n + wsHeader(n); // tick 0 is the join keyframe; 0: nothing new, no frame
  });
  if (t % 100 === 50) {
    const s = viewStats(rig);
    moving += s.moving;
    inView += s.inView;
    samples++;
  }
}
const kbps = Array.from(perClient, (b) => b / (SECONDS - 0.05) / 1000);
const s = summarize(kbps);
process.stdout.write(JSON.stringify({
  bench: 'payload',
  clients: rig.viewers.length,
  seconds: SECONDS,
  entitiesInView: Math.round(inView / samples),
  movingShare: Math.round((moving / samples) * 100) / 100,
  kbPerClientPerSec: { mean: s.mean, p50: s.p50, p99: s.p99, max: s.max },
  goal: { meanKBps: 4 },
  pass: s.mean <= 4,
}) + '\n');
