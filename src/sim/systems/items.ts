// Ground items: pickups from inputs resolve in input order (first in range wins, an item is
// taken once), potions apply at once, and every taken item respawns somewhere after a delay.

import { ItemType, ITEM_TYPE_COUNT } from '../components.js';
import { EVENT_RADIUS, ITEM_RESPAWN_TICKS, PICKUP_RANGE, POTION_AMOUNT } from '../constants.js';
import { EventKind } from '../events.js';
import { componentTest } from '../queries.js';
import { despawn, spawnItem, touch, type PendingAction, type ZoneWorld } from '../world.js';

const PICKUP_SQ = PICKUP_RANGE * PICKUP_RANGE;

/** A new item of random type at a random point of the zone. */
export function spawnRandomItem(world: ZoneWorld): number {
  const b = world.config.bounds, rng = world.rng;
  const x = rng.range(b.minX, b.maxX), y = rng.range(b.minY, b.maxY);
  return spawnItem(world, x, y, 1 + rng.int(ITEM_TYPE_COUNT));
}

function applyItem(world: ZoneWorld, e: number, type: number): void {
  const { Health, Mana } = world.c;
  if (type === ItemType.HealthPotion) Health.hp[e] = Math.min(Health.max[e], Health.hp[e] + POTION_AMOUNT);
  else if (type === ItemType.ManaPotion) Mana.mana[e] = Math.min(Mana.max[e], Mana.mana[e] + POTION_AMOUNT);
  touch(world, e);
}

type PickupRejection = 'dead' | 'item_gone' | 'out_of_range';

/** Why a pending pickup cannot happen now, or undefined when it does. */
function pickupRejection(world: ZoneWorld, p: PendingAction, isDead: (eid: number) => boolean): PickupRejection | undefined {
  const { c } = world;
  if (c.NetId.id[p.eid] !== p.actor || isDead(p.eid)) return 'dead';
  const item = world.netToEid.get(p.target);
  if (item === undefined) return 'item_gone';
  const dx = c.Position.x[item] - c.Position.x[p.eid], dy = c.Position.y[item] - c.Position.y[p.eid];
  return dx * dx + dy * dy > PICKUP_SQ ? 'out_of_range' : undefined;
}

export function itemsSystem(world: ZoneWorld): void {
  const { c } = world;
  const isDead = componentTest(world, c.Dead);
  for (const p of world.pendingPickups) {
    const reason = pickupRejection(world, p, isDead);
    if (reason !== undefined) {
      world.rejections.push({ session: p.session, seq: p.seq, input: 'useItem', reason });
      continue;
    }
    const item = world.netToEid.get(p.target)!;
    const type = c.Item.type[item];
    world.events.push({
      kind: EventKind.ItemPickup, source: p.actor, target: p.target,
      x: c.Position.x[item], y: c.Position.y[item], radius: EVENT_RADIUS.itemPickup, value: type,
    });
    applyItem(world, p.eid, type);
    despawn(world, item);
    world.itemRespawns.push(world.tick + ITEM_RESPAWN_TICKS);
  }
  const due = world.itemRespawns;
  let n = 0;
  while (n < due.length && due[n] <= world.tick) n++;
  for (let i = 0; i < n; i++) spawnRandomItem(world);
  if (n > 0) due.splice(0, n);
}
