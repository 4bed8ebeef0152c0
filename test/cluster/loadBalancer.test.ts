// Balancer strategies and their distributions with a seeded RNG.

import { describe, expect, it } from 'vitest';
import { LoadBalancer, NoServerError, STRATEGIES, type Candidate } from '../../src/cluster/index.js';
import { Rng } from '../../src/sim/index.js';

function s(id: string, load: number, capacity: number, region = '', active = true): Candidate {
  return { id, load, capacity, region, active };
}

function counts(lb: LoadBalancer, servers: Candidate[], n: number, region?: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = lb.pick(servers, region).id;
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

const mixed = [
  s('a', 0, 100), s('b', 50, 100), s('c', 90, 100),
  s('full', 100, 100), s('over', 130, 100), s('dead', 0, 100, '', false),
];

describe('round robin', () => {
  it('cycles exactly through the available servers in id order', () => {
    const lb = new LoadBalancer('round_robin');
    const picks = Array.from({ length: 9 }, () => lb.pick(mixed).id);
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('carries on from where it was when the list changes', () => {
    const lb = new LoadBalancer('round_robin');
    expect(lb.pick([s('a', 0, 1), s('b', 0, 1), s('c', 0, 1)]).id).toBe('a');
    expect(lb.pick([s('a', 0, 1), s('b', 0, 1), s('c', 0, 1)]).id).toBe('b');
    // b went away: the next after b is c; then it wraps.
    expect(lb.pick([s('c', 0, 1), s('a', 0, 1)]).id).toBe('c');
    expect(lb.pick([s('c', 0, 1), s('a', 0, 1), s('d', 0, 1)]).id).toBe('d');
    expect(lb.pick([s('c', 0, 1), s('a', 0, 1), s('d', 0, 1)]).id).toBe('a');
  });
});

describe('least connections', () => {
  it('picks the lowest load, ties by id', () => {
    const lb = new LoadBalancer('least_connections');
    expect(lb.pick([s('b', 5, 10), s('a', 7, 100), s('c', 5, 6)]).id).toBe('b');
    expect(lb.pick([s('z', 1, 10), s('y', 1, 10)]).id).toBe('y');
    expect(lb.pick(mixed).id).toBe('a');
  });
});

describe('weighted by free capacity', () => {
  it('picks in proportion to capacity − load within 1 % over 100k picks', () => {
    const servers = [s('a', 0, 100), s('b', 50, 100), s('c', 90, 100), s('d', 20, 60), s('full', 10, 10)];
    const lb = new LoadBalancer('weighted', new Rng(42));
    const n = 100_000;
    const m = counts(lb, servers, n);
    const free = { a: 100, b: 50, c: 10, d: 40 };
    const total = 200;
    for (const [id, f] of Object.entries(free)) expect(Math.abs((m.get(id) ?? 0) / n - f / total), id).toBeLessThan(0.01);
    expect(m.has('full')).toBe(false);
  });

  it('is reproducible with the same seed, and takes a bare function', () => {
    const a = counts(new LoadBalancer('weighted', new Rng(7)), mixed, 1000);
    const b = counts(new LoadBalancer('weighted', new Rng(7)), mixed, 1000);
    expect(a).toEqual(b);
    const r = new Rng(7);
    expect(counts(new LoadBalancer('weighted', () => r.next()), mixed, 1000)).toEqual(a);
  });
});

describe('random', () => {
  it('is roughly uniform over the available servers', () => {
    const lb = new LoadBalancer('random', new Rng(3));
    const n = 60_000;
    const m = counts(lb, mixed, n);
    expect([...m.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) expect(Math.abs(m.get(id)! / n - 1 / 3)).toBeLessThan(0.01);
  });

  it('needs an RNG and refuses one out of [0, 1)', () => {
    expect(() => new LoadBalancer('random')).toThrow(/needs an RNG/);
    expect(() => new LoadBalancer('weighted')).toThrow(/needs an RNG/);
    expect(() => new LoadBalancer('random', () => 1).pick(mixed)).toThrow(/outside \[0, 1\)/);
    expect(() => new LoadBalancer('random', () => NaN).pick(mixed)).toThrow(/outside/);
    // The extreme just under 1 still lands on the last server.
    expect(new LoadBalancer('random', () => 1 - 2 ** -53).pick(mixed).id).toBe('c');
    expect(new LoadBalancer('weighted', () => 1 - 2 ** -53).pick(mixed).id).toBe('c');
  });
});

describe('geographic', () => {
  const world = [
    s('eu-1', 80, 100, 'eu'), s('eu-2', 40, 100, 'eu'), s('eu-full', 100, 100, 'eu'),
    s('us-1', 10, 100, 'us'), s('useast', 0, 100, 'us-east'), s('asia-dead', 0, 100, 'asia', false),
  ];

  it('prefers servers tagged with the region, least loaded among them', () => {
    const lb = new LoadBalancer('geographic');
    expect(lb.pick(world, 'eu').id).toBe('eu-2');
    expect(lb.pick(world, 'us').id).toBe('us-1');
  });

  it('matches the tag exactly, never a substring', () => {
    const lb = new LoadBalancer('geographic');
    expect(lb.pick(world, 'us-east').id).toBe('useast');
    expect(lb.pick(world, 'u').id).toBe('useast'); // no 'u' tag: least loaded overall
    expect(lb.pick(world, 'EU').id).toBe('useast');
  });

  it('falls back to the least loaded overall when the region has no free server', () => {
    const lb = new LoadBalancer('geographic');
    expect(lb.pick(world, 'asia').id).toBe('useast');
    expect(lb.pick([s('eu-full', 100, 100, 'eu'), s('us', 50, 100, 'us'), s('sa', 12, 20, 'sa')], 'eu').id).toBe('us'); // by load / capacity: 0.5 < 0.6
    expect(lb.pick(world).id).toBe('useast');
  });
});

describe('every strategy', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: never returns a full or inactive server; nothing available → NoServerError`, () => {
      const lb = new LoadBalancer(strategy, new Rng(9));
      const bad = [s('full', 10, 10), s('over', 11, 10), s('dead', 0, 10, 'eu', false), s('nan', NaN, 10), s('zero', 0, 0)];
      const servers = [...bad, s('ok', 9, 10, 'eu')];
      for (let i = 0; i < 200; i++) expect(lb.pick(servers, 'eu').id).toBe('ok');
      expect(() => lb.pick(bad, 'eu')).toThrow(NoServerError);
      expect(() => lb.pick(bad)).toThrow(/all 5 are full or inactive/);
      expect(() => lb.pick([])).toThrow(NoServerError);
      expect(() => lb.pick([])).toThrow(/no server registered/);
    });
  }

  it('refuses an unknown strategy', () => {
    expect(() => new LoadBalancer('fastest' as never)).toThrow(/unknown strategy/);
  });
});
