// Network fuzz: a zone server in a child process (`mmo zone`) takes well over 100,000 random,
// truncated and mutated frames (bit flips, byte swaps, splices and block copies of valid
// frames of every client type, poked offsets, garbage, text, empty and oversize frames)
// from many short-lived connections, joined and not. Each connection's frames come from a
// PRNG seeded by (FUZZ_SEED, connection number), so a failure names what to replay.
//
// Every frame's outcome is predicted with the same decoder and the session rules of
// PROTOCOL.md §9 (Error code, fatal or not, soft-error budget, close code), so each batch is
// cut where the server will close, and the Error frames and close code received must match
// the prediction exactly. Meanwhile three honest clients must get a snapshot for every tick,
// the server must not crash, and its memory must stay flat.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  MAX_CLIENT_FRAME_BYTES,
  PROTOCOL_VERSION,
  SOFT_ERROR_LIMIT,
  decodeClientMessage,
  encodeAttack,
  encodeChat,
  encodeHello,
  encodeMove,
  encodePing,
  encodeUseItem,
  errorCodeName,
  errorPolicy,
} from '../../src/protocol/index.js';
import { Rng } from '../../src/sim/index.js';
import { HEARTBEAT_TICKS, TestClient, httpJson, metricValue, waitUntil } from './wsClient.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEED = Number(process.env.FUZZ_SEED ?? 20240607) >>> 0;
const TARGET_FRAMES = 100_000;
const WORKERS = 40;
/**
 * Frames per second, paced: the fuzzer and the server together then use about half of this
 * 2-core machine, leaving room for the test files running beside this one.
 */
const FRAME_RATE = 2800;
/**
 * The run goes to a count (TARGET_FRAMES), not a clock. The pace above makes it last at least
 * TARGET_FRAMES / FRAME_RATE ≈ 36 s, long enough for the memory trend; a busy machine only
 * makes it longer, never fails it.
 */
const FRAMES_PER_CONN = 400;
/** Well under SOFT_ERROR_WINDOW_MS, so the budget prediction (all errors in one window) holds. */
const CONN_LIFETIME_MS = 4000;
const BATCH = 32;
const SIZE = 300;

// ---------------------------------------------------------------- frame generation

interface Frame {
  how: string;
  bytes?: Uint8Array;
  text?: string;
}

const NAME_CHARS = [...'abcdefghijklmnopqrstuvwxyz', 'Ä', 'ß', '中', '🙂', ' ', '"', "'", '\\', '0', '9'];

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

function randText(r: Rng, min: number, max: number): string {
  const n = min + r.int(max - min + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, NAME_CHARS);
  return s;
}

function randomFloat(r: Rng): number {
  const u = r.next();
  if (u < 0.02) return NaN;
  if (u < 0.03) return Infinity;
  if (u < 0.1) return r.range(-1e6, 1e6);
  return r.range(-20, SIZE + 20);
}

/** A well-formed frame of a random client type (its content may still be refused). */
function validFrame(r: Rng, seq: { n: number }): { type: string; bytes: Uint8Array } {
  const nextSeq = () => (r.next() < 0.03 ? 0 : r.next() < 0.05 ? r.int(1000) : ++seq.n);
  switch (r.int(6)) {
    case 0:
      return {
        type: 'hello',
        bytes: encodeHello({
          name: r.next() < 0.05 ? '' : randText(r, 1, r.next() < 0.1 ? 30 : 24),
          token: r.next() < 0.1 ? 'tok' + r.int(1e6) : '',
          protocolVersion: r.next() < 0.05 ? r.int(4) : PROTOCOL_VERSION,
        }),
      };
    case 1:
      return { type: 'move', bytes: encodeMove({ seq: nextSeq(), x: randomFloat(r), y: randomFloat(r) }) };
    case 2:
      return { type: 'chat', bytes: encodeChat({ seq: nextSeq(), text: r.next() < 0.03 ? 'x'.repeat(257) : randText(r, r.next() < 0.03 ? 0 : 1, 60) }) };
    case 3:
      return { type: 'attack', bytes: encodeAttack({ seq: nextSeq(), target: r.int(120) }) };
    case 4:
      return { type: 'useItem', bytes: encodeUseItem({ seq: nextSeq(), item: r.int(120) }) };
    default:
      return { type: 'ping', bytes: encodePing({ clientTime: r.next() < 0.02 ? NaN : r.range(-1e12, 1e12) }) };
  }
}

const INTERESTING_U32 = [0, 1, 2, 3, 4, 8, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** Whether the server would close the connection on this frame (fatal decode error). */
function isFatal(bytes: Uint8Array): boolean {
  const r = decodeClientMessage(bytes);
  return !r.ok && errorPolicy(r.code).fatal;
}

/**
 * One fuzz frame. A fatal frame costs a reconnect, so the weights favour frames that keep a
 * connection open a while: valid frames, and single bit flips that prefer (up to 8 tries) a
 * position the decoder does not reject outright, so they reach field, string and session
 * checks; the structural mutations (most of them fatal) make up the rest.
 */
function fuzzFrame(r: Rng, seq: { n: number }): Frame {
  const a = validFrame(r, seq);
  const u = r.next() * 100;
  if (u < 40) return { how: `valid:${a.type}`, bytes: a.bytes };
  const f = a.bytes.slice();
  if (u < 70) {
    for (let tries = 0; tries < 8; tries++) {
      const bit = r.int(f.length * 8);
      f[bit >> 3] ^= 1 << (bit & 7);
      if (!isFatal(f)) break;
      f[bit >> 3] ^= 1 << (bit & 7);
      if (tries === 7) f[bit >> 3] ^= 1 << (bit & 7);
    }
    return { how: `guidedflip:${a.type}`, bytes: f };
  }
  if (u < 81) {
    // Trailing bytes: a multiple of 4 keeps the frame valid (unread bytes are allowed).
    const extra = randomBytes(r, r.next() < 0.8 ? r.int(7) * 4 : r.int(24));
    const out = new Uint8Array(a.bytes.length + extra.length);
    out.set(a.bytes);
    out.set(extra, a.bytes.length);
    return { how: `append:${a.type}`, bytes: out };
  }
  if (u < 85) {
    const flips = 1 + r.int(3);
    for (let i = 0; i < flips; i++) { const bit = r.int(f.length * 8); f[bit >> 3] ^= 1 << (bit & 7); }
    return { how: `bitflip:${a.type}`, bytes: f };
  }
  if (u < 88) {
    const swaps = 1 + r.int(2);
    for (let k = 0; k < swaps; k++) { const i = r.int(f.length), j = r.int(f.length); const t = f[i]; f[i] = f[j]; f[j] = t; }
    return { how: `byteswap:${a.type}`, bytes: f };
  }
  if (u < 91) {
    const b = validFrame(r, seq);
    const cutA = r.int(a.bytes.length + 1), cutB = r.int(b.bytes.length + 1);
    const out = new Uint8Array(cutA + b.bytes.length - cutB);
    out.set(a.bytes.subarray(0, cutA));
    out.set(b.bytes.subarray(cutB), cutA);
    return { how: `splice:${a.type}+${b.type}`, bytes: out };
  }
  if (u < 93) {
    const b = validFrame(r, seq);
    const len = 1 + r.int(Math.min(16, b.bytes.length));
    const from = r.int(b.bytes.length - len + 1), to = r.int(f.length - len + 1);
    f.set(b.bytes.subarray(from, from + len), to);
    return { how: `blockcopy:${a.type}<${b.type}`, bytes: f };
  }
  if (u < 95) return { how: `truncate:${a.type}`, bytes: a.bytes.slice(0, r.int(a.bytes.length)) };
  if (u < 97) {
    const at = r.int(f.length >> 2) << 2;
    new DataView(f.buffer).setUint32(at, r.next() < 0.5 ? pick(r, INTERESTING_U32) : r.int(f.length + 8), true);
    return { how: `poke:${a.type}`, bytes: f };
  }
  if (u < 99) {
    const n = r.next() < 0.5 ? r.int(33) * 4 : r.int(130);
    const g = randomBytes(r, n);
    if (n >= 12 && r.next() < 0.6) {
      g.set([0x4d, 0x4d, 0x4f, 0x43], 4); // "MMOC"
      new DataView(g.buffer).setUint32(0, 8 + (r.int((n - 8) >> 2) << 2), true);
    }
    return { how: 'random', bytes: g };
  }
  if (u < 99.5) return { how: 'text', text: randText(r, 0, 40) };
  if (u < 99.75) return { how: 'empty', bytes: new Uint8Array(0) };
  // Half just over the protocol cap (the decoder's TooLarge), half past what uWS accepts at all.
  const gross = r.next() < 0.5;
  const big = new Uint8Array(gross ? UWS_CUTOFF + 1 + r.int(4096) : MAX_CLIENT_FRAME_BYTES + 1 + r.int(UWS_CUTOFF - MAX_CLIENT_FRAME_BYTES));
  big.set(a.bytes);
  return { how: gross ? 'oversize' : 'toolarge', bytes: big };
}

// ---------------------------------------------------------------- outcome prediction

/** The server's uWS maxPayloadLength: beyond it the socket is dropped with no Error (1006). */
const UWS_CUTOFF = MAX_CLIENT_FRAME_BYTES * 4;

type Stage = 'connecting' | 'joining' | 'joined';

interface Verdict {
  /** Error code the server answers with, if any. */
  error?: ErrorCode;
  /** Close code if the server closes after this frame. */
  close?: number;
  /** A Hello that starts the join: wait for Welcome before sending more. */
  joins?: boolean;
}

/** What the server does with `frame` given the connection's stage and soft errors so far. */
function predict(frame: Frame, stage: Stage, soft: { n: number }): Verdict {
  const softError = (code: ErrorCode): Verdict => {
    soft.n++;
    return soft.n > SOFT_ERROR_LIMIT ? { error: code, close: 1008 } : { error: code };
  };
  if (frame.text !== undefined) return { error: ErrorCode.BadFrame, close: errorPolicy(ErrorCode.BadFrame).closeCode };
  const bytes = frame.bytes!;
  if (bytes.length > UWS_CUTOFF) return { close: -1 }; // uWS: see below
  const r = decodeClientMessage(bytes);
  if (!r.ok) {
    const p = errorPolicy(r.code);
    return p.fatal ? { error: r.code, close: p.closeCode } : softError(r.code);
  }
  const m = r.msg;
  if (m.type === 'ping') return {};
  if (m.type === 'hello') {
    if (stage !== 'connecting') return softError(ErrorCode.AlreadyJoined);
    if (m.token !== '') return { error: ErrorCode.BadToken, close: errorPolicy(ErrorCode.BadToken).closeCode };
    return { joins: true };
  }
  return stage === 'joined' ? {} : softError(ErrorCode.NotJoined);
}

// ---------------------------------------------------------------- the child server

let child: ChildProcess | undefined;
let childExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
let childOut = '';
const configPath = path.join(tmpdir(), `mmo-fuzz-${process.pid}.json`);

async function startChild(): Promise<number> {
  writeFileSync(configPath, JSON.stringify({ inputRate: 10_000, inputBurst: 10_000 }));
  child = spawn(process.execPath, [
    path.join(ROOT, 'src/cli/mmo.js'), 'zone', '--port', '0', '--tick-rate', '20', '--seed', '7',
    '--size', String(SIZE), '--npcs', '40', '--items', '30', '--no-db', '--config', configPath,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  child.stdout!.on('data', (d: Buffer) => { childOut += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { childOut += d.toString(); });
  child.on('exit', (code, signal) => { childExit = { code, signal }; });
  let port = 0;
  await waitUntil(() => {
    if (childExit) throw new Error(`mmo zone exited early: ${JSON.stringify(childExit)}\n${childOut}`);
    const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(childOut);
    if (m) port = Number(m[1]);
    return port > 0;
  }, 120_000, 'mmo zone to listen'); // generous: a loaded machine starts processes slowly
  return port;
}

async function stopChild(): Promise<void> {
  if (!child || child.pid === undefined || childExit) return;
  const pid = child.pid;
  process.kill(pid, 'SIGTERM');
  try {
    await waitUntil(() => childExit !== undefined, 5000, 'mmo zone to exit');
  } catch {
    if (!childExit) process.kill(pid, 'SIGKILL');
    await waitUntil(() => childExit !== undefined, 5000, 'mmo zone to die');
  }
}

/** Honest clients, closed at the end even if the test fails half-way. */
const honestClients: TestClient[] = [];

afterAll(async () => {
  await Promise.all(honestClients.map((h) => h.close()));
  await stopChild();
  rmSync(configPath, { force: true });
});

// ---------------------------------------------------------------- the run

interface Stats {
  sent: number;
  oversize: number;
  connections: number;
  errors: Map<string, number>;
  closes: Map<string, number>;
  kinds: Map<string, number>;
  mismatches: string[];
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function hex(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b).toString('hex') : '(text)';
}

let sentinel = 0;

/** One fuzz connection; returns when it is closed. */
async function fuzzConnection(url: string, connNo: number, stats: Stats, startedAt: number): Promise<void> {
  const r = new Rng((SEED ^ Math.imul(connNo + 1, 0x9e3779b1)) >>> 0);
  const c = await TestClient.connect(url, `fuzz${connNo}`, 10_000);
  c.keepSnapshots = false;
  stats.connections++;
  const openedAt = performance.now();
  const seq = { n: 0 };
  const soft = { n: 0 };
  let stage: Stage = 'connecting';
  const expected: ErrorCode[] = [];
  const fail = (what: string, batch: Frame[]) => {
    const got = c.errors.filter((e) => e.code !== ErrorCode.InputRejected).map((e) => errorCodeName(e.code));
    stats.mismatches.push(`seed ${SEED} connection ${connNo}: ${what}; expected errors [${expected.map(errorCodeName)}] ` +
      `got [${got}] close ${JSON.stringify(c.closeInfo)}; last batch ${batch.map((f) => `${f.how}=${hex(f.bytes)}`).join(' ')}`);
  };
  const errorsMatch = () => {
    const got = c.errors.filter((e) => e.code !== ErrorCode.InputRejected).map((e) => e.code);
    return got.length === expected.length && got.every((g, i) => g === expected[i]);
  };
  try {
    if (r.next() < 0.7) {
      c.hello(`fz${connNo}`);
      await c.waitWelcome(10_000);
      stage = 'joined';
    }
    let sentHere = 0;
    let pending: Frame | undefined;
    while (sentHere < FRAMES_PER_CONN && performance.now() - openedAt < CONN_LIFETIME_MS && stats.sent < TARGET_FRAMES) {
      const batch: Frame[] = [];
      let closeCode: number | undefined;
      let joins = false;
      while (batch.length < BATCH) {
        const f = pending ?? fuzzFrame(r, seq);
        pending = undefined;
        // An oversize frame makes uWS drop the socket at once, possibly before earlier
        // replies are flushed: send it only as a batch of its own.
        if (f.how === 'oversize' && batch.length > 0) { pending = f; break; }
        const v = predict(f, stage, soft);
        batch.push(f);
        if (v.error !== undefined) expected.push(v.error);
        if (v.close !== undefined) { closeCode = v.close; break; }
        if (v.joins) { joins = true; break; }
      }
      const due = startedAt + (stats.sent / FRAME_RATE) * 1000;
      if (performance.now() < due) await new Promise((res) => setTimeout(res, due - performance.now()));
      for (const f of batch) {
        if (f.text !== undefined) c.sendText(f.text);
        else c.sendBytes(f.bytes!);
        bump(stats.kinds, f.how.split(':')[0]);
        if ((f.bytes?.length ?? 0) > UWS_CUTOFF) stats.oversize++;
      }
      stats.sent += batch.length;
      sentHere += batch.length;
      if (closeCode !== undefined) {
        const info = await c.waitClosed(10_000).catch(() => undefined);
        // uWS drops an oversize frame's socket without a close frame (1006); see badInput tests.
        const okCode = closeCode === -1 ? info?.code === 1006 : info?.code === closeCode;
        if (!info || !okCode) fail(`expected close ${closeCode}`, batch);
        else if (!errorsMatch()) fail('error frames differ', batch);
        bump(stats.closes, String(info?.code));
        return;
      }
      if (joins) {
        await c.waitFor(() => c.welcome !== undefined || c.closeInfo !== undefined, 10_000, 'welcome').catch(() => undefined);
        if (!c.welcome) { fail('no Welcome after Hello', batch); return; }
        stage = 'joined';
      }
      const t = 1e15 + ++sentinel;
      c.ping(t);
      await c.waitFor(() => c.pongs.some((p) => p.clientTime === t) || c.closeInfo !== undefined, 10_000, 'sentinel pong')
        .catch(() => undefined);
      if (c.closeInfo || !c.pongs.some((p) => p.clientTime === t)) { fail('closed or no pong', batch); return; }
      if (!errorsMatch()) { fail('error frames differ', batch); return; }
    }
    bump(stats.closes, 'client');
  } finally {
    for (const code of expected) bump(stats.errors, errorCodeName(code));
    if (!c.closeInfo) await c.close();
  }
}

interface StatusBody {
  tick: number;
  players: number;
  connections: number;
  missedTicks: number;
  tickMs: { p50: number; p99: number; max: number };
  memory: { rssMB: number; heapUsedMB: number };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return den === 0 ? 0 : num / den;
}

describe('network fuzz against mmo zone in a child process', () => {
  it(`survives ${TARGET_FRAMES}+ random and mutated frames; honest clients see every tick; memory stays flat`, async () => {
    const port = await startChild();
    const url = `ws://127.0.0.1:${port}/`;
    const honest = await Promise.all([0, 1, 2].map((i) => TestClient.join(url, `honest${i}`, 10_000)));
    honestClients.push(...honest);
    for (const h of honest) h.keepSnapshots = false;
    const stats: Stats = { sent: 0, oversize: 0, connections: 0, errors: new Map(), closes: new Map(), kinds: new Map(), mismatches: [] };
    const samples: { t: number; rss: number; heap: number }[] = [];
    const before = await httpJson<StatusBody>(port, '/status');
    const rejectedBefore = await metricValue(port, 'mmo_inbound_rejected_total');
    const framesInBefore = await metricValue(port, 'mmo_frames_received_total');
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const childCpu0 = childCpuSeconds();
    const firstTicks = honest.map((h) => h.lastTick);

    // Honest traffic: a move and a ping each second, always in bounds.
    const hr = new Rng(SEED ^ 0xabcdef);
    const honestPings = [0, 0, 0];
    const honestTimer = setInterval(() => {
      for (const [i, h] of honest.entries()) {
        if (!h.isOpen) continue;
        h.move(hr.range(100, 200), hr.range(100, 200));
        h.ping(++honestPings[i]);
      }
    }, 1000);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        if (childExit) return;
        const st = await httpJson<StatusBody>(port, '/status').catch(() => undefined);
        if (st) samples.push({ t: (performance.now() - t0) / 1000, rss: st.memory.rssMB, heap: st.memory.heapUsedMB });
        await new Promise((res) => setTimeout(res, 1000));
      }
    })();

    let connNo = 0;
    const done = () => childExit !== undefined || stats.mismatches.length > 0 || stats.sent >= TARGET_FRAMES;
    try {
      await Promise.all(Array.from({ length: WORKERS }, async () => {
        while (!done()) await fuzzConnection(url, connNo++, stats, t0);
      }));
    } finally {
      clearInterval(honestTimer);
      sampling = false;
      await sampler;
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuShare = { tests: (cpu.user + cpu.system) / 1e6 / elapsed, server: (childCpuSeconds() - childCpu0) / elapsed };
    console.log(JSON.stringify({
      seed: SEED, elapsedS: Math.round(elapsed * 10) / 10, sent: stats.sent, connections: stats.connections,
      kinds: Object.fromEntries(stats.kinds), errors: Object.fromEntries(stats.errors), closes: Object.fromEntries(stats.closes),
      mismatches: stats.mismatches.length, cpuShare,
    }));

    expect(childExit, `server died:\n${childOut}`).toBeUndefined();
    expect(stats.mismatches.slice(0, 5)).toEqual([]);
    expect(stats.sent).toBeGreaterThanOrEqual(TARGET_FRAMES);

    // The server saw (at least) every frame that was not oversize, and refused exactly the
    // predicted ones.
    const after = await httpJson<StatusBody>(port, '/status');
    const framesIn = (await metricValue(port, 'mmo_frames_received_total')) - framesInBefore;
    expect(framesIn).toBeGreaterThanOrEqual(stats.sent - stats.oversize);
    const predictedErrors = [...stats.errors.values()].reduce((a, b) => a + b, 0);
    const refused = (await metricValue(port, 'mmo_inbound_rejected_total')) - rejectedBefore;
    const simRefused = await sumInputRejections(port);
    expect(refused - simRefused).toBe(predictedErrors);

    // Honest clients: open, untouched, a snapshot for every tick.
    await Promise.all(honest.map((h, i) => h.waitFor(() => h.pongs.length === honestPings[i], 5000, 'honest pongs')));
    const maxGaps: number[] = [];
    for (const [i, h] of honest.entries()) {
      expect(h.isOpen).toBe(true);
      expect(h.errors).toEqual([]);
      expect(h.decodeFailures).toEqual([]);
      expect(h.unknownMoves).toBe(0);
      const ticks = h.snapshotTicks.filter((t) => t >= firstTicks[i]);
      let maxGap = 0;
      for (let k = 1; k < ticks.length; k++) maxGap = Math.max(maxGap, ticks[k] - ticks[k - 1]);
      maxGaps.push(maxGap);
      // A tick with nothing new for a client sends none; a heartbeat comes at least every 5 ticks
      // (2 more allowed for a late wake-up of the tick timer on a busy machine).
      expect(maxGap).toBeLessThanOrEqual(HEARTBEAT_TICKS + 2);
    }

    // Memory: modest growth, and no upward trend in the last third of the run.
    expect(samples.length).toBeGreaterThanOrEqual(15);
    const last = samples.slice(Math.floor((samples.length * 2) / 3));
    const rssSlope = slope(last.map((s) => s.t), last.map((s) => s.rss));
    const heapSlope = slope(last.map((s) => s.t), last.map((s) => s.heap));
    const summary = {
      framesIn, rssMB: [before.memory.rssMB, after.memory.rssMB], heapMB: [before.memory.heapUsedMB, after.memory.heapUsedMB],
      rssSlopeMBs: Math.round(rssSlope * 100) / 100, heapSlopeMBs: Math.round(heapSlope * 100) / 100,
      heapFloorMB: [Math.min(...samples.slice(Math.floor(samples.length / 3), Math.floor((samples.length * 2) / 3)).map((x) => x.heap)),
        Math.min(...last.map((x) => x.heap))],
      missedTicks: after.missedTicks - before.missedTicks, tickMs: after.tickMs, maxTickGaps: maxGaps,
      samples: samples.map((x) => `${Math.round(x.t)}:${x.rss}/${x.heap}`).join(' '),
    };
    console.log(JSON.stringify(summary));
    // The zone runs its flight recorder, whose thread steps a replica of the world: that
    // thread's heap climbs for tens of seconds before its first major GC (a 200 s run with 200
    // bots: rss 157 → 179 MB, then back to 131), so the growth bound allows for it: 100 MB.
    expect(after.memory.rssMB - before.memory.rssMB).toBeLessThan(100);
    // The trend line through the last third's rss stays small (rss warms up over the first
    // ~15 s, then flattens: 100 s runs plateau within a few MB). rss is allocator-level and
    // noisy when other test files share the 2 cores (one CI run drew 11.9 MB over ~15 s), so
    // the bound only catches gross growth; the heap floor below is the leak check.
    // The run goes to a frame count, so a busy machine stretches it (one loaded run took 155 s,
    // its last third drawing 28.6 MB of rss while the heap floor stayed flat): 40 MB.
    expect(rssSlope * (last[last.length - 1].t - last[0].t)).toBeLessThan(40);
    // The heap is a GC sawtooth whose floor moves with the old generation (up to ~10 MB
    // between major GCs): only a gross leak shows within a run this short.
    const middle = samples.slice(Math.floor(samples.length / 3), Math.floor((samples.length * 2) / 3));
    const floor = (xs: typeof samples) => Math.min(...xs.map((x) => x.heap));
    expect(floor(last)).toBeLessThan(floor(middle) + 20);
    // Only the honest players stay: the fuzz connections are closed, and the server frees their
    // players when it has seen the closes and stepped once (later on a busy machine).
    await waitUntil(async () => (await httpJson<StatusBody>(port, '/status')).players === 3, 10_000, 'only the 3 honest players left');

    await Promise.all(honest.map((h) => h.close()));
    await stopChild();
    // SIGTERM is a graceful stop.
    expect(childExit).toEqual({ code: 0, signal: null });
    expect(childOut).toContain('SIGTERM: draining');
  }, 900_000);
});

/** CPU seconds (user + system) the child has used, from /proc (Linux), or 0. */
function childCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/${child!.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Refusals by the simulation (InputRejected), labelled input_<reason>. */
async function sumInputRejections(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^mmo_inbound_rejected_total\{[^}]*reason="input_[^"]*"[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}
