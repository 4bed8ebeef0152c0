// What the lean bench bots (bench/lib/ccuBots.ts, exactly as bench/ccu drives them) cost at
// the full 20 Hz, apart from any zone's capacity: a frame source in this process (pinned to
// core 0) answers each Hello with a Welcome and then sends every joined bot, every tick on an
// absolute 50 ms schedule (the zone's TickDriver), one delta Snapshot of `--records` entity
// records (default 3: 184 bytes, a little more than a ccu client gets per frame). The bots'
// process, pinned to core 1, joins at --ramp per second, walks (Move every 2–4 s) and counts as
// in ccu. Over the window: the bots' CPU time (user + system, /proc) as % of a core, per bot,
// per frame and bots per core; frames per bot per second at the bots; staleness (arrival minus
// the tick's due time: how promptly the bots read) and the bots' event-loop delay; the source's
// CPU; the load average.
//
//   npm run bench -- botcost [--bots 3000] [--warmup 3] [--window 20] [--records 3] [--ramp 200] [--unpinned]

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { decodeClientMessage, encodeSnapshot, encodeWelcome, type EntityStateObj } from '../src/protocol/index.js';
import { listenExclusive, uWS, type WebSocket } from '../src/runtime/index.js';
import { TickDriver } from '../src/zone/index.js';
import { botCost, cpuSeconds } from './lib/procCpu.js';

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '3' },
    window: { type: 'string', default: '20' },
    records: { type: 'string', default: '3' },
    ramp: { type: 'string', default: '200' },
    unpinned: { type: 'boolean', default: false },
  },
});
const count = Number(values.bots), records = Number(values.records), TICK_MS = 50;
const BOUNDS = { minX: 0, minY: 0, maxX: 1000, maxY: 1000 };
const PINNED = !values.unpinned && spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
const r2 = (v: number) => Math.round(v * 100) / 100;
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** `records` walking entities near the middle of the zone: the body of every frame. */
function entities(): EntityStateObj[] {
  return Array.from({ length: records }, (_, i) => ({
    netId: i + 1, x: 500 + i, y: 500, targetX: 600, targetY: 500, speed: 2, rot: 0, hp: 100, maxHp: 100, mana: 0, maxMana: 0, level: 1, kind: 1, flags: 2,
  }));
}

// The source: Welcome on Hello, then one snapshot per tick to every joined bot.
const joined = new Set<WebSocket<object>>();
let netIds = 1000;
const app = uWS.App().ws<object>('/*', {
  maxPayloadLength: 4096,
  message: (ws, message) => {
    const d = decodeClientMessage(message);
    if (!d.ok || d.msg.type !== 'hello' || joined.has(ws)) return;
    joined.add(ws);
    ws.send(encodeWelcome({ sessionId: 'bench', netId: ++netIds, zoneId: 1, zoneName: 'botcost', bounds: BOUNDS, tickRate: 20, tick }), true);
  },
  close: (ws) => joined.delete(ws),
});
const { port, socket } = await listenExclusive(app, '127.0.0.1', 0);
const body = entities();
let tick = 0;
const driver = new TickDriver(TICK_MS, () => {
  const frame = encodeSnapshot({ tick: ++tick, ackSeq: 0, keyframe: false, entities: body });
  for (const ws of joined) ws.send(frame, true);
});
const startedAt = performance.timeOrigin + performance.now();
driver.start(); // tick k is due at startedAt + k × 50 ms

const botArgs = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('lib/ccuBots.ts', import.meta.url)),
  JSON.stringify({ url: `ws://127.0.0.1:${port}/`, count, seed: 1, ramp: Math.min(200, Number(values.ramp)), bounds: BOUNDS })];
const [cmd, ...args] = PINNED ? ['taskset', '-c', '1', ...botArgs] : botArgs;
const bots = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: bots.stdout! });
const next = () => new Promise<Record<string, unknown>>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
const ramped = await next();
await sleep(Number(values.warmup));
const a = { bots: cpuSeconds(bots.pid!), source: cpuSeconds(process.pid), at: performance.now(), missed: driver.missedTicks };
bots.stdin!.write(JSON.stringify({ type: 'window', clock: { originEpochMs: startedAt, tickMs: TICK_MS } }) + '\n');
await sleep(Number(values.window));
const seconds = (performance.now() - a.at) / 1000;
const coresUsed = (cpuSeconds(bots.pid!) - a.bots) / seconds, sourceCores = (cpuSeconds(process.pid) - a.source) / seconds;
const missed = driver.missedTicks - a.missed;
const reported = next();
bots.stdin!.write(JSON.stringify({ type: 'end' }) + '\n');
const r = await reported as { joined: number; framesPerClientPerSec: number; bytesPerClientPerSec: number; stalenessMs: object; loopDelayMs: object; disconnects: number; errors: object };
await once(bots, 'exit');
driver.stop();
uWS.us_listen_socket_close(socket as never);
process.stdout.write(JSON.stringify({
  bench: 'botcost', pinned: PINNED, bots: count, ramped, joined: r.joined, records, windowS: r2(seconds), loadAverage: loadavg().map(r2),
  botsCpuPct: r2(coresUsed * 100), ...botCost(coresUsed, r.joined, r.framesPerClientPerSec),
  framesPerBotPerSec: r.framesPerClientPerSec, bytesPerBotPerSec: r.bytesPerClientPerSec, stalenessMs: r.stalenessMs, botsLoopDelayMs: r.loopDelayMs,
  sourceCpuPct: r2(sourceCores * 100), sourceMissedTicks: missed, disconnects: r.disconnects, errors: r.errors,
  goal: { botsPerCore: 3000 },
}) + '\n');
process.exit(0);
