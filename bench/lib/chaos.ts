// The chaos rig (test/reliability/chaos.test.ts, bench/chaos.ts): a multi-process world over a
// real nats-server and SQLite file; bots log in through the gateway, each from a loopback
// address of its own, walk to random points of the whole map (so they cross zone borders and
// are handed over all the time) and pick up items they pass; meanwhile zone processes are
// SIGKILLed at random and nats-server is restarted. Watched throughout: every zone's /players
// (never one name in two zones), each killed zone (back: registered anew and /health ok), each
// bot (time out of the world). Afterwards: every pickup a bot was told of is in the database,
// and PRAGMA integrity_check. One seed fixes the victims, the moments and the bots' walks.

import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { EventKind } from '../../src/protocol/index.js';
import { EntityKind } from '../../src/protocol/index.js';
import { ZoneClient } from '../../src/client/index.js';
import { botSource, loginViaGateway, routeViaGateway, withBackoff, type LoginRetry } from '../../src/bots/login.js';
import { startProcessWorld, type ProcessWorld } from '../../src/cli/world.js';
import { Rng } from '../../src/sim/index.js';
import { PICKUP_RANGE } from '../../src/sim/constants.js';
import { playing, twice } from './worldProbe.js';

export interface ChaosOptions {
  /** Length of the faulty part; a quiet end of healTimeS follows for everyone to come back. */
  seconds: number;
  bots: number;
  zoneKills: number;
  natsRestarts: number;
  seed: number;
  db: string;
  /** Default 4 (2 × 2 zones of 100 units). */
  zones?: number;
  /** Default 15 s. */
  healTimeS?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seconds: number;
  bots: number;
  zones: number;
  kills: number;
  natsRestarts: number;
  /** /players samples taken, and names seen in two zones at once across them (must be 0). */
  samples: number;
  duplicates: string[];
  /** Per kill: ms until the zone was registered anew and healthy; zones not back are Infinity. */
  zoneBackMs: number[];
  /** Every time a bot was out of the world (lost its zone, or between zones), ms until it was back. */
  botOutMs: { count: number; max: number; p50: number };
  /** Bots not in the world at the end. */
  botsMissing: number;
  /** Pickups bots were told of, and how many of those the database lacks (must be 0). */
  itemsAcknowledged: number;
  itemsLost: number;
  /**
   * From every zone's /metrics, read each sample and summed across restarts (what a zone counted
   * after its last scrape before a SIGKILL is missed): completed (source side), admitted (target
   * side), recalled (refused or timed out: the player stayed), lost (completed but never admitted).
   */
  handoffs: { completed: number; admitted: number; recalled: number; lost: number };
  integrity: string;
}

/** Out of the world this long and still not back is a failure the report shows. */
const REJOIN: LoginRetry = { attempts: 40, baseDelayMs: 250, maxDelayMs: 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One bot: in the world, walking; back through the gateway whenever it is not. */
class ChaosBot {
  client: ZoneClient | undefined;
  session: string | undefined;
  outSince: number | undefined = performance.now();
  readonly outMs: number[] = [];
  /** Item type → pickups the zone confirmed to this bot. */
  readonly acknowledged = new Map<number, number>();
  private entering = false;

  constructor(readonly name: string, private readonly from: string | undefined, private readonly gateway: string, private readonly rng: Rng,
    private readonly world: { maxX: number; maxY: number }) {}

  get joined(): boolean {
    return this.client?.state === 'joined';
  }

  /** One step of the bot's life: note when it left the world, get back in, walk on, pick up. */
  tick(running: () => boolean): void {
    const now = performance.now();
    if (!this.joined) {
      this.outSince ??= now;
      if (!this.entering && running()) void this.enter(running);
      return;
    }
    if (this.outSince !== undefined) {
      this.outMs.push(now - this.outSince);
      this.outSince = undefined;
    }
    const c = this.client!;
    if (this.rng.int(8) === 0) c.move(this.rng.range(1, this.world.maxX - 1), this.rng.range(1, this.world.maxY - 1));
    const me = c.world.get(c.netId)?.record;
    if (!me) return;
    for (const e of c.world.entities()) {
      if (e.record.kind === EntityKind.Item && Math.hypot(e.record.x - me.x, e.record.y - me.y) < PICKUP_RANGE * 0.8) {
        c.useItem(e.netId);
        break;
      }
    }
  }

  private async enter(running: () => boolean): Promise<void> {
    this.entering = true;
    this.client?.close();
    try {
      await withBackoff(async () => {
        const route = (this.session === undefined ? undefined : await routeViaGateway(this.gateway, this.session, REJOIN, () => {}, this.from).catch(() => undefined))
          ?? await loginViaGateway(this.gateway, this.name, REJOIN, () => {}, this.from);
        this.session = route.session;
        const c = new ZoneClient({
          name: this.name, world: { interpolate: false }, followZoneChange: true, connectTimeoutMs: 10_000,
          createSocket: (url) => new WebSocket(url, this.from === undefined ? {} : { localAddress: this.from }) as never,
        });
        c.on('event', (e) => {
          if (e.kind === EventKind.ItemPickup && e.source === c.netId) this.acknowledged.set(e.value, (this.acknowledged.get(e.value) ?? 0) + 1);
        });
        c.on('error', () => {}); // counted by being out of the world
        this.client = c;
        await c.connect(route.endpoint, { token: route.token });
      }, REJOIN, running);
    } catch { /* still out: the next tick tries again */ } finally {
      this.entering = false;
    }
  }

  close(): void {
    this.client?.close();
  }
}

/** Handoff counters of every zone, summed across restarts (a restarted zone counts from 0). */
class HandoffTally {
  private readonly base = new Map<string, Record<string, number>>();
  private readonly last = new Map<string, Record<string, number>>();

  async read(world: ProcessWorld): Promise<void> {
    await Promise.all(world.layout.zones.map(async (z) => {
      const text = await fetch(z.endpoint.replace('ws://', 'http://') + 'metrics', { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => '');
      const now: Record<string, number> = {};
      for (const m of text.matchAll(/^mmo_handoffs_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)/gm)) now[m[1]] = Number(m[2]);
      if (Object.keys(now).length === 0) return;
      const prev = this.last.get(z.serverId) ?? {}, base = this.base.get(z.serverId) ?? {};
      for (const [k, v] of Object.entries(now)) if (v < (prev[k] ?? 0)) base[k] = (base[k] ?? 0) + prev[k];
      this.base.set(z.serverId, base);
      this.last.set(z.serverId, now);
    }));
  }

  total(outcome: string): number {
    let n = 0;
    for (const [id, last] of this.last) n += (last[outcome] ?? 0) + (this.base.get(id)?.[outcome] ?? 0);
    return n;
  }
}

/** Polls until the zone is registered anew (after `since`) and healthy; ms it took, Infinity past `limitMs`. */
async function zoneBack(world: ProcessWorld, index: number, since: number, limitMs: number): Promise<number> {
  const z = world.layout.zones[index];
  const start = performance.now();
  for (let i = 0; i < limitMs / 100; i++) {
    const servers = await fetch(`http://127.0.0.1:${world.port}/servers`).then((r) => r.json() as Promise<{ id: string; active: boolean; registeredAt: number }[]>, () => []);
    const s = servers.find((x) => x.id === z.serverId);
    const healthy = await fetch(z.endpoint.replace('ws://', 'http://') + 'health', { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (healthy && s?.active === true && s.registeredAt >= since) return performance.now() - start;
    await sleep(100);
  }
  return Infinity;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Runs the chaos and tears the world down; the report says what held. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => {});
  const zones = o.zones ?? 4;
  // The supervisor's and nats-server's lines, not the zones' logs.
  const echo = (line: string) => { if (/ died | is back | did not start|nats-server/.test(line)) log(line); };
  const world = await startProcessWorld({ zones, host: '127.0.0.1', port: 0, zoneSize: 100, seed: o.seed, nats: 'auto', db: o.db, npcs: 10, items: 40 }, echo);
  const rng = new Rng(o.seed);
  const gateway = `http://127.0.0.1:${world.port}/`;
  const bounds = { maxX: Math.max(...world.layout.zones.map((z) => z.bounds.maxX)), maxY: Math.max(...world.layout.zones.map((z) => z.bounds.maxY)) };
  const bots = Array.from({ length: o.bots }, (_, i) => new ChaosBot(`chaos${i}`, botSource(gateway, 1000 + i), gateway, new Rng(o.seed * 1000 + i), bounds));
  let running = true;
  const tally = new HandoffTally();
  const duplicates = new Set<string>();
  let samples = 0;
  const ticker = setInterval(() => bots.forEach((b) => b.tick(() => running)), 250);
  const watch = (async () => {
    while (running) {
      for (const d of twice(await playing(world.layout))) duplicates.add(d);
      samples++;
      await tally.read(world);
      await sleep(100);
    }
  })();
  const zoneBackMs: Promise<number>[] = [];
  let ended = Infinity, botsMissing = o.bots;
  try {
    // The faults, evenly spaced over the run: kills and nats restarts interleaved, victims by the seed.
    const faults = [...Array(o.zoneKills).fill('kill'), ...Array(o.natsRestarts).fill('nats')] as ('kill' | 'nats')[];
    for (let i = faults.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [faults[i], faults[j]] = [faults[j], faults[i]];
    }
    const gap = (o.seconds * 1000) / (faults.length + 1);
    const t0 = performance.now();
    for (const fault of faults) {
      await sleep(gap);
      if (fault === 'nats') {
        log(`chaos: restarting nats-server at ${Math.round(performance.now() - t0)} ms`);
        await world.restartNats();
      } else {
        const victim = rng.int(zones);
        log(`chaos: SIGKILL ${world.layout.zones[victim].serverId} at ${Math.round(performance.now() - t0)} ms`);
        const at = Date.now();
        world.children[1 + victim].kill('SIGKILL'); // by its pid; children[0] is the master
        zoneBackMs.push(zoneBack(world, victim, at, Math.max(30, o.healTimeS ?? 15) * 1000));
      }
    }
    await sleep(gap);
    // The quiet end: everyone comes back.
    const healBy = performance.now() + (o.healTimeS ?? 15) * 1000;
    while (performance.now() < healBy && !bots.every((b) => b.joined)) await sleep(250);
    // The verdict is this moment's: the bots walk on while the rig winds down, and one caught
    // crossing a border a second later is between zones, not missing.
    ended = performance.now();
    botsMissing = bots.filter((b) => !b.joined).length;
    await tally.read(world);
  } finally {
    running = false;
    clearInterval(ticker);
    await watch;
  }
  const backs = await Promise.all(zoneBackMs);
  const outMs = bots.flatMap((b) => [...b.outMs.slice(1), ...(b.outSince !== undefined && b.outSince < ended ? [ended - b.outSince] : [])]);
  for (const b of bots) b.close();
  await sleep(500); // the leaves reach the store
  await world.stop();
  const db = new Database(o.db, { readonly: true });
  let acknowledged = 0, lost = 0;
  try {
    const stack = db.prepare<[string, number], { quantity: number }>(
      "SELECT i.quantity FROM inventory i JOIN players p ON p.id = i.player_id WHERE p.kind = 'account' AND p.name = ? AND i.item_type = ?");
    for (const b of bots) {
      for (const [type, n] of b.acknowledged) {
        acknowledged += n;
        lost += Math.max(0, n - (stack.get(b.name, type)?.quantity ?? 0));
      }
    }
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const completed = tally.total('completed'), admitted = tally.total('admitted');
    return {
      seconds: o.seconds, bots: o.bots, zones, kills: o.zoneKills, natsRestarts: o.natsRestarts, samples, duplicates: [...duplicates],
      zoneBackMs: backs.map((ms) => Math.round(ms)),
      botOutMs: { count: outMs.length, max: Math.round(Math.max(0, ...outMs)), p50: Math.round(percentile(outMs, 50)) },
      botsMissing, itemsAcknowledged: acknowledged, itemsLost: lost,
      handoffs: { completed, admitted, recalled: tally.total('refused') + tally.total('timed_out'), lost: Math.max(0, completed - admitted) },
      integrity,
    };
  } finally {
    db.close();
  }
}
