import { hasComponent } from 'bitecs';
import { describe, expect, it } from 'vitest';
import { EventKind, ItemType, rules, spawnItem, spawnNpc } from '../../src/sim/index.js';
import { f32, isDead, withPlayers } from './helpers.js';

const { ATTACK_COOLDOWN_TICKS, RESPAWN_TICKS, EVENT_RADIUS } = rules;

describe('attacks', () => {
  it('deals 10 + 2 × level: 12 at level 1, 20 at level 5, with Attack and Damage events', () => {
    expect(rules.damageFor(1)).toBe(12);
    expect(rules.damageFor(5)).toBe(20);
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 110, y: 100, level: 5 }]);
    const a = d.net(1), b = d.net(2);
    d.step(d.attack(1, b)); // tick 2
    expect(world.rejections).toEqual([]);
    expect(d.hp(2)).toBe(88);
    expect(world.events).toEqual([
      { kind: EventKind.Attack, source: a, target: b, x: 100, y: 100, radius: EVENT_RADIUS.attack, value: 0 },
      { kind: EventKind.Damage, source: a, target: b, x: 110, y: 100, radius: EVENT_RADIUS.damage, value: 12 },
    ]);
    expect(EVENT_RADIUS.attack).toBe(50);
    expect(EVENT_RADIUS.damage).toBe(30);
    expect(world.c.Attacker.readyAt[d.eid(1)]).toBe(2 + ATTACK_COOLDOWN_TICKS);
    expect(world.c.Replicated.changedAt[d.eid(1)]).toBe(2);
    expect(world.c.Replicated.changedAt[d.eid(2)]).toBe(2);

    d.step(d.attack(2, a)); // tick 3: the level-5 player strikes back, facing −x
    expect(world.rejections).toEqual([]);
    expect(d.hp(1)).toBe(80);
    expect(world.events[1]).toMatchObject({ kind: EventKind.Damage, source: b, target: a, value: 20 });
    expect(world.c.Rotation.angle[d.eid(2)]).toBe(f32(Math.PI));
  });

  it('allows range exactly 10 and refuses 10.01 with out_of_range, changing nothing', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 110, y: 100 }, { x: 100, y: 110.01 }]);
    d.step(d.attack(1, d.net(3))); // 10.01 away
    expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'attack', reason: 'out_of_range' }]);
    expect(world.events).toEqual([]);
    expect(d.hp(3)).toBe(100);
    expect(world.c.Attacker.readyAt[d.eid(1)]).toBe(0);

    d.step(d.attack(1, d.net(2))); // exactly 10 away
    expect(world.rejections).toEqual([]);
    expect(d.hp(2)).toBe(88);
  });

  it('measures range on positions after this tick\'s movement', () => {
    // Target 10.2 away walks 0.25 closer in the same tick: hit. Target at 10 walks away: miss.
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 110.2, y: 100 }, { x: 100, y: 90 }]);
    d.step(d.attack(1, d.net(2)), d.move(2, 0, 100));
    expect(world.rejections).toEqual([]);
    expect(d.x(2)).toBeCloseTo(109.95, 4);
    expect(d.hp(2)).toBe(88);

    const { world: w2, d: d2 } = withPlayers([{ x: 100, y: 100 }, { x: 110, y: 100 }]);
    d2.step(d2.attack(1, d2.net(2)), d2.move(2, 200, 100));
    expect(w2.rejections).toEqual([{ session: 1, seq: 1, input: 'attack', reason: 'out_of_range' }]);
    expect(d2.hp(2)).toBe(100);
  });

  it('enforces the cooldown of ATTACK_COOLDOWN_TICKS', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 105, y: 100 }]);
    const b = d.net(2);
    d.step(d.attack(1, b), d.attack(1, b)); // tick 2: second blow in the same tick is too soon
    expect(d.hp(2)).toBe(88);
    expect(world.rejections).toEqual([{ session: 1, seq: 2, input: 'attack', reason: 'cooldown' }]);
    d.step(d.attack(1, b)); // tick 3
    expect(world.rejections).toEqual([{ session: 1, seq: 3, input: 'attack', reason: 'cooldown' }]);
    d.idleUntil(2 + ATTACK_COOLDOWN_TICKS - 2);
    d.step(d.attack(1, b)); // tick 21
    expect(world.tick).toBe(21);
    expect(world.rejections.map((r) => r.reason)).toEqual(['cooldown']);
    expect(d.hp(2)).toBe(88);
    d.step(d.attack(1, b)); // tick 22 = 2 + 20
    expect(world.rejections).toEqual([]);
    expect(d.hp(2)).toBe(76);
  });

  it('refuses self, items, unknown NetIds and dead targets with their reasons', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 105, y: 100, hp: 5 }, { x: 100, y: 105, level: 5 }]);
    const item = spawnItem(world, 101, 101, ItemType.Gold);
    const itemNet = world.c.NetId.id[item];
    d.step(d.attack(1, d.net(1)), d.attack(1, itemNet), d.attack(1, 999), d.attack(1, 0));
    expect(world.rejections).toEqual([
      { session: 1, seq: 1, input: 'attack', reason: 'self_target' },
      { session: 1, seq: 2, input: 'attack', reason: 'not_attackable' },
      { session: 1, seq: 3, input: 'attack', reason: 'unknown_target' },
      { session: 1, seq: 4, input: 'attack', reason: 'unknown_target' },
    ]);
    expect(world.events).toEqual([]);
    expect(d.hp(1)).toBe(100);
    expect(world.c.Attacker.readyAt[d.eid(1)]).toBe(0);

    d.step(d.attack(3, d.net(2))); // kills player 2
    expect(d.dead(2)).toBe(true);
    d.step(d.attack(1, d.net(2)));
    expect(world.rejections).toEqual([{ session: 1, seq: 5, input: 'attack', reason: 'target_dead' }]);
  });

  it('a dead attacker is refused with dead, also when killed earlier in the same tick', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, level: 5 }, { x: 105, y: 100, hp: 5 }, { x: 100, y: 105, hp: 20 }]);
    const a = d.net(1), b = d.net(2), c = d.net(3);
    // Input order decides: 1 kills 2, then 2's blow is refused; 3's blow at 2 finds it dead.
    d.step(d.attack(1, b), d.attack(2, a), d.attack(3, b));
    expect(d.dead(2)).toBe(true);
    expect(world.rejections).toEqual([
      { session: 2, seq: 1, input: 'attack', reason: 'dead' },
      { session: 3, seq: 1, input: 'attack', reason: 'target_dead' },
    ]);
    expect(d.hp(1)).toBe(100);
    d.step(d.attack(2, c), d.move(2, 200, 200)); // the dead cannot act
    expect(world.rejections).toEqual([
      { session: 2, seq: 2, input: 'attack', reason: 'dead' },
      { session: 2, seq: 3, input: 'move', reason: 'dead' },
    ]);
    expect(d.hp(3)).toBe(20);
    expect(d.x(2)).toBe(105);
  });

  it('kills at 0 hp (floored), marks Dead, stops motion, and respawns after RESPAWN_TICKS at the spawn point', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, level: 5 }, { x: 105, y: 100, hp: 5 }]);
    const a = d.net(1), b = d.net(2);
    const e = d.eid(2);
    const { Dead, Health, Mana, Motion, Position } = world.c;
    d.step(d.move(2, 300, 100)); // tick 2: walking away (105.25 after this tick)
    world.c.Mana.mana[e] = 0; // spent (no mana system yet): respawn refills it
    d.step(d.attack(1, b)); // tick 3: 105.5, in range
    expect(Health.hp[e]).toBe(0);
    expect(isDead(world, e)).toBe(true);
    expect(Dead.respawnAt[e]).toBe(3 + RESPAWN_TICKS);
    expect(Motion.active[e]).toBe(0);
    expect(world.events).toEqual([
      { kind: EventKind.Attack, source: a, target: b, x: 100, y: 100, radius: 50, value: 0 },
      { kind: EventKind.Damage, source: a, target: b, x: 105.5, y: 100, radius: 30, value: 20 },
      { kind: EventKind.Death, source: a, target: b, x: 105.5, y: 100, radius: EVENT_RADIUS.death, value: 0 },
    ]);
    d.idleUntil(2 + RESPAWN_TICKS); // tick 102: still dead, has not moved
    expect(isDead(world, e)).toBe(true);
    expect(Position.x[e]).toBe(105.5);
    expect(world.events).toEqual([]);

    d.step(); // tick 103
    expect(isDead(world, e)).toBe(false);
    expect(Dead.respawnAt[e]).toBe(0);
    expect(Health.hp[e]).toBe(100);
    expect(Mana.mana[e]).toBe(50);
    expect(Position.x[e]).toBe(500);
    expect(Position.y[e]).toBe(500);
    expect(Motion.active[e]).toBe(0);
    expect(world.c.Replicated.changedAt[e]).toBe(103);
    expect(world.events).toEqual([
      // No actor: the respawned entity is the one acted on (events.ts: source 0 when none).
      { kind: EventKind.Respawn, source: 0, target: b, x: 500, y: 500, radius: EVENT_RADIUS.respawn, value: 0 },
    ]);
    d.step(d.move(2, 500, 510)); // alive again: moves are accepted
    expect(world.rejections).toEqual([]);
    expect(d.y(2)).toBe(500.25);
  });

  it('respawns a killed NPC at its route start with full hp and waypoint 1 next', () => {
    const { world, d } = withPlayers([{ x: 206, y: 200 }]);
    const npc = spawnNpc(world, [200, 200, 260, 200], 2, 10);
    const net = world.c.NetId.id[npc];
    const { Position, Patrol, Health } = world.c;
    d.idleUntil(31); // tick 2 points it at waypoint 1, ticks 3..31 walk 2.9
    expect(Position.x[npc]).toBeCloseTo(202.9, 3);
    d.step(d.attack(1, net)); // tick 32: 203.0
    expect(isDead(world, npc)).toBe(true);
    expect(Health.hp[npc]).toBe(0);
    expect(hasComponent(world.ecs, npc, world.c.Chase)).toBe(false);
    d.step(d.attack(1, net));
    expect(world.rejections.map((r) => r.reason)).toEqual(['target_dead']);
    d.idleUntil(131);
    expect(Position.x[npc]).toBeCloseTo(203, 3); // the dead do not patrol
    d.step(); // tick 132
    expect(isDead(world, npc)).toBe(false);
    expect(world.events).toEqual([
      { kind: EventKind.Respawn, source: 0, target: net, x: 200, y: 200, radius: 50, value: 0 },
    ]);
    expect(Position.x[npc]).toBe(200);
    expect(Health.hp[npc]).toBe(10);
    expect(Patrol.next[npc]).toBe(1);
    d.idle(2); // tick 133 re-points it, tick 134 steps
    expect(Position.x[npc]).toBe(f32(200.1));
  });

  it('an NPC that is hit fights back in range, chases when out of range and gives up beyond the leash', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }]);
    const npc = spawnNpc(world, [105, 100], 3, 200); // a guard post
    const n = world.c.NetId.id[npc], a = d.net(1);
    const { Chase, Health, Motion, Position, Rotation, Attacker } = world.c;
    const chasing = () => hasComponent(world.ecs, npc, Chase);

    d.step(d.attack(1, n)); // tick 2: the NPC strikes back at once (level 3: 16)
    expect(Health.hp[npc]).toBe(188);
    expect(d.hp(1)).toBe(84);
    expect(chasing()).toBe(true);
    expect(Chase.target[npc]).toBe(a);
    expect(world.events.map((e) => [e.kind, e.source, e.target, e.value])).toEqual([
      [EventKind.Attack, a, n, 0], [EventKind.Damage, a, n, 12],
      [EventKind.Attack, n, a, 0], [EventKind.Damage, n, a, 16],
    ]);
    expect(Rotation.angle[npc]).toBe(f32(Math.PI));
    expect(Attacker.readyAt[npc]).toBe(22);

    d.step(d.move(1, 60, 100)); // tick 3: player backs off at 0.25 per tick
    for (let t = 4; t <= 21; t++) {
      d.step();
      expect(Position.x[npc]).toBe(105); // in range: the NPC stands and waits
      expect(Motion.active[npc]).toBe(0);
    }
    d.step(); // tick 22: player at 95.0, exactly 10 away, cooldown over: second blow
    expect(d.x(1)).toBe(95);
    expect(d.hp(1)).toBe(68);
    expect(world.events.map((e) => [e.kind, e.source])).toEqual([[EventKind.Attack, n], [EventKind.Damage, n]]);

    d.step(); // tick 23: 10.25 away: the NPC starts to chase
    expect(Motion.active[npc]).toBe(1);
    expect(Motion.tx[npc]).toBe(94.75);
    expect(Position.x[npc]).toBe(105);
    for (let t = 24; t <= 154; t++) {
      d.step();
      // Distance grows 0.15 per tick: 10.4 at tick 24 ... 29.9 at tick 154.
      expect(Position.x[npc]).toBeCloseTo(105 - 0.1 * (t - 23), 3);
      expect(Rotation.angle[npc]).toBe(f32(Math.PI));
      expect(chasing()).toBe(true);
    }
    d.step(); // tick 155: 30.05 away, beyond the leash of 30: back to its post
    expect(rules.NPC_LEASH_RANGE).toBe(30);
    expect(d.x(1)).toBe(61.75);
    expect(chasing()).toBe(false);
    expect(Chase.target[npc]).toBe(0);
    expect(Motion.tx[npc]).toBe(105);
    expect(Motion.ty[npc]).toBe(100);
    expect(Motion.active[npc]).toBe(1);
    expect(Rotation.angle[npc]).toBe(0);
    const x = Position.x[npc];
    d.step();
    expect(Position.x[npc]).toBeCloseTo(x + 0.1, 4);
    expect(d.hp(1)).toBe(68);
  });

  it('an NPC that kills its attacker stops chasing', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100, hp: 10 }]);
    const npc = spawnNpc(world, [103, 100], 1, 100);
    d.step(d.attack(1, world.c.NetId.id[npc])); // tick 2: 12 back kills the player
    expect(d.dead(1)).toBe(true);
    expect(d.hp(1)).toBe(0);
    expect(world.events.at(-1)).toMatchObject({ kind: EventKind.Death, source: world.c.NetId.id[npc], target: d.net(1) });
    d.step();
    expect(hasComponent(world.ecs, npc, world.c.Chase)).toBe(false);
    expect(world.c.Health.hp[npc]).toBe(88);
  });
});
