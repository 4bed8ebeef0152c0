// Before/after bytes per hour at 500 players (DEFAULT_ZONE, bench seed, 1,200 ticks): main's v2 recorder vs this branch's v3 (change log).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oldReplay from '/work/main/src/replay/index.ts';
import * as oldSim from '/work/main/src/sim/index.ts';
import * as newReplay from '/work/wt/flight/src/replay/index.ts';
import * as newSim from '/work/wt/flight/src/sim/index.ts';
const SEED = 20261202, TICKS = 1200;
const dir = mkdtempSync(join(tmpdir(), 'sizes-'));
function size(sim: any, R: any, path: string): number {
  const w = sim.generateZone(sim.DEFAULT_ZONE, SEED);
  const sc = new sim.Scenario(w, { players: 500, seed: SEED });
  const rec = new R.Recorder(path, SEED, w.config, 'bench', { world: w });
  for (let t = 0; t < TICKS; t++) { const i = sc.next(); sim.stepZone(w, i); rec.record(w.tick, i, sim.stateHash(w)); }
  rec.close();
  return Math.round(statSync(path).size / (TICKS * 0.05) * 3600 / 1e5) / 10;
}
console.log(JSON.stringify({
  before: { jsonl: size(oldSim, oldReplay, join(dir, 'a.replay')), gzip: size(oldSim, oldReplay, join(dir, 'a.replay.gz')) },
  after: { jsonl: size(newSim, newReplay, join(dir, 'b.replay')), gzip: size(newSim, newReplay, join(dir, 'b.replay.gz')) },
}));
rmSync(dir, { recursive: true, force: true });
