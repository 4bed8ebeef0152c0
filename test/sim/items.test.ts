import { describe, expect, it } from 'vitest';
import { EntityKind, EventKind, inRect, ItemType, rules, spawnItem } from '../../src/sim/index.js';
import { itemCount, withPlayers } from './helpers.js';

const { ITEM_RESPAWN_TICKS, PICKUP_RANGE, POTION_AMOUNT } = rules;

describe('item pickup', () => {
  it('picks up a potion exactly PICKUP_RANGE away: heals POTION_AMOUNT, emits ItemPickup, removes the item', () => {
    expect(PICKUP_RANGE).toBe(5);
    expect(POTION_AMOUNT).toBe(25);
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 60 }]);
    const item = spawnItem(world, 103, 104, ItemType.HealthPotion); // 3-4-5: exactly 5 away
    const itemNet = world.c.NetId.id[item];
    d.step(d.use(1, itemNet)); // tick 2
    expect(world.rejections).toEqual([]);
    expect(d.hp(1)).toBe(85);
    expect(world.events).toEqual([{
      kind: EventKind.ItemPickup, source: d.net(1), target: itemNet, x: 103, y: 104,
      radius: rules.EVENT_RADIUS.itemPickup, value: ItemType.HealthPotion,
    }]);
    expect(rules.EVENT_RADIUS.itemPickup).toBe(20);
    expect(world.removed).toEqual([itemNet]);
    expect(world.netToEid.has(itemNet)).toBe(false);
    expect(world.itemRespawns).toEqual([2 + ITEM_RESPAWN_TICKS]);
    expect(world.c.Replicated.changedAt[d.eid(1)]).toBe(2);

    d.step(d.use(1, itemNet)); // gone for good: the NetId is unknown now
    expect(world.rejections).toEqual([{ session: 1, seq: 2, input: 'useItem', reason: 'unknown_target' }]);
  });

  it('refuses an item just beyond range and leaves it in place', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 60 }]);
    const item = spawnItem(world, 103, 104.01, ItemType.HealthPotion);
    const itemNet = world.c.NetId.id[item];
    d.step(d.use(1, itemNet));
    expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'useItem', reason: 'out_of_range' }]);
    expect(world.events).toEqual([]);
    expect(world.removed).toEqual([]);
    expect(d.hp(1)).toBe(60);
    expect(world.netToEid.get(itemNet)).toBe(item);
    expect(world.itemRespawns).toEqual([]);
  });

  it('measures pickup range after this tick\'s movement', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 60 }]);
    const item = spawnItem(world, 105.2, 100, ItemType.HealthPotion); // 5.2 away, 4.95 after a step
    d.step(d.move(1, 110, 100), d.use(1, world.c.NetId.id[item]));
    expect(world.rejections).toEqual([]);
    expect(d.hp(1)).toBe(85);
  });

  it('caps potions at the maximum', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 90 }]);
    const e = d.eid(1);
    world.c.Mana.mana[e] = 40;
    const hp = world.c.NetId.id[spawnItem(world, 101, 100, ItemType.HealthPotion)];
    const mp = world.c.NetId.id[spawnItem(world, 100, 101, ItemType.ManaPotion)];
    const gold = world.c.NetId.id[spawnItem(world, 99, 100, ItemType.Gold)];
    d.step(d.use(1, hp), d.use(1, mp), d.use(1, gold));
    expect(world.rejections).toEqual([]);
    expect(world.c.Health.hp[e]).toBe(100);
    expect(world.c.Mana.mana[e]).toBe(50);
    expect(world.events.map((ev) => ev.value)).toEqual([ItemType.HealthPotion, ItemType.ManaPotion, ItemType.Gold]);
    expect(world.removed).toEqual([hp, mp, gold]);

    world.c.Mana.mana[e] = 10;
    const mp2 = world.c.NetId.id[spawnItem(world, 100, 99, ItemType.ManaPotion)];
    d.step(d.use(1, mp2));
    expect(world.c.Mana.mana[e]).toBe(35);
    expect(world.c.Health.hp[e]).toBe(100);
  });

  it('gives an item taken twice in one tick to the first; the second is refused item_gone', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 50 }, { x: 102, y: 100, hp: 50 }]);
    const itemNet = world.c.NetId.id[spawnItem(world, 101, 100, ItemType.HealthPotion)];
    d.step(d.use(2, itemNet), d.use(1, itemNet));
    expect(d.hp(2)).toBe(75);
    expect(d.hp(1)).toBe(50);
    expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'useItem', reason: 'item_gone' }]);
    expect(world.events.filter((e) => e.kind === EventKind.ItemPickup)).toHaveLength(1);
    expect(world.removed).toEqual([itemNet]);
    expect(world.itemRespawns).toHaveLength(1);
  });

  it('refuses a non-item and the dead', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, level: 5 }, { x: 101, y: 100, hp: 5 }]);
    const itemNet = world.c.NetId.id[spawnItem(world, 101, 101, ItemType.HealthPotion)];
    d.step(d.use(1, d.net(2)), d.attack(1, d.net(2)));
    expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'useItem', reason: 'not_an_item' }]);
    expect(d.dead(2)).toBe(true);
    d.step(d.use(2, itemNet));
    expect(world.rejections).toEqual([{ session: 2, seq: 1, input: 'useItem', reason: 'dead' }]);
    expect(world.netToEid.has(itemNet)).toBe(true);
  });

  it('respawns a taken item after ITEM_RESPAWN_TICKS, restoring the item count', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const items = [0, 1, 2].map((i) => spawnItem(world, 100 + i, 101, ItemType.Gold));
    const first = world.c.NetId.id[items[0]];
    expect(itemCount(world)).toBe(3);
    d.step(d.use(1, first)); // tick 2
    expect(itemCount(world)).toBe(2);
    const rngBefore = Array.from(world.rng.state);
    d.idleUntil(1 + ITEM_RESPAWN_TICKS); // tick 201
    expect(itemCount(world)).toBe(2);
    expect(Array.from(world.rng.state)).toEqual(rngBefore);
    const nextNet = world.nextNetId;
    d.step(); // tick 202
    expect(itemCount(world)).toBe(3);
    expect(world.itemRespawns).toEqual([]);
    const fresh = world.netToEid.get(nextNet)!;
    expect(fresh).toBeDefined();
    expect(world.c.Kind.value[fresh]).toBe(EntityKind.Item);
    expect(world.c.Item.type[fresh]).toBeGreaterThanOrEqual(1);
    expect(world.c.Item.type[fresh]).toBeLessThanOrEqual(3);
    expect(inRect(world.config.bounds, world.c.Position.x[fresh], world.c.Position.y[fresh])).toBe(true);
    // It is a live, indexed entity: a query around it finds it.
    const near: number[] = [];
    world.grid.queryRadius(world.c.Position.x[fresh], world.c.Position.y[fresh], 0.5, world.c.Position.x, world.c.Position.y, near);
    expect(near).toContain(fresh);
  });
});
