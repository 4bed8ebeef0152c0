// A zone and one predicting client joined by a simulated link, all on a simulated clock (no
// sockets, no timers): the real sim, the real fan-out and codec, the real ClientWorld and
// Predictor, and the zone's InputSchedule. The link is TCP-like: in order, each message delayed
// by the one-way latency plus jitter, and a lost segment costs a retransmission delay that
// holds back everything behind it.

import { Encoder, PROTOCOL_VERSION, decodeServerMessage, type SnapshotMsg } from '../../src/protocol/index.js';
import { Rng, generateZone, stepZone, type SimInput, type ZoneConfig, type ZoneWorld } from '../../src/sim/index.js';
import { ClientWorld } from '../../src/client/world.js';
import { Predictor } from '../../src/client/prediction.js';
import { ServerClock } from '../../src/client/clock.js';
import { Fanout, newViewer, type Viewer } from '../../src/zone/fanout.js';
import { InputSchedule } from '../../src/zone/schedule.js';

export interface LinkOptions {
  /** Round trip without jitter, ms. */
  rttMs: number;
  /** Extra one-way delay, uniform in [0, jitterMs). */
  jitterMs: number;
  /** Chance that a message is lost once and retransmitted. */
  loss: number;
  /** Retransmission delay of a lost message, ms. */
  rtoMs?: number;
}

class Link<T> {
  private queue: { at: number; item: T }[] = [];
  private last = 0;

  constructor(private readonly o: LinkOptions, private readonly rng: Rng) {}

  send(now: number, item: T): void {
    let at = now + this.o.rttMs / 2 + this.rng.next() * this.o.jitterMs;
    if (this.rng.next() < this.o.loss) at += this.o.rtoMs ?? 200;
    this.last = Math.max(this.last, at); // in order: nothing overtakes a delayed segment
    this.queue.push({ at: this.last, item });
  }

  receive(now: number): T[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n].at <= now) n++;
    return this.queue.splice(0, n).map((q) => q.item);
  }
}

interface SentMove {
  session: number;
  seq: number;
  x: number;
  y: number;
  applyTick: number;
}

const TICK_MS = 50;
const FRAME_MS = 5;
const SESSION = 1;

export const SMALL_ZONE: ZoneConfig = {
  id: 1, name: 'link', bounds: { minX: 0, minY: 0, maxX: 400, maxY: 400 }, spawn: { x: 200, y: 200 }, spawnRadius: 0,
  npcs: 0, waypoints: 2, patrolRadius: 10, guardShare: 0, items: 0, cellSize: 50, capacity: 64,
};

/** Runs the pair; the caller drives moves and reads what happened. */
export class LinkSim {
  readonly world: ZoneWorld;
  readonly predictor: Predictor;
  readonly clientWorld = new ClientWorld({ interpolate: false });
  readonly clock = new ServerClock();
  /** Server position of the player after each tick (float32 values). */
  readonly server = new Map<number, { x: number; y: number }>();
  /** The prediction for each tick, as first made (before any later correction). */
  readonly predicted = new Map<number, { x: number; y: number }>();
  /** Moves the server applied later than asked (their prediction had to be corrected). */
  late = 0;
  /** Snapshots whose reconciled base differed from the server's state at that tick. */
  baseMismatches = 0;
  acks = 0;
  /** Largest change of the displayed position between two client frames. */
  maxDisplayedStep = 0;
  now = 0;
  private readonly toServer: Link<SentMove>;
  private readonly toClient: Link<Uint8Array>;
  private readonly schedule = new InputSchedule();
  private readonly fanout: Fanout;
  private readonly viewer: Viewer;
  private readonly wanted = new Map<number, number>();
  private seq = 0;
  private lastDisplayed: { x: number; y: number } | undefined;

  constructor(link: LinkOptions, seed: number, smoothMs = 100, private readonly knownRttMs = link.rttMs) {
    const rng = new Rng(seed);
    this.world = generateZone(SMALL_ZONE, seed);
    this.toServer = new Link(link, rng);
    this.toClient = new Link(link, rng);
    this.predictor = new Predictor({ smoothMs });
    this.fanout = new Fanout(this.world, new Encoder());
    stepZone(this.world, [{ type: 'join', session: SESSION, name: 'p' }]);
    this.viewer = newViewer(this.world.sessions.get(SESSION)!);
    this.fanout.index();
    this.clientWorld.welcome({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, sessionId: 's', netId: this.world.c.NetId.id[this.viewer.eid], zoneId: 1, zoneName: 'link', bounds: SMALL_ZONE.bounds, tickRate: 20, tick: this.world.tick });
    this.clock.observeTick(this.world.tick, 0);
    this.record();
    this.now = this.world.tick * TICK_MS;
  }

  /** The tick an input sent now lands at, as the client computes it. */
  private applyTick(): number {
    return this.predictor.applyTickFor(this.clock.serverTimeMs(this.now) / TICK_MS, this.knownRttMs);
  }

  /** The client walks to (x, y): predicted at once, sent tagged with its apply tick. */
  move(x: number, y: number): void {
    const applyTick = this.applyTick();
    const seq = ++this.seq;
    this.predictor.move(seq, x, y, applyTick);
    this.toServer.send(this.now, { session: SESSION, seq, x, y, applyTick });
  }

  /** A server-side input (e.g. a recall) applied at the next tick. */
  inject(input: SimInput): void {
    this.extra.push(input);
  }

  private extra: SimInput[] = [];

  /** Advances both sides by `ms` of simulated time. */
  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += FRAME_MS;
      if (this.now % TICK_MS === 0) this.serverTick();
      this.clientFrame();
    }
  }

  private serverTick(): void {
    const w = this.world, next = w.tick + 1, inputs: SimInput[] = [];
    for (const m of this.toServer.receive(this.now)) {
      this.schedule.offer(m.session, { type: 'move', session: m.session, seq: m.seq, x: m.x, y: m.y }, m.applyTick, next, inputs);
      this.wanted.set(m.seq, m.applyTick);
    }
    this.schedule.release(next, inputs);
    for (const i of inputs) if (i.type === 'move' && this.wanted.get(i.seq)! < next) this.late++;
    inputs.push(...this.extra);
    this.extra = [];
    stepZone(w, inputs);
    this.fanout.index();
    this.record();
    const frame = this.fanout.frame(this.viewer, w.c.Player.lastSeq[this.viewer.eid]);
    if (frame) this.toClient.send(this.now, frame.slice()); // none: nothing new this tick
  }

  private record(): void {
    const e = this.viewer.eid;
    this.server.set(this.world.tick, { x: this.world.c.Position.x[e], y: this.world.c.Position.y[e] });
  }

  private clientFrame(): void {
    const p = this.predictor;
    for (const bytes of this.toClient.receive(this.now)) {
      const s = decodeServerMessage(bytes) as SnapshotMsg;
      this.clientWorld.applySnapshot(s);
      this.clock.observeTick(s.tick, this.now);
      const own = this.clientWorld.own();
      if (!own) continue;
      p.reconcile(s.tick, s.ackSeq, own.record, own.recordTick, this.now);
      this.acks++;
      const base = p.base();
      const truth = this.server.get(s.tick)!;
      if (base.x !== truth.x || base.y !== truth.y) this.baseMismatches++;
    }
    const before = p.tick;
    p.advanceTo(this.applyTick() - 1);
    for (let t = before + 1; t <= p.tick; t++) if (!this.predicted.has(t) && t === p.tick) this.predicted.set(t, p.predicted());
    if (!p.ready) return;
    const shown = p.displayed(this.now);
    if (this.lastDisplayed) this.maxDisplayedStep = Math.max(this.maxDisplayedStep, Math.hypot(shown.x - this.lastDisplayed.x, shown.y - this.lastDisplayed.y));
    this.lastDisplayed = shown;
  }

  /** Ticks whose first prediction differs from what the server had at that tick. */
  predictionMisses(): number {
    let misses = 0;
    for (const [t, pr] of this.predicted) {
      const s = this.server.get(t);
      if (s && (s.x !== pr.x || s.y !== pr.y)) misses++;
    }
    return misses;
  }
}
