// Small builders for hand-made zones: a tiny config, players joined at exact points through
// ordinary 'join' inputs, and a driver that numbers each session's inputs.

import { hasComponent } from 'bitecs';
import {
  createZoneWorld, DEFAULT_ZONE, EntityKind, stepZone,
  type PlayerState, type SimInput, type ZoneConfig, type ZoneWorld,
} from '../../src/sim/index.js';

export const BOUNDS = { minX: 0, minY: 0, maxX: 1000, maxY: 1000 } as const;
export const SPAWN = { x: 500, y: 500 } as const;

/** A zone with no generated NPCs or items and a small capacity. */
export function tinyConfig(overrides: Partial<ZoneConfig> = {}): ZoneConfig {
  return { ...DEFAULT_ZONE, bounds: { ...BOUNDS }, spawn: { ...SPAWN }, npcs: 0, items: 0, capacity: 64, ...overrides };
}

export function tinyWorld(overrides: Partial<ZoneConfig> = {}, seed = 1): ZoneWorld {
  return createZoneWorld(tinyConfig(overrides), seed);
}

/** Saved player state placing a level-1, full-health player at (x, y). */
export function stateAt(x: number, y: number, o: Partial<PlayerState> = {}): PlayerState {
  return { x, y, level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50, ...o };
}

export interface PlayerSpec {
  x: number;
  y: number;
  level?: number;
  hp?: number;
  maxHp?: number;
}

/** Builds inputs with per-session sequence numbers and steps the world. */
export class Driver {
  private readonly seqs = new Map<number, number>();

  constructor(readonly world: ZoneWorld) {}

  seq(session: number): number {
    const s = (this.seqs.get(session) ?? 0) + 1;
    this.seqs.set(session, s);
    return s;
  }

  join(session: number, p: PlayerSpec, name = `p${session}`): SimInput {
    const { x, y, ...rest } = p;
    return { type: 'join', session, name, state: stateAt(x, y, rest) };
  }

  move(session: number, x: number, y: number): SimInput {
    return { type: 'move', session, seq: this.seq(session), x, y };
  }

  attack(session: number, target: number): SimInput {
    return { type: 'attack', session, seq: this.seq(session), target };
  }

  use(session: number, item: number): SimInput {
    return { type: 'useItem', session, seq: this.seq(session), item };
  }

  chat(session: number, text: string): SimInput {
    return { type: 'chat', session, seq: this.seq(session), text };
  }

  leave(session: number): SimInput {
    return { type: 'leave', session };
  }

  step(...inputs: SimInput[]): void {
    stepZone(this.world, inputs);
  }

  idle(ticks: number): void {
    for (let i = 0; i < ticks; i++) stepZone(this.world, []);
  }

  /** Steps until the world's tick equals `tick`. */
  idleUntil(tick: number): void {
    if (tick < this.world.tick) throw new Error(`already at tick ${this.world.tick}`);
    while (this.world.tick < tick) stepZone(this.world, []);
  }

  eid(session: number): number {
    const e = this.world.sessions.get(session);
    if (e === undefined) throw new Error(`session ${session} is not in the zone`);
    return e;
  }

  net(session: number): number {
    return this.world.c.NetId.id[this.eid(session)];
  }

  x(session: number): number {
    return this.world.c.Position.x[this.eid(session)];
  }

  y(session: number): number {
    return this.world.c.Position.y[this.eid(session)];
  }

  hp(session: number): number {
    return this.world.c.Health.hp[this.eid(session)];
  }

  dead(session: number): boolean {
    return isDead(this.world, this.eid(session));
  }
}

/** A tiny world with players 1..n joined at the given points during tick 1. */
export function withPlayers(players: PlayerSpec[], overrides: Partial<ZoneConfig> = {}, seed = 1) {
  const world = tinyWorld(overrides, seed);
  const d = new Driver(world);
  d.step(...players.map((p, i) => d.join(i + 1, p)));
  if (world.joined.length !== players.length) {
    throw new Error(`expected ${players.length} joins, got ${JSON.stringify(world.rejections)}`);
  }
  return { world, d };
}

export function isDead(world: ZoneWorld, eid: number): boolean {
  return hasComponent(world.ecs, eid, world.c.Dead);
}

export function eidOf(world: ZoneWorld, netId: number): number {
  const e = world.netToEid.get(netId);
  if (e === undefined) throw new Error(`NetId ${netId} is not live`);
  return e;
}

export function itemCount(world: ZoneWorld): number {
  let n = 0;
  for (const e of world.netToEid.values()) if (world.c.Kind.value[e] === EntityKind.Item) n++;
  return n;
}

export const f32 = Math.fround;
