// Load-balancing strategies over a list of servers (normally a registry query's answer).
// None ever returns an inactive or full (load ≥ capacity) server; with nothing left to pick
// they throw NoServerError. Randomness comes only from the RNG passed in, so a seeded one
// makes every pick reproducible.

export const STRATEGIES = ['round_robin', 'least_connections', 'weighted', 'random', 'geographic'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface Candidate {
  readonly id: string;
  /** Current players or connections. */
  readonly load: number;
  readonly capacity: number;
  /** Region tag, compared exactly by `geographic`. */
  readonly region?: string;
  /** false = skipped; absent counts as active. */
  readonly active?: boolean;
}

/** `Rng` from src/sim (anything with next() in [0, 1)) or a bare function. */
export type RandomSource = { next(): number } | (() => number);

/** No server of the asked kind can take a player. */
export class NoServerError extends Error {
  override name = 'NoServerError';
  constructor(message: string, readonly candidates = 0) {
    super(message);
  }
}

function idOrder(a: Candidate, b: Candidate): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function ratioOrder(a: Candidate, b: Candidate): number {
  return a.load / a.capacity - b.load / b.capacity || idOrder(a, b);
}

/** Can take one more: active, sane numbers, load below capacity. */
export function canTake(s: Candidate): boolean {
  return s.active !== false && Number.isFinite(s.load) && s.load >= 0 && Number.isFinite(s.capacity) && s.capacity > 0 && s.load < s.capacity;
}

/** The servers that can take a player, in id order; throws NoServerError when there are none. */
export function available<T extends Candidate>(servers: readonly T[], what = 'server'): T[] {
  const out = servers.filter(canTake).sort(idOrder);
  if (out.length === 0) {
    throw new NoServerError(servers.length === 0
      ? `no ${what} registered and active`
      : `no ${what} available: all ${servers.length} are full or inactive`, servers.length);
  }
  return out;
}

export class LoadBalancer {
  private readonly draw: () => number;
  /** Round robin: the id picked last; the next pick is the first id after it. */
  private lastId: string | undefined;

  constructor(readonly strategy: Strategy, rng?: RandomSource) {
    if (!(STRATEGIES as readonly string[]).includes(strategy)) throw new RangeError(`unknown strategy ${JSON.stringify(strategy)}`);
    const source = rng === undefined ? undefined : typeof rng === 'function' ? rng : () => rng.next();
    this.draw = () => {
      if (!source) throw new Error(`strategy ${strategy} needs an RNG`);
      const r = source();
      if (!(r >= 0 && r < 1)) throw new RangeError(`RNG returned ${r}, outside [0, 1)`);
      return r;
    };
    if ((strategy === 'weighted' || strategy === 'random') && !source) throw new Error(`strategy ${strategy} needs an RNG`);
  }

  /**
   * Picks one server. `region` matters to `geographic` only: servers tagged exactly with it
   * are preferred (least loaded among them), else the least loaded of all.
   */
  pick<T extends Candidate>(servers: readonly T[], region?: string): T {
    const ok = available(servers);
    switch (this.strategy) {
      case 'round_robin': {
        const last = this.lastId;
        const next = (last === undefined ? undefined : ok.find((s) => s.id > last)) ?? ok[0];
        this.lastId = next.id;
        return next;
      }
      case 'least_connections': {
        let best = ok[0];
        for (const s of ok) if (s.load < best.load) best = s; // id order breaks ties
        return best;
      }
      case 'weighted': {
        let total = 0;
        for (const s of ok) total += s.capacity - s.load;
        let r = this.draw() * total;
        for (const s of ok) {
          r -= s.capacity - s.load;
          if (r < 0) return s;
        }
        return ok[ok.length - 1]; // rounding at the top end
      }
      case 'random':
        return ok[Math.min(ok.length - 1, Math.floor(this.draw() * ok.length))];
      case 'geographic': {
        const local = region ? ok.filter((s) => s.region === region) : [];
        return (local.length > 0 ? local : ok).sort(ratioOrder)[0];
      }
    }
  }
}
