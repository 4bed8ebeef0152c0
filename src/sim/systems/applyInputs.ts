// Applies this tick's inputs in their recorded order. Anything malformed or not allowed is
// rejected with a reason and changes nothing. Attacks and pickups are only checked for what
// cannot change this tick; range is checked later on the positions after movement.

import { EntityKind } from '../components.js';
import { inRect } from '../config.js';
import { CHAT_MAX_CHARS, EVENT_RADIUS, MAX_REWIND_TICKS, NAME_MAX_CHARS } from '../constants.js';
import { EventKind } from '../events.js';
import { checkText, isU32, type PlayerState, type RejectReason, type SimInput } from '../inputs.js';
import { isFiniteNumber } from '../math.js';
import { componentTest } from '../queries.js';
import { despawn, spawnPlayer, touch, type ZoneWorld } from '../world.js';
import { walkTo } from './movement.js';

type Obj = Record<string, unknown>;

function reject(world: ZoneWorld, input: Obj, reason: RejectReason): void {
  world.rejections.push({
    session: isU32(input.session) ? input.session : -1,
    seq: isU32(input.seq) ? input.seq : 0,
    input: typeof input.type === 'string' ? input.type.slice(0, 16) : '?',
    reason,
  });
}

function validState(world: ZoneWorld, s: unknown): s is PlayerState {
  if (s === undefined) return true;
  const o = s as Obj | null;
  if (!o || typeof o !== 'object') return false;
  const int = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  return isFiniteNumber(o.x) && isFiniteNumber(o.y) && inRect(world.worldBounds, o.x, o.y) &&
    int(o.level, 1, 1000) && int(o.maxHp, 1, 65535) && int(o.hp, 1, o.maxHp as number) &&
    int(o.maxMana, 0, 65535) && int(o.mana, 0, o.maxMana as number);
}

function applyJoin(world: ZoneWorld, input: Obj): void {
  if (world.sessions.has(input.session as number)) return reject(world, input, 'duplicate_session');
  if (checkText(input.name, NAME_MAX_CHARS) !== 'ok') return reject(world, input, 'bad_name');
  if (!validState(world, input.state)) return reject(world, input, 'bad_input');
  const eid = spawnPlayer(world, input.session as number, input.name as string, input.state as PlayerState | undefined);
  if (eid < 0) return reject(world, input, 'zone_full');
  world.joined.push({ session: input.session as number, netId: world.c.NetId.id[eid], name: input.name as string });
}

function applyMove(world: ZoneWorld, eid: number, input: Obj): void {
  const { x, y } = input;
  if (!isFiniteNumber(x) || !isFiniteNumber(y)) return reject(world, input, 'not_finite');
  if (!inRect(world.worldBounds, x, y)) return reject(world, input, 'out_of_bounds');
  walkTo(world, eid, x, y);
}

function applyAttack(world: ZoneWorld, eid: number, input: Obj, isDead: (eid: number) => boolean): void {
  if (!isU32(input.target)) return reject(world, input, 'bad_input');
  const rewind = input.rewind ?? 0;
  if (typeof rewind !== 'number' || !Number.isInteger(rewind) || rewind < 0 || rewind > MAX_REWIND_TICKS) return reject(world, input, 'bad_input');
  const target = world.netToEid.get(input.target);
  if (target === undefined) return reject(world, input, 'unknown_target');
  if (target === eid) return reject(world, input, 'self_target');
  if (world.c.Kind.value[target] === EntityKind.Item) return reject(world, input, 'not_attackable');
  if (isDead(target)) return reject(world, input, 'target_dead');
  if (world.tick < world.c.Attacker.readyAt[eid]) return reject(world, input, 'cooldown');
  world.pendingAttacks.push({
    eid, actor: world.c.NetId.id[eid], target: input.target,
    session: input.session as number, seq: input.seq as number, rewind,
  });
}

function applyUseItem(world: ZoneWorld, eid: number, input: Obj): void {
  if (!isU32(input.item)) return reject(world, input, 'bad_input');
  const item = world.netToEid.get(input.item);
  if (item === undefined) return reject(world, input, 'unknown_target');
  if (world.c.Kind.value[item] !== EntityKind.Item) return reject(world, input, 'not_an_item');
  world.pendingPickups.push({
    eid, actor: world.c.NetId.id[eid], target: input.item,
    session: input.session as number, seq: input.seq as number,
  });
}

function applyChat(world: ZoneWorld, eid: number, input: Obj): void {
  const verdict = checkText(input.text, CHAT_MAX_CHARS);
  if (verdict !== 'ok') return reject(world, input, verdict);
  const { Position, NetId } = world.c;
  world.events.push({
    kind: EventKind.Chat, source: NetId.id[eid], target: 0,
    x: Position.x[eid], y: Position.y[eid], radius: EVENT_RADIUS.chat, value: 0, text: input.text as string,
  });
}

function applyRecall(world: ZoneWorld, eid: number, input: Obj): void {
  const { x, y } = input;
  if (!isFiniteNumber(x) || !isFiniteNumber(y)) return reject(world, input, 'not_finite');
  if (!inRect(world.config.bounds, x, y)) return reject(world, input, 'out_of_bounds');
  const { Position, Motion } = world.c;
  Position.x[eid] = x;
  Position.y[eid] = y;
  Motion.active[eid] = 0;
  touch(world, eid); // the boundary system clears the handoff mark now that it is inside
}

function applyInput(world: ZoneWorld, input: Obj, isDead: (eid: number) => boolean): void {
  if (!input || typeof input !== 'object' || !isU32(input.session)) return reject(world, input ?? {}, 'bad_input');
  if (input.type === 'join') return applyJoin(world, input);
  const eid = world.sessions.get(input.session);
  if (eid === undefined) return reject(world, input, 'unknown_session');
  if (input.type === 'recall') return applyRecall(world, eid, input);
  if (input.type === 'leave') {
    world.left.push(world.c.NetId.id[eid]);
    return despawn(world, eid);
  }
  if (!isU32(input.seq)) return reject(world, input, 'bad_input');
  if (input.seq <= world.c.Player.lastSeq[eid]) return reject(world, input, 'stale_seq');
  switch (input.type) {
    case 'move':
    case 'attack':
    case 'useItem':
      world.c.Player.lastSeq[eid] = input.seq;
      if (isDead(eid)) return reject(world, input, 'dead');
      if (input.type === 'move') return applyMove(world, eid, input);
      if (input.type === 'attack') return applyAttack(world, eid, input, isDead);
      return applyUseItem(world, eid, input);
    case 'chat':
      world.c.Player.lastSeq[eid] = input.seq;
      return applyChat(world, eid, input);
    default:
      return reject(world, input, 'bad_input');
  }
}

export function applyInputsSystem(world: ZoneWorld): void {
  const inputs = world.inputs as readonly unknown[];
  const isDead = componentTest(world, world.c.Dead);
  for (let i = 0; i < inputs.length; i++) applyInput(world, inputs[i] as Obj, isDead);
}
