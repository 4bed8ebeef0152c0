// The zone's flush as the tick sees it: 10,000 online players, all moving, written behind in
// one batch. Times what blocks the tick thread (marking the rows and handing them to the writer
// thread) and how long until the batch is durable. Goal (issue 5): blocked ≤ 1 ms.
// Prints one JSON line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from '../src/metrics/index.js';
import { generateZone, stepZone, zoneForEntities, type SimInput } from '../src/sim/index.js';
import { PlayerStore } from '../src/store/index.js';
import { ZonePersistence } from '../src/zone/persistence.js';

const PLAYERS = 10_000;
const ROUNDS = 30;
const dir = mkdtempSync(join(tmpdir(), 'mmo-flush-'));
const file = join(dir, 'world.db');

const setup = PlayerStore.open(file);
const ids: number[] = [];
for (let i = 0; i < PLAYERS; i++) ids.push(setup.loadOrCreatePlayer(`p${i}`, { x: 100, y: 100, zone: 'meadow' }).id);
setup.close();

const world = generateZone(zoneForEntities(PLAYERS, { npcs: 0, items: 0 }), 1);
const side = world.config.bounds.maxX;
stepZone(world, ids.map((id, i): SimInput => ({ type: 'join', session: i + 1, name: `p${i}` })));
const players = ids.map((playerId, i) => ({ playerId, eid: world.sessions.get(i + 1)! }));
const store = await ZonePersistence.open(file, 'meadow', (m) => process.stderr.write(m + '\n'));

const blocked: number[] = [];
const durable: number[] = [];
let seq = 0;
for (let r = 0; r < ROUNDS; r++) {
  // Everyone walks somewhere new, so every row is dirty.
  stepZone(world, players.map((_, i): SimInput => ({ type: 'move', session: i + 1, seq: ++seq, x: (i * 37 + r * 101) % side, y: (i * 53 + r * 61) % side })));
  const t0 = performance.now();
  store.afterTick(world, players, 1);
  blocked.push(performance.now() - t0);
  const before = store.stats.flushes;
  while (store.stats.flushes === before) await new Promise((res) => setImmediate(res));
  durable.push(performance.now() - t0);
}
const rows = store.stats.rowsWritten;
await store.close(world, []);
rmSync(dir, { recursive: true, force: true });
const b = summarize(blocked);
process.stdout.write(JSON.stringify({
  bench: 'flush', players: PLAYERS, rounds: ROUNDS, rowsWritten: rows,
  tickBlockedMs: b, durableMs: summarize(durable),
  rowsPerSec: Math.round(PLAYERS / (summarize(durable).p50 / 1000)),
  goal: { tickBlockedMsP50: 1 }, pass: b.p50 <= 1,
}) + '\n');
