import { hasComponent } from 'bitecs';
import { describe, expect, it } from 'vitest';
import { EntityKind, EventKind, rules } from '../../src/sim/index.js';
import { Driver, stateAt, tinyWorld, withPlayers } from './helpers.js';

describe('join and leave', () => {
  it('joins a new player near the spawn point with the new-player stats', () => {
    const world = tinyWorld();
    const d = new Driver(world);
    d.step({ type: 'join', session: 7, name: 'ada' });
    expect(world.rejections).toEqual([]);
    const e = d.eid(7);
    expect(world.joined).toEqual([{ session: 7, netId: 1, name: 'ada' }]);
    expect(world.names.get(1)).toBe('ada');
    expect(world.c.Kind.value[e]).toBe(EntityKind.Player);
    expect(Math.abs(world.c.Position.x[e] - 500)).toBeLessThanOrEqual(5);
    expect(Math.abs(world.c.Position.y[e] - 500)).toBeLessThanOrEqual(5);
    expect([world.c.Level.value[e], world.c.Health.hp[e], world.c.Health.max[e], world.c.Mana.mana[e], world.c.Mana.max[e]])
      .toEqual([1, 100, 100, 50, 50]);
    expect(world.c.Motion.active[e]).toBe(0);
  });

  it('joins a returning player with its saved state at its saved position', () => {
    const world = tinyWorld();
    const d = new Driver(world);
    d.step({ type: 'join', session: 3, name: 'bo', state: stateAt(12.5, 700, { level: 4, hp: 30, maxHp: 140, mana: 5, maxMana: 60 }) });
    const e = d.eid(3);
    expect(world.c.Position.x[e]).toBe(12.5);
    expect(world.c.Position.y[e]).toBe(700);
    expect([world.c.Level.value[e], world.c.Health.hp[e], world.c.Health.max[e], world.c.Mana.mana[e], world.c.Mana.max[e]])
      .toEqual([4, 30, 140, 5, 60]);
  });

  it('refuses joins once the zone is full', () => {
    const world = tinyWorld({ capacity: 16 });
    const d = new Driver(world);
    d.step(...Array.from({ length: 17 }, (_, i) => d.join(i + 1, { x: 10 + i, y: 10 })));
    expect(world.joined).toHaveLength(16);
    expect(world.rejections).toEqual([{ session: 17, seq: 0, input: 'join', reason: 'zone_full' }]);
    expect(world.sessions.has(17)).toBe(false);
    d.step(d.leave(1), d.join(17, { x: 50, y: 50 })); // a leave frees a place in the same tick
    expect(world.rejections).toEqual([]);
    expect(world.joined.map((j) => j.netId)).toEqual([17]);
  });

  it('leave removes the player: left and removed carry its NetId, later inputs are unknown_session', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 120, y: 100 }]);
    const net = d.net(1);
    const e = d.eid(1);
    d.step(d.leave(1));
    expect(world.left).toEqual([net]);
    expect(world.removed).toEqual([net]);
    expect(world.sessions.has(1)).toBe(false);
    expect(world.netToEid.has(net)).toBe(false);
    expect(world.names.has(net)).toBe(false);
    expect(world.grid.cellOf[e]).toBe(-1);
    d.step(d.move(1, 0, 0), d.leave(1));
    expect(world.rejections).toEqual([
      { session: 1, seq: 1, input: 'move', reason: 'unknown_session' },
      { session: 1, seq: 0, input: 'leave', reason: 'unknown_session' },
    ]);
    // Rejoining gives a new NetId: NetIds are never reused.
    d.step(d.join(1, { x: 100, y: 100 }));
    expect(world.joined[0].netId).toBe(3);
  });

  it('an attack by a player who left earlier in the same tick is refused', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 105, y: 100 }]);
    d.step(d.attack(1, d.net(2)), d.leave(1));
    expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'attack', reason: 'dead' }]);
    expect(d.hp(2)).toBe(100);
  });
});

describe('chat', () => {
  it('is an event at the speaker with radius 50 carrying the text', () => {
    const { world, d } = withPlayers([{ x: 100, y: 200 }]);
    d.step(d.chat(1, 'hello, zone'));
    expect(world.rejections).toEqual([]);
    expect(world.events).toEqual([{
      kind: EventKind.Chat, source: d.net(1), target: 0, x: 100, y: 200, radius: 50, value: 0, text: 'hello, zone',
    }]);
    expect(rules.EVENT_RADIUS.chat).toBe(50);
  });

  it('accepts 1 and 256 code points (astral characters count once); refuses empty, 257, NUL and lone surrogates', () => {
    const { world, d } = withPlayers([{ x: 100, y: 200 }]);
    const max = '😀'.repeat(rules.CHAT_MAX_CHARS); // 512 UTF-16 units, 256 code points
    d.step(d.chat(1, 'x'), d.chat(1, max));
    expect(world.rejections).toEqual([]);
    expect(world.events.map((e) => e.text)).toEqual(['x', max]);

    d.step(d.chat(1, ''), d.chat(1, max + 'a'), d.chat(1, 'a'.repeat(257)), d.chat(1, 'a\u0000b'), d.chat(1, 'a\ud800b'),
      d.chat(1, '\udc00'));
    expect(world.events).toEqual([]);
    expect(world.rejections.map((r) => [r.seq, r.reason])).toEqual([
      [3, 'chat_empty'], [4, 'chat_too_long'], [5, 'chat_too_long'], [6, 'bad_text'], [7, 'bad_text'], [8, 'bad_text'],
    ]);
  });
});

describe('zone boundary', () => {
  const overrides = {
    bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 },
    worldBounds: { minX: -50, minY: -50, maxX: 150, maxY: 150 },
    spawn: { x: 50, y: 50 },
    cellSize: 10,
  };

  it('reports a player leaving the bounds once, and again only after it re-entered', () => {
    const { world, d } = withPlayers([{ x: 99, y: 50 }], overrides);
    const e = d.eid(1), net = d.net(1);
    const pending = () => hasComponent(world.ecs, e, world.c.HandoffPending);
    d.step(d.move(1, 101, 50)); // tick 2: 99.25
    d.idle(3); // tick 5: 100.0, on the edge: still inside
    expect(d.x(1)).toBe(100);
    expect(world.handoffs).toEqual([]);
    d.step(); // tick 6: 100.25, outside
    expect(world.handoffs).toEqual([{ session: 1, netId: net, x: 100.25, y: 50 }]);
    expect(world.events).toEqual([
      { kind: EventKind.ZoneExit, source: net, target: 0, x: 100.25, y: 50, radius: rules.EVENT_RADIUS.zoneExit, value: 0 },
    ]);
    expect(pending()).toBe(true);
    for (let t = 7; t <= 12; t++) {
      d.step(); // walks on to 101 and stands there: not reported again
      expect(world.handoffs).toEqual([]);
      expect(world.events).toEqual([]);
    }
    expect(d.x(1)).toBe(101);
    // A move target outside the zone but inside the world is allowed; beyond the world it is not.
    d.step(d.move(1, 150.5, 50));
    expect(world.rejections.map((r) => r.reason)).toEqual(['out_of_bounds']);

    d.step(d.move(1, 99, 50)); // 100.75
    d.idle(2); // 100.25
    expect(pending()).toBe(true);
    d.step(); // 100.0: back inside, no longer a candidate
    expect(pending()).toBe(false);
    expect(world.handoffs).toEqual([]);
    d.idle(4); // arrives at 99
    d.step(d.move(1, 120, 50)); // 99.25
    d.idle(3); // 100.0
    expect(world.handoffs).toEqual([]);
    d.step(); // 100.25: reported a second time
    expect(world.handoffs).toEqual([{ session: 1, netId: net, x: 100.25, y: 50 }]);
    expect(world.events.map((ev) => ev.kind)).toEqual([EventKind.ZoneExit]);
  });

  it('a recall from the server puts a handoff candidate back inside and clears the mark', () => {
    const { world, d } = withPlayers([{ x: 99, y: 50 }], overrides);
    const e = d.eid(1);
    d.step(d.move(1, 110, 50));
    d.idle(6); // 100.75: outside, reported
    expect(hasComponent(world.ecs, e, world.c.HandoffPending)).toBe(true);
    d.step({ type: 'recall', session: 1, x: 99, y: 50 });
    expect([d.x(1), d.y(1)]).toEqual([99, 50]);
    expect(world.c.Motion.active[e]).toBe(0);
    expect(hasComponent(world.ecs, e, world.c.HandoffPending)).toBe(false);
    d.step({ type: 'recall', session: 1, x: 120, y: 50 }); // not inside this zone
    expect(world.rejections.map((r) => r.reason)).toEqual(['out_of_bounds']);
    expect(d.x(1)).toBe(99);
  });

  it('a player joining with a saved position outside the zone is placed near the spawn point', () => {
    const world = tinyWorld(overrides);
    const d = new Driver(world);
    d.step(d.join(1, { x: 120, y: 50 }));
    expect(world.rejections).toEqual([]);
    expect(Math.abs(d.x(1) - 50)).toBeLessThanOrEqual(5);
    expect(Math.abs(d.y(1) - 50)).toBeLessThanOrEqual(5);
    expect(world.handoffs).toEqual([]);
  });

  // Regression: bounds are stored as float32 like positions, so with maxX = 100.3 a move to
  // x = 100.3 (stored as 100.30000305...) must not count as leaving the zone.
  it('a move accepted as inside the zone does not end outside it through Float32 rounding', () => {
    const edge = { bounds: { minX: 0, minY: 0, maxX: 100.3, maxY: 100 }, spawn: { x: 50, y: 50 } };
    expect(Math.fround(100.3)).toBeGreaterThan(100.3);
    const { world, d } = withPlayers([{ x: 100, y: 50 }], edge);
    d.step(d.move(1, 100.3, 50)); // 0.3 away: moves to 100.25
    d.step(); // snaps onto the target
    expect(world.rejections).toEqual([]);
    expect(world.handoffs).toEqual([]);
    expect(world.events).toEqual([]);
  });
});
