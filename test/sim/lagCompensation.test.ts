import { describe, expect, it } from 'vitest';
import { rules, stateHash, type SimInput } from '../../src/sim/index.js';
import { withPlayers } from './helpers.js';

const { MAX_REWIND_TICKS, HISTORY_TICKS } = rules;

/** Player 1 stands at (100, 100); player 2 starts 8 units east and walks east at 5 u/s. */
function fleeing() {
  const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 108, y: 100 }]);
  d.step(d.move(2, 300, 100));
  // 0.25 u a tick: after 9 more ticks it is 10.5 away, 3 ticks earlier it was 9.75 away.
  d.idle(8);
  return { world, d };
}

function attackWith(rewind: number | undefined, session = 1, target: number, seq: number): SimInput {
  return { type: 'attack', session, seq, target, ...(rewind === undefined ? {} : { rewind }) };
}

describe('lag-compensated attacks', () => {
  it('a target that has just left range is hit where the attacker saw it, and missed without the rewind', () => {
    const hit = fleeing(), miss = fleeing();
    expect(hit.d.x(2) - 100).toBeGreaterThan(10);
    hit.d.step(attackWith(3, 1, hit.d.net(2), 1));
    expect(hit.world.rejections).toEqual([]);
    expect(hit.d.hp(2)).toBe(100 - rules.damageFor(1));
    miss.d.step(attackWith(0, 1, miss.d.net(2), 1));
    expect(miss.world.rejections).toEqual([{ session: 1, seq: 1, input: 'attack', reason: 'out_of_range' }]);
    expect(miss.d.hp(2)).toBe(100);
  });

  it('refuses a rewind past the cap or not a whole number of ticks as bad input, changing nothing', () => {
    for (const rewind of [MAX_REWIND_TICKS + 1, -1, 1.5, Number.NaN]) {
      const { world, d } = fleeing();
      const before = stateHash(world);
      d.step(attackWith(rewind, 1, d.net(2), 1));
      expect(world.rejections).toEqual([{ session: 1, seq: 1, input: 'attack', reason: 'bad_input' }]);
      expect(d.hp(2)).toBe(100);
      expect(stateHash(world).hex).not.toBe(before.hex); // time moved on (the target walked)
    }
  });

  it('looks up exactly the position the target had at the end of that tick', () => {
    const { world, d } = withPlayers([{ x: 100, y: 100 }, { x: 100, y: 100 }]);
    d.step(d.move(2, 300, 100));
    const xs = new Map<number, number>();
    for (let i = 0; i < HISTORY_TICKS + 5; i++) {
      d.step();
      xs.set(world.tick, d.x(2));
    }
    const out = { x: 0, y: 0 };
    for (let back = 0; back < HISTORY_TICKS; back++) {
      const t = world.tick - back;
      expect(world.history.at(d.eid(2), t, world.tick, out).x).toBe(xs.get(t));
    }
    // Older than the window: the oldest kept.
    expect(world.history.at(d.eid(2), world.tick - HISTORY_TICKS - 3, world.tick, out).x).toBe(xs.get(world.tick - HISTORY_TICKS + 1));
  });
});
