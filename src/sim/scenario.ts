// Synthetic players for `mmo sim`, the benchmarks and the determinism tests: a seeded driver
// that joins players and gives them moves, attacks, pickups, chat and churn. It only reads
// the world; what it produces are ordinary inputs, so a recording replays without it.

import { hasComponent } from 'bitecs';
import { EntityKind } from './components.js';
import { ATTACK_RANGE, PICKUP_RANGE } from './constants.js';
import type { SimInput } from './inputs.js';
import { Rng } from './rng.js';
import type { ZoneWorld } from './world.js';

export interface ScenarioOptions {
  players: number;
  seed: number;
  /** Chance per tick that an idle player walks to a new random point. */
  moveChance?: number;
  /** Chance per tick that a walking player turns toward a new random point (0: never, and no draw). */
  turnChance?: number;
  /** Chance per tick that a player attacks something within range. */
  attackChance?: number;
  /** Chance per tick that a player picks up an item within reach. */
  pickupChance?: number;
  chatChance?: number;
  /** Chance per tick that a player leaves and a new one joins in its place. */
  churnChance?: number;
}

export class Scenario {
  private readonly rng: Rng;
  private readonly seq = new Map<number, number>();
  private readonly sessions: number[] = [];
  private nextSession = 1;
  private readonly near: number[] = [];
  private readonly o: Required<ScenarioOptions>;

  constructor(private readonly world: ZoneWorld, options: ScenarioOptions) {
    this.o = { moveChance: 0.2, turnChance: 0, attackChance: 0.02, pickupChance: 0.05, chatChance: 0.001, churnChance: 0.0005, ...options };
    this.rng = new Rng(options.seed ^ 0x5ce7a210);
  }

  private nextSeq(session: number): number {
    const s = (this.seq.get(session) ?? 0) + 1;
    this.seq.set(session, s);
    return s;
  }

  private join(out: SimInput[]): void {
    const session = this.nextSession++;
    this.sessions.push(session);
    out.push({ type: 'join', session, name: `bot${session}` });
  }

  /** The inputs for the world's next tick. */
  next(): SimInput[] {
    const out: SimInput[] = [];
    const { world, rng, o } = this;
    while (this.nextSession <= o.players) this.join(out);
    const { c } = world;
    const b = world.worldBounds;
    for (let i = 0; i < this.sessions.length; i++) {
      const session = this.sessions[i];
      const e = world.sessions.get(session);
      if (e === undefined) continue; // joins this tick
      if (rng.next() < o.churnChance) {
        out.push({ type: 'leave', session });
        this.sessions.splice(i--, 1);
        this.join(out);
        continue;
      }
      if (hasComponent(world.ecs, e, c.Dead)) continue;
      const x = c.Position.x[e], y = c.Position.y[e];
      const walking = c.Motion.active[e] !== 0;
      if (walking ? o.turnChance > 0 && rng.next() < o.turnChance : rng.next() < o.moveChance) {
        out.push({ type: 'move', session, seq: this.nextSeq(session), x: rng.range(b.minX, b.maxX), y: rng.range(b.minY, b.maxY) });
      }
      if (rng.next() < o.attackChance) {
        const t = this.pick(x, y, ATTACK_RANGE, e, EntityKind.Item, false);
        if (t >= 0) out.push({ type: 'attack', session, seq: this.nextSeq(session), target: c.NetId.id[t] });
      }
      if (rng.next() < o.pickupChance) {
        const t = this.pick(x, y, PICKUP_RANGE, e, EntityKind.Item, true);
        if (t >= 0) out.push({ type: 'useItem', session, seq: this.nextSeq(session), item: c.NetId.id[t] });
      }
      if (rng.next() < o.chatChance) out.push({ type: 'chat', session, seq: this.nextSeq(session), text: `hello from ${session}` });
    }
    return out;
  }

  /** First entity within r that is (or, with want=false, is not) of `kind`, other than self. */
  private pick(x: number, y: number, r: number, self: number, kind: number, want: boolean): number {
    const { world } = this;
    const { c } = world;
    const n = world.grid.queryRadius(x, y, r, c.Position.x, c.Position.y, this.near);
    for (let i = 0; i < n; i++) {
      const e = this.near[i];
      if (e !== self && (c.Kind.value[e] === kind) === want && !hasComponent(world.ecs, e, c.Dead)) return e;
    }
    return -1;
  }
}
