// Where a client's bytes go on the shared scenario (issue 13; bench/lib/sharedScenario.ts), in
// process: the zone stepped and fanned out with no sockets, so the figures are the frames
// themselves, free of the machine's load. Per step (bots in the zone): every bot picks a target
// at join and every 2–4 s (in ticks, seeded); 200 of them are clients whose every frame is
// decoded and applied to what that client knows. Over a 30 s window after a 5 s warm-up:
// bytes per client per second (frame plus WebSocket header, as bench/ccu counts them at the
// client), frames and heartbeats, records split into entities new to the client, whole records
// of ones it knew, Motion records and Steer records, removals, events, and the bytes a frame
// spends besides its records and removals.
// Prints one JSON line.
//
// With --budget B each client's frames are capped at B bytes/s (src/zone/budget.ts); the line
// then also gives the share of cells sent that had waited, and how long a change waited, near and far.
//
//   npm run bench -- wire [--steps 250,500,1000,1500,2000,2500,3000] [--cell 25] [--seed 1] [--budget 0] [--warmup 5]
//
// --warmup S: seconds the bots walk before the window. The scenario's crowd is not stationary:
// every target is drawn over the whole zone, so walkers drift toward its middle and the views
// there fill up; a later window (bench/ccu's, after its joins) is a denser crowd.

import { parseArgs } from 'node:util';
import { Encoder, decodeServerMessage, ENTITY_STATE_SIZE, MOTION_SIZE, steerGridCode, varintSize } from '../src/protocol/index.js';
import { DEFAULT_ZONE, generateZone, stepZone, Rng, type SimInput } from '../src/sim/index.js';
import { Fanout, newViewer } from '../src/zone/fanout.js';
import { LogHistogram } from '../src/metrics/index.js';
import { PICK_EVERY_MS, sharedZone } from './lib/sharedScenario.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '250,500,1000,1500,2000,2500,3000' },
    cell: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    budget: { type: 'string', default: '0' },
    warmup: { type: 'string', default: '5' },
  },
});
const TICK_RATE = 20, WARMUP_TICKS = Number(values.warmup) * TICK_RATE, WINDOW_TICKS = 30 * TICK_RATE, CLIENTS = 200;
const seed = Number(values.seed), budget = Number(values.budget);
const perTick = (ms: number) => Math.round((ms / 1000) * TICK_RATE);

function wsHeader(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

function step(bots: number) {
  const world = generateZone({ ...DEFAULT_ZONE, ...sharedZone(Number(values.cell)) }, seed);
  const rng = new Rng(seed * 7919 + bots);
  stepZone(world, Array.from({ length: bots }, (_, i): SimInput => ({ type: 'join', session: i + 1, name: `bot${i}` })));
  const fan = new Fanout(world, new Encoder(), undefined, 1, 5, budget);
  fan.index();
  const clients = [...world.sessions.values()].slice(0, CLIENTS).map((eid) => ({ viewer: newViewer(eid), known: new Set<number>() }));
  const nextPick = new Int32Array(bots + 1), seq = new Int32Array(bots + 1);
  const n = { frames: 0, heartbeats: 0, bytes: 0, entered: 0, changed: 0, moves: 0, steers: 0, steerBytes: 0, removed: 0, removedBytes: 0, events: 0 };
  const b = world.worldBounds;
  for (let t = 0; t < WARMUP_TICKS + WINDOW_TICKS; t++) {
    const inputs: SimInput[] = [];
    for (let s = 1; s <= bots; s++) {
      if (t < nextPick[s]) continue;
      nextPick[s] = t + perTick(rng.range(PICK_EVERY_MS.min, PICK_EVERY_MS.max));
      inputs.push({ type: 'move', session: s, seq: ++seq[s], x: rng.range(b.minX, b.maxX), y: rng.range(b.minY, b.maxY) });
    }
    stepZone(world, inputs);
    fan.index();
    const counting = t >= WARMUP_TICKS;
    for (const c of clients) {
      const frame = fan.frame(c.viewer, 0);
      if (!frame) continue;
      const m = decodeServerMessage(frame);
      if (m.type !== 'snapshot') throw new Error(`expected a snapshot, got ${m.type}`);
      if (m.keyframe) c.known.clear();
      for (const id of m.removed) c.known.delete(id);
      if (counting) {
        n.frames++;
        n.bytes += frame.length + wsHeader(frame.length);
        if (m.entities.length + m.moves.length + m.steers.length + m.removed.length + m.events.length === 0) n.heartbeats++;
        n.moves += m.moves.length;
        n.steers += m.steers.length;
        for (const s of m.steers) n.steerBytes += varintSize(s.netId) + varintSize(steerGridCode(s.targetX)) + varintSize(steerGridCode(s.targetY));
        n.removed += m.removed.length;
        for (const id of m.removed) n.removedBytes += varintSize(id);
        n.events += m.events.length;
      }
      for (const r of m.entities) {
        if (counting) {
          if (c.known.has(r.netId)) n.changed++;
          else n.entered++;
        }
        c.known.add(r.netId);
      }
      for (const r of [...m.moves, ...m.steers]) if (!c.known.has(r.netId)) throw new Error(`tick ${m.tick}: a Motion or Steer record for unknown NetId ${r.netId}`);
    }
  }
  const perClientPerS = (x: number) => Math.round((x / CLIENTS / (WINDOW_TICKS / TICK_RATE)) * 10) / 10;
  const recordBytes = (n.entered + n.changed) * ENTITY_STATE_SIZE + n.moves * MOTION_SIZE + n.steerBytes;
  return {
    bots, bytesPerClientPerS: Math.round(perClientPerS(n.bytes)), framesPerClientPerS: perClientPerS(n.frames),
    heartbeatsPerClientPerS: perClientPerS(n.heartbeats),
    recordsPerClientPerS: { entered: perClientPerS(n.entered), changed: perClientPerS(n.changed), motion: perClientPerS(n.moves), steer: perClientPerS(n.steers) },
    removalsPerClientPerS: perClientPerS(n.removed), eventsPerClientPerS: perClientPerS(n.events),
    recordBytesShare: Math.round((recordBytes / n.bytes) * 100) / 100,
    frameOverheadBytes: Math.round((n.bytes - recordBytes - n.removedBytes) / n.frames),
    ...(budget > 0 ? { budget: budgetFigures(fan) } : {}),
  };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The share of cells sent that had waited (whole run, every client), and waits p50/p99 in ms, near and far. */
function budgetFigures(fan: Fanout) {
  const t = fan.budgetTotals()!;
  const near = LogHistogram.fromData(t.nearWaitMs), far = LogHistogram.fromData(t.farWaitMs);
  return {
    waitedShare: Math.round((t.cellsWaited / Math.max(1, t.cellsSent)) * 100) / 100,
    nearWaitMs: { p50: r1(near.percentile(50)), p99: r1(near.percentile(99)) }, farWaitMs: { p50: r1(far.percentile(50)), p99: r1(far.percentile(99)) },
  };
}

const steps = values.steps.split(',').map(Number).map(step);
process.stdout.write(JSON.stringify({ bench: 'wire', scenario: 'issue13', cellSize: Number(values.cell), seed, clients: CLIENTS, warmupS: WARMUP_TICKS / TICK_RATE, windowS: WINDOW_TICKS / TICK_RATE, steps }) + '\n');
