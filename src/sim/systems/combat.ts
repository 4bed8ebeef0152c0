// Combat: respawns that are due, then attacks from inputs in input order, then NPCs fighting
// back. Range is checked on the server's positions after this tick's movement.

import { addComponent, hasComponent, removeComponent } from 'bitecs';
import { EntityKind } from '../components.js';
import {
  ATTACK_COOLDOWN_TICKS, ATTACK_RANGE, EVENT_RADIUS, MAX_WAYPOINTS, NPC_LEASH_RANGE, RESPAWN_TICKS, damageFor,
} from '../constants.js';
import { EventKind } from '../events.js';
import { heading } from '../math.js';
import { cachedQuery, componentTest } from '../queries.js';
import { touch, type PendingAction, type ZoneWorld } from '../world.js';
import { walkTo } from './movement.js';
import { headForWaypoint } from './patrol.js';

const RANGE_SQ = ATTACK_RANGE * ATTACK_RANGE;
const LEASH_SQ = NPC_LEASH_RANGE * NPC_LEASH_RANGE;
const deadOnes = cachedQuery((c) => [c.Dead]);
const chasing = cachedQuery((c) => [c.Chase]);

function emit(world: ZoneWorld, kind: (typeof EventKind)[keyof typeof EventKind], source: number, target: number,
  at: number, radius: number, value: number): void {
  const { Position } = world.c;
  world.events.push({ kind, source, target, x: Position.x[at], y: Position.y[at], radius, value });
}

function respawn(world: ZoneWorld, e: number): void {
  const { c } = world;
  removeComponent(world.ecs, e, c.Dead);
  c.Dead.respawnAt[e] = 0;
  c.Health.hp[e] = c.Health.max[e];
  c.Mana.mana[e] = c.Mana.max[e];
  if (c.Kind.value[e] === EntityKind.Npc) {
    const w = c.Patrol.slot[e] * MAX_WAYPOINTS * 2;
    c.Position.x[e] = world.waypoints[w];
    c.Position.y[e] = world.waypoints[w + 1];
    c.Patrol.next[e] = c.Patrol.count[e] > 1 ? 1 : 0;
  } else {
    c.Position.x[e] = world.config.spawn.x;
    c.Position.y[e] = world.config.spawn.y;
  }
  c.Motion.tx[e] = c.Position.x[e];
  c.Motion.ty[e] = c.Position.y[e];
  c.Motion.active[e] = 0;
  touch(world, e);
  emit(world, EventKind.Respawn, 0, c.NetId.id[e], e, EVENT_RADIUS.respawn, 0);
}

function kill(world: ZoneWorld, killer: number, victim: number): void {
  const { c } = world;
  addComponent(world.ecs, victim, c.Dead);
  c.Dead.respawnAt[victim] = world.tick + RESPAWN_TICKS;
  c.Motion.active[victim] = 0;
  if (hasComponent(world.ecs, victim, c.Chase)) {
    removeComponent(world.ecs, victim, c.Chase);
    c.Chase.target[victim] = 0;
  }
  emit(world, EventKind.Death, c.NetId.id[killer], c.NetId.id[victim], victim, EVENT_RADIUS.death, 0);
}

/** One blow: damage 10 + 2 × attacker level, health floors at 0. */
function strike(world: ZoneWorld, attacker: number, target: number): void {
  const { c } = world;
  const damage = damageFor(c.Level.value[attacker]);
  const hp = c.Health.hp[target] - damage;
  c.Health.hp[target] = hp > 0 ? hp : 0;
  c.Attacker.readyAt[attacker] = world.tick + ATTACK_COOLDOWN_TICKS;
  const dx = c.Position.x[target] - c.Position.x[attacker], dy = c.Position.y[target] - c.Position.y[attacker];
  if (dx !== 0 || dy !== 0) c.Rotation.angle[attacker] = heading(dy, dx);
  touch(world, attacker);
  touch(world, target);
  const a = c.NetId.id[attacker], t = c.NetId.id[target];
  emit(world, EventKind.Attack, a, t, attacker, EVENT_RADIUS.attack, 0);
  emit(world, EventKind.Damage, a, t, target, EVENT_RADIUS.damage, damage);
  if (hp <= 0) {
    kill(world, attacker, target);
  } else if (c.Kind.value[target] === EntityKind.Npc && !hasComponent(world.ecs, target, c.Chase)) {
    addComponent(world.ecs, target, c.Chase);
    c.Chase.target[target] = a;
  }
}

function inRange(world: ZoneWorld, a: number, b: number, rangeSq: number): boolean {
  const { x, y } = world.c.Position;
  const dx = x[b] - x[a], dy = y[b] - y[a];
  return dx * dx + dy * dy <= rangeSq;
}

const seen = { x: 0, y: 0 };

/** In range of the target where the attacker saw it: `rewind` ticks ago (lag compensation). */
function inRangeAsSeen(world: ZoneWorld, a: number, t: number, rewind: number): boolean {
  if (rewind === 0) return inRange(world, a, t, RANGE_SQ);
  // History holds positions at the end of each past tick; this tick's are not in it yet.
  world.history.at(t, world.tick - rewind, world.tick - 1, seen);
  const { x, y } = world.c.Position;
  const dx = seen.x - x[a], dy = seen.y - y[a];
  return dx * dx + dy * dy <= RANGE_SQ;
}

type AttackRejection = 'dead' | 'target_dead' | 'unknown_target' | 'out_of_range' | 'cooldown';

function rejectAttack(world: ZoneWorld, p: PendingAction, reason: AttackRejection): void {
  world.rejections.push({ session: p.session, seq: p.seq, input: 'attack', reason });
}

/** Why a pending attack cannot land now, or undefined when it strikes. */
function attackRejection(world: ZoneWorld, p: PendingAction, isDead: (eid: number) => boolean): AttackRejection | undefined {
  const { c } = world;
  // The attacker or target may have died or left earlier in this tick.
  if (c.NetId.id[p.eid] !== p.actor || isDead(p.eid)) return 'dead';
  const t = world.netToEid.get(p.target);
  if (t === undefined) return 'unknown_target';
  if (isDead(t)) return 'target_dead';
  if (world.tick < c.Attacker.readyAt[p.eid]) return 'cooldown';
  if (!inRangeAsSeen(world, p.eid, t, p.rewind ?? 0)) return 'out_of_range';
  return undefined;
}

function resolveAttacks(world: ZoneWorld): void {
  const isDead = componentTest(world, world.c.Dead);
  for (const p of world.pendingAttacks) {
    const reason = attackRejection(world, p, isDead);
    if (reason === undefined) strike(world, p.eid, world.netToEid.get(p.target)!);
    else rejectAttack(world, p, reason);
  }
}

function stopChasing(world: ZoneWorld, e: number): void {
  removeComponent(world.ecs, e, world.c.Chase);
  world.c.Chase.target[e] = 0;
  headForWaypoint(world, e);
}

/** NPCs that were hit chase their attacker within the leash, striking when in range. */
function fightBack(world: ZoneWorld): void {
  const { c } = world;
  const chasers = chasing(world);
  const isDead = componentTest(world, c.Dead);
  const b = world.config.bounds;
  for (let i = 0, n = chasers.length; i < n; i++) {
    const e = chasers[i];
    if (isDead(e)) continue;
    const t = world.netToEid.get(c.Chase.target[e]);
    if (t === undefined || isDead(t) || !inRange(world, e, t, LEASH_SQ)) {
      stopChasing(world, e);
      continue;
    }
    if (inRange(world, e, t, RANGE_SQ)) {
      if (c.Motion.active[e]) {
        c.Motion.active[e] = 0;
        touch(world, e);
      }
      if (world.tick >= c.Attacker.readyAt[e]) strike(world, e, t);
    } else {
      // NPCs stay in their own zone: the chase point is clamped to its bounds.
      walkTo(world, e, Math.min(b.maxX, Math.max(b.minX, c.Position.x[t])), Math.min(b.maxY, Math.max(b.minY, c.Position.y[t])));
    }
  }
}

export function combatSystem(world: ZoneWorld): void {
  const { c } = world;
  const dead = deadOnes(world);
  for (let i = 0, n = dead.length; i < n; i++) {
    const e = dead[i];
    if (world.tick >= c.Dead.respawnAt[e]) respawn(world, e);
  }
  resolveAttacks(world);
  fightBack(world);
}
