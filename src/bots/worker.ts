// A worker thread running a share of the swarm: starts its bots at its ramp pace, lets them
// think, ping once a second and count what they receive, reports progress every second and
// its final figures at the end: when the parent says stop (the hold after the whole swarm's
// ramp is over, or an interrupt), or when no bot is left.

import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { ZoneClient, ZoneClientError } from '../client/index.js';
import { SNAPSHOT_HEARTBEAT_MS, errorCodeName, type WelcomeMsg } from '../protocol/index.js';
import { Rng } from '../sim/index.js';
import { BotBrain, type BehaviorName } from './behavior.js';
import { BotStats } from './stats.js';
import { DEFAULT_LOGIN_RETRY, botSource, loginViaGateway, routeViaGateway, withBackoff, type LoginRetry } from './login.js';

export interface WorkerTask {
  url: string;
  /** Gateway base URL: bots log in there and join the zone it routes them to, with its token. */
  gateway?: string;
  count: number;
  firstIndex: number;
  behavior: BehaviorName;
  /** Bots started per second by this worker. */
  rampPerSec: number;
  seed: number;
  thinkMs: number;
}

export type WorkerMessage =
  | { type: 'progress'; connected: number; stats: ReturnType<BotStats['toData']> }
  | { type: 'ramped' }
  | { type: 'final'; stats: ReturnType<BotStats['toData']> };

/** From the parent: end the run now (the hold is over, or the user interrupted it). */
export type WorkerCommand = { type: 'stop' };

const task = (workerData as { data: WorkerTask }).data;
const stats = new BotStats();
const live = new Set<ZoneClient>();
let running = true;

function reasonOf(e: ZoneClientError | Error): string {
  if (!(e instanceof ZoneClientError)) return e.message.slice(0, 80);
  return e.kind === 'server' ? errorCodeName(e.code) : e.kind;
}

/** Tries of a bot that lost its zone to get back in through the gateway (about 30 s in all). */
const REJOIN: LoginRetry = { attempts: 16, baseDelayMs: 250, maxDelayMs: 2000 };

/**
 * One bot: joins and plays until its connection closes. Through a gateway, a connection the
 * server side lost (its zone process died, say) is not the end: the bot logs in and is routed
 * again, with backoff, until it is back in the world or the run is over.
 */
async function runBot(index: number): Promise<void> {
  stats.c.started++;
  const bot: Bot = { index, from: task.gateway ? botSource(task.gateway, index) : undefined };
  for (let life = 0; running; life++) {
    const client = newBot(index, bot.from);
    let welcome: WelcomeMsg;
    try {
      welcome = life === 0 ? await enter(client, bot) : await withBackoff(() => enter(client, bot), REJOIN, () => running);
    } catch (e) {
      if (life === 0) stats.c.failed++;
      stats.count('failures', reasonOf(e as Error));
      return;
    }
    if (life === 0) stats.c.connected++;
    else stats.c.rejoined++;
    const lost = await play(client, welcome, index);
    if (!lost || !task.gateway) return;
  }
}

/** A bot's client; it speaks from `from` when given (see botSource). */
function newBot(index: number, from: string | undefined): ZoneClient {
  // Bots never render: no interpolation samples.
  return new ZoneClient({
    name: `bot${index}`, connectTimeoutMs: 15_000, world: { interpolate: false }, followZoneChange: true,
    createSocket: (url) => new WebSocket(url, from === undefined ? {} : { localAddress: from }) as never,
  });
}

interface Bot {
  index: number;
  /** The local address it speaks from. */
  from: string | undefined;
  /** Its gateway session, once logged in. */
  session?: string;
}

/** Joins the zone, or through the gateway the zone it routes the bot to (logging in when its session cannot route). */
async function enter(client: ZoneClient, bot: Bot): Promise<WelcomeMsg> {
  if (!task.gateway) return client.connect(task.url);
  const retried = () => stats.c.loginRetries++;
  const route = (bot.session === undefined ? undefined : await routeViaGateway(task.gateway, bot.session, DEFAULT_LOGIN_RETRY, retried, bot.from).catch(() => undefined))
    ?? await loginViaGateway(task.gateway, `bot${bot.index}`, DEFAULT_LOGIN_RETRY, retried, bot.from);
  bot.session = route.session;
  return client.connect(route.endpoint, { token: route.token });
}

/** Plays until the connection closes; true when the server side lost it while the run was on. */
async function play(client: ZoneClient, welcome: WelcomeMsg, index: number): Promise<boolean> {
  let lastSnapshot = NaN, lastTick = -1;
  // A quiet view gets only a heartbeat: a gap is a tick span longer than that.
  const heartbeatTicks = Math.max(1, Math.floor((SNAPSHOT_HEARTBEAT_MS * welcome.tickRate) / 1000));
  client.on('snapshot', (msg) => {
    const now = performance.now();
    if (!Number.isNaN(lastSnapshot)) stats.snapshotInterval.add(now - lastSnapshot);
    if (lastTick >= 0 && msg.tick - lastTick > heartbeatTicks) stats.c.tickGaps++;
    lastSnapshot = now;
    lastTick = msg.tick;
  });
  client.on('pong', (p) => stats.rtt.add(p.rttMs));
  client.on('error', (e) => stats.count('errors', reasonOf(e)));
  const joinedAt = performance.now();
  live.add(client);
  const brain = new BotBrain(client, new Rng(task.seed + index), task.behavior, welcome.bounds);
  const think = setInterval(() => brain.think(performance.now()), task.thinkMs);
  const ping = setInterval(() => client.ping(), 1000);
  const gone = new Promise<boolean>((resolve) => {
    client.on('close', (info) => {
      clearInterval(think);
      clearInterval(ping);
      live.delete(client);
      stats.c.botSeconds += (performance.now() - joinedAt) / 1000;
      stats.c.frames += client.stats.framesReceived;
      stats.c.bytes += client.stats.bytesReceived;
      stats.c.snapshots += client.stats.snapshots;
      const lost = running && !info.byClient;
      if (lost) stats.count('disconnected', `${info.code} ${info.reason}`.trim());
      resolve(lost);
    });
  });
  // Joined after the run ended (a slow connect): leave at once.
  if (!running) client.close(1000, 'run over');
  return gone;
}

function liveTotals() {
  const data = stats.toData();
  for (const c of live) {
    data.frames += c.stats.framesReceived;
    data.bytes += c.stats.bytesReceived;
    data.snapshots += c.stats.snapshots;
  }
  return data;
}

async function main(): Promise<void> {
  const bots: Promise<void>[] = [];
  const progress = setInterval(() => {
    parentPort!.postMessage({ type: 'progress', connected: live.size, stats: liveTotals() } satisfies WorkerMessage);
  }, 1000);
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  parentPort!.on('message', (m: WorkerCommand) => m.type === 'stop' && stop());
  let interrupted = false;
  void stopped.then(() => (interrupted = true));
  const gap = 1000 / task.rampPerSec;
  for (let i = 0; i < task.count && !interrupted; i++) {
    bots.push(runBot(task.firstIndex + i));
    if (i + 1 < task.count) await Promise.race([new Promise((r) => setTimeout(r, gap)), stopped]);
  }
  parentPort!.postMessage({ type: 'ramped' } satisfies WorkerMessage);
  // Every bot gone (none could join, or all were dropped) ends the hold early: nothing is left to drive.
  await Promise.race([stopped, Promise.all(bots)]);
  running = false;
  for (const c of [...live]) c.close(1000, 'run over');
  await Promise.all(bots);
  clearInterval(progress);
  parentPort!.postMessage({ type: 'final', stats: stats.toData() } satisfies WorkerMessage);
  parentPort!.close();
}

await main();
