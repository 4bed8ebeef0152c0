// Token buckets by key (a client address, an address and a name): each key holds up to `burst`
// tokens and regains `perSecond` of them; an action takes one. Time is passed in (ms), so tests
// move it by hand. Memory is bounded: past `maxKeys`, buckets that have refilled (the same as
// no bucket) are dropped first, then the oldest.

export interface BucketRule {
  /** Tokens a fresh key holds: how many actions may come at once. */
  burst: number;
  /** Tokens regained per second: the sustained rate. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Checks a rule's numbers. */
export function checkBucketRule(rule: BucketRule, what: string): BucketRule {
  if (!(Number.isFinite(rule.burst) && rule.burst >= 1)) throw new RangeError(`${what}.burst must be a number ≥ 1`);
  if (!(Number.isFinite(rule.perSecond) && rule.perSecond > 0)) throw new RangeError(`${what}.perSecond must be a number > 0`);
  return rule;
}

export class KeyedBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly rule: BucketRule, private readonly maxKeys = 100_000) {
    checkBucketRule(rule, 'rule');
  }

  get size(): number {
    return this.buckets.size;
  }

  /** 0 when `key` holds a token now, else the ms until it will. Takes nothing. */
  waitMs(key: string, now: number): number {
    const tokens = this.tokens(key, now);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.rule.perSecond) * 1000);
  }

  /** Takes a token from `key` if it holds one: 0, else the ms until it will (nothing taken). */
  take(key: string, now: number): number {
    const wait = this.waitMs(key, now);
    if (wait > 0) return wait;
    const tokens = this.tokens(key, now) - 1;
    this.buckets.delete(key); // re-insert: the map's order is then least recently used first
    if (this.buckets.size >= this.maxKeys) this.evict(now);
    this.buckets.set(key, { tokens, at: now });
    return 0;
  }

  /** Gives `key` a full bucket again (e.g. its failures are forgiven). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private tokens(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.rule.burst;
    return Math.min(this.rule.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rule.perSecond);
  }

  private evict(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rule.perSecond >= this.rule.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
