// Before/after in one process: main's flight recorder (all on the tick thread) vs this branch's, inline and off-thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oldReplay from '/work/main/src/replay/index.ts';
import * as oldSim from '/work/main/src/sim/index.ts';
import * as newReplay from '/work/wt/flight/src/replay/index.ts';
import * as newSim from '/work/wt/flight/src/sim/index.ts';

const SEED = 20261202, ticks = Number(process.argv[2] ?? 2400), players = 1000;
const dir = mkdtempSync(join(tmpdir(), 'flightcmp-'));
async function cost(name: string, sim: typeof newSim, make: (w: any, d: string) => any) {
  const w = sim.generateZone(sim.DEFAULT_ZONE, SEED);
  const scenario = new sim.Scenario(w, { players, seed: SEED });
  const d = join(dir, name);
  const flight = make(w, d);
  const rec: number[] = [], tick: number[] = [], postT: number[] = [], quietT: number[] = [];
  for (let t = 0; t < ticks; t++) {
    const inputs = scenario.next();
    const a = performance.now();
    sim.stepZone(w, inputs);
    const h = sim.stateHash(w);
    const b = performance.now();
    flight.record(w.tick, inputs, h);
    const c = performance.now();
    if (t >= ticks / 10) { tick.push(b - a); rec.push(c - b); (w.tick % 4 === 0 ? postT : quietT).push(c - b); }
    await new Promise((r) => setTimeout(r, 20));
  }
  const st = (xs: number[]) => { const o = xs.slice().sort((x, y) => x - y); return { mean: Math.round(o.reduce((a, b) => a + b, 0) / o.length * 1000), p50: Math.round(o[o.length >> 1] * 1000), p90: Math.round(o[Math.floor(o.length * 0.9)] * 1000), p99: Math.round(o[Math.floor(o.length * 0.99)] * 1000) }; };
  console.log(name, 'us: post ticks', JSON.stringify(st(postT)), 'other ticks', JSON.stringify(st(quietT)));
  const bytes = flight.bytes;
  flight.close();
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const s = rec.slice().sort((x, y) => x - y);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ name, tickMs: r3(mean(tick)), tickP50: r3(tick.slice().sort((x, y) => x - y)[Math.floor(tick.length / 2)]), recordMs: { mean: r3(mean(rec)), p50: r3(s[Math.floor(s.length * 0.5)]), p99: r3(s[Math.floor(s.length * 0.99)]), max: r3(s.at(-1)!) },
    pctOfTick: Math.round(mean(rec) / mean(tick) * 1000) / 10, pctOfBudget: Math.round(mean(rec) / 50 * 1000) / 10,
    mbPerHour: Math.round(bytes / (ticks * 0.05) * 3600 / 1e5) / 10 }));
}
const which = process.argv.slice(3);
if (which.includes('old')) await cost('main (tick thread)', oldSim as any, (w, d) => new oldReplay.FlightRecorder(SEED, w, { dir: d }));
if (which.includes('inline')) await cost('branch inline', newSim, (w, d) => new newReplay.FlightRecorder(SEED, w, { dir: d }));
if (which.includes('thread')) await cost('branch offThread', newSim, (w, d) => new newReplay.FlightRecorder(SEED, w, { dir: d, offThread: true }));
rmSync(dir, { recursive: true, force: true });
