// The bot side of bench/ccu, in its own process (pinned to its own core by the bench): lean
// bots on the shared scenario. Bot i joins, walks at 5 u/s (the server's player speed) toward a
// target drawn uniformly over the zone right after joining and again every 2–4 s (seeded per
// bot), and sends Move only when it picks one. Lean: a minimal WebSocket client that parses
// frames in place in one read buffer shared by all bots (leanWebSocket.ts), snapshots read only
// as far as their tick and emptiness (serverFramePeek.ts), one 50 ms timer for every bot's
// picks. Frames, bytes and staleness (arrival on the wall clock minus the wall-clock start of
// the frame's tick, from the server's anchor) are counted per client, on every snapshot.
//
// Talks to the bench over stdio, one JSON line each way:
//   argv[2]  {url, count, seed, ramp, bounds}
//   out      {type:'ramped', joined, failed}        every bot has joined or failed
//   in       {type:'window', clock:{originEpochMs, tickMs}}  the measured window starts now
//   in       {type:'end'}                            → out {type:'report', ...}, then exit

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { LogHistogram } from '../../src/metrics/index.js';
import { decodeServerMessage, encodeHello, encodeMove, errorCodeName } from '../../src/protocol/index.js';
import { ServerBody } from '../../src/protocol/generated/mmo/wire/server-body.js';
import { Rng } from '../../src/sim/index.js';
import { LeanWebSocket } from './leanWebSocket.js';
import { peekServerFrame, type FramePeek } from './serverFramePeek.js';
import { PICK_EVERY_MS } from './sharedScenario.js';

interface Task {
  url: string;
  count: number;
  seed: number;
  /** Joins started per second. */
  ramp: number;
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

interface Bot {
  ws: LeanWebSocket;
  rng: Rng;
  seq: number;
  joined: boolean;
  /** performance.now() of the next target pick. */
  nextPick: number;
}

const task = JSON.parse(process.argv[2]) as Task;
const bots: Bot[] = [];
const window = { on: false, frames: 0, bytes: 0, snapshots: 0, heartbeats: 0, disconnects: 0, startedAt: 0 };
const staleness = new LogHistogram();
/**
 * How late this process's event loop runs over the window: with the bots' CPU well under a
 * core, a long delay means the machine's other work starved them (staleness then says more
 * about the machine than about the server).
 */
const LOOP_PROBE_MS = 20;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_PROBE_MS });
/** The server's tick schedule: tick T is due at originEpochMs + T × tickMs. */
let clock = { originEpochMs: 0, tickMs: 50 };
let joined = 0, failed = 0, ending = false;
const disconnectReasons: Record<string, number> = {};
const failureReasons: Record<string, number> = {};
const errors: Record<string, number> = {};
const peek: FramePeek = { body: 0, tick: 0, heartbeat: false };

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** A new target uniformly over the zone, and the next pick 2–4 s later. */
function pick(b: Bot, now: number): void {
  const z = task.bounds;
  b.ws.send(encodeMove({ seq: ++b.seq, x: b.rng.range(z.minX, z.maxX), y: b.rng.range(z.minY, z.maxY) }));
  b.nextPick = now + b.rng.range(PICK_EVERY_MS.min, PICK_EVERY_MS.max);
}

/** WebSocket framing the client really received for a payload of n bytes (server frames are unmasked). */
function wireBytes(n: number): number {
  return n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
}

/** A frame `data[start, end)` (a view valid only during this call): counted, its tick's staleness taken, a Welcome starts the walk. */
function onFrame(b: Bot, data: Buffer, start: number, end: number): void {
  const arrival = performance.timeOrigin + performance.now();
  if (window.on) {
    window.frames++;
    window.bytes += wireBytes(end - start);
  }
  if (!peekServerFrame(data, start, end, peek)) {
    count(errors, 'unreadable frame');
    return;
  }
  if (peek.body === ServerBody.Snapshot) {
    if (!window.on) return;
    window.snapshots++;
    if (peek.heartbeat) window.heartbeats++;
    // A clock skew between the two processes can make a tiny negative; counted as 0.
    staleness.add(Math.max(0, arrival - (clock.originEpochMs + peek.tick * clock.tickMs)));
    return;
  }
  const m = decodeServerMessage(data.subarray(start, end));
  if (m.type === 'welcome' && !b.joined) {
    b.joined = true;
    joined++;
    pick(b, performance.now());
  } else if (m.type === 'error') count(errors, errorCodeName(m.code));
}

function start(i: number): void {
  // The handlers run only once the socket has events, after `b` is built.
  const ws = new LeanWebSocket(task.url, {
    open: () => b.ws.send(encodeHello({ name: `bot${i}` })),
    message: (data, from, to) => onFrame(b, data, from, to),
    close: (code, reason) => {
      const why = `${code} ${reason}`.trim();
      if (!b.joined) {
        failed++;
        count(failureReasons, why);
      } else if (!ending) {
        if (window.on) window.disconnects++;
        count(disconnectReasons, why);
      }
    },
  });
  const b: Bot = { ws, rng: new Rng(task.seed * 1_000_003 + i), seq: 0, joined: false, nextPick: Infinity };
  bots.push(b);
}

function send(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function ramp(): Promise<void> {
  const gap = 1000 / task.ramp;
  const t0 = performance.now();
  for (let i = 0; i < task.count; i++) {
    const due = t0 + i * gap;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    start(i);
  }
  for (let i = 0; i < 600 && joined + failed < task.count; i++) await new Promise((r) => setTimeout(r, 50));
  send({ type: 'ramped', joined, failed });
}

// One timer for every bot's next pick.
const thinker = setInterval(() => {
  const now = performance.now();
  for (const b of bots) if (b.joined && now >= b.nextPick && b.ws.isOpen) pick(b, now);
}, 50);

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { type: 'window'; clock: typeof clock } | { type: 'end' };
  if (cmd.type === 'window') {
    clock = cmd.clock;
    window.on = true;
    window.startedAt = performance.now();
    loopDelay.enable();
    return;
  }
  const seconds = (performance.now() - window.startedAt) / 1000;
  window.on = false;
  ending = true;
  clearInterval(thinker);
  const perClient = (v: number) => Math.round((v / Math.max(1, joined) / seconds) * 100) / 100;
  send({
    type: 'report', joined, failed, seconds: Math.round(seconds * 10) / 10,
    framesPerClientPerSec: perClient(window.frames), bytesPerClientPerSec: perClient(window.bytes),
    snapshotsPerClientPerSec: perClient(window.snapshots), heartbeatsPerClientPerSec: perClient(window.heartbeats),
    stalenessMs: { p50: round(staleness.percentile(50)), p99: round(staleness.percentile(99)), max: round(staleness.max) },
    loopDelayMs: { p50: lateBy(loopDelay.percentile(50)), p99: lateBy(loopDelay.percentile(99)) },
    disconnects: window.disconnects, disconnectReasons, failureReasons, errors,
  });
  for (const b of bots) b.ws.terminate();
  setTimeout(() => process.exit(0), 200);
});

/** A probe interval (ns, as the histogram records it) less the probe's own period: how late the loop ran, ms. */
function lateBy(intervalNs: number): number {
  return round(Math.max(0, intervalNs / 1e6 - LOOP_PROBE_MS));
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

await ramp();
