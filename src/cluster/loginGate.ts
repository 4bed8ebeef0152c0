// Admission to login: who may spend a password hash, and when. In order, each refusal cheap
// and before any hashing:
//   1. malformed name or password                                  → bad_name / bad_password
//   2. too many wrong passwords for this name FROM THIS SOURCE     → throttled (429)
//      (by source and name, not by name alone: someone else's failures never lock the owner out)
//   3. too many login attempts from this source                    → too_many_attempts (429)
//   4. a new account, too many created from this source            → too_many_accounts (429)
//   5. a login for this name from this source in flight            → busy (503)
//   6. the hashing queue full                                      → busy (503)
// Refusals 2–6 say when to try again (retryAfterS, for Retry-After). Sources are client
// addresses (see clientAddress.ts); an exempt list skips limits 3 and 4 (e.g. a load-test host).
// Admitted logins take turns by source for the hashing threads (FairQueue), so a flood from one
// address never queues in front of everyone else.

import type { BlockList } from 'node:net';
import { checkCredentials, login, type AuthStore, type LoginFailure, type LoginResult, type Spawn } from './auth.js';
import { addressList, listed } from './clientAddress.js';
import { FairQueue } from './fairQueue.js';
import type { HashPool } from './hashPool.js';
import { KeyedBuckets, checkBucketRule, type BucketRule } from './keyedBuckets.js';

export interface SourceLimits {
  /** Logins (well-formed) per source. Default burst 30, then 1 a second. */
  attempts?: BucketRule;
  /** New accounts per source. Default burst 10, then 1 a minute. */
  creations?: BucketRule;
  /** Addresses or CIDR subnets that attempts and creations do not limit. Default none. */
  exempt?: readonly string[];
}

export interface LoginGateOptions {
  store: AuthStore;
  pool: HashPool;
  spawn?: Spawn;
  /** Logins queued or hashing at once; past it 'busy'. Default 1024. */
  maxPendingLogins?: number;
  /** Wrong passwords one source may try for one name at once; it regains them over failureWindowMs. Default 5. */
  maxFailures?: number;
  /** Default 60 s. */
  failureWindowMs?: number;
  limits?: SourceLimits;
}

export type GateFailure = LoginFailure | 'throttled' | 'too_many_attempts' | 'too_many_accounts' | 'busy';

export type GateResult =
  | Extract<LoginResult, { ok: true }>
  | { ok: false; reason: GateFailure; message: string; retryAfterS?: number };

export const DEFAULT_ATTEMPTS: BucketRule = { burst: 30, perSecond: 1 };
export const DEFAULT_CREATIONS: BucketRule = { burst: 10, perSecond: 1 / 60 };

function refuse(reason: GateFailure, message: string, waitMs: number): GateResult {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  return { ok: false, reason, message: `${message}; try again in ${retryAfterS} s`, retryAfterS };
}

export class LoginGate {
  private readonly maxPending: number;
  private readonly failures: KeyedBuckets;
  private readonly attempts: KeyedBuckets;
  private readonly creations: KeyedBuckets;
  private readonly exempt: BlockList | undefined;
  private readonly inFlight = new Set<string>();
  private readonly turns: FairQueue;
  private pending = 0;

  constructor(private readonly options: LoginGateOptions) {
    this.maxPending = options.maxPendingLogins ?? 1024;
    if (!Number.isSafeInteger(this.maxPending) || this.maxPending < 1) throw new RangeError('maxPendingLogins must be an integer ≥ 1');
    const maxFailures = options.maxFailures ?? 5;
    const windowMs = options.failureWindowMs ?? 60_000;
    this.failures = new KeyedBuckets({ burst: maxFailures, perSecond: maxFailures / (windowMs / 1000) });
    const l = options.limits ?? {};
    this.attempts = new KeyedBuckets(checkBucketRule(l.attempts ?? DEFAULT_ATTEMPTS, 'limits.attempts'));
    this.creations = new KeyedBuckets(checkBucketRule(l.creations ?? DEFAULT_CREATIONS, 'limits.creations'));
    this.exempt = l.exempt && l.exempt.length > 0 ? addressList(l.exempt, 'exempt source') : undefined;
    this.turns = new FairQueue(options.pool.threads);
  }

  /** Admits (or refuses) a login from `source` and runs it on the hash pool. */
  async login(name: unknown, password: unknown, source: string, now: number): Promise<GateResult> {
    const c = checkCredentials(name, password);
    if (!c.ok) return c;
    const pair = `${source}\n${c.name}`;
    const locked = this.failures.waitMs(pair, now);
    if (locked > 0) return refuse('throttled', 'too many wrong passwords for this name from your address', locked);
    const limited = !this.exempt || !listed(this.exempt, source);
    const slow = limited ? this.attempts.take(source, now) : 0;
    if (slow > 0) return refuse('too_many_attempts', 'too many logins from your address', slow);
    if (limited && !this.options.store.account(c.name)) {
      const wait = this.creations.take(source, now);
      if (wait > 0) return refuse('too_many_accounts', 'too many new accounts from your address', wait);
    }
    // One attempt per source and name at a time, so parallel guesses cannot outrun the failure count.
    if (this.inFlight.has(pair)) return refuse('busy', 'a login for this name is in progress', 1000);
    if (this.pending >= this.maxPending) return refuse('busy', 'too many logins in progress', this.options.pool.drainMs(this.pending));
    this.pending++;
    this.inFlight.add(pair);
    let r: LoginResult;
    try {
      const pool = this.options.pool;
      r = await login(this.options.store, c.name, c.password, this.options.spawn, (...a) => this.turns.run(source, () => pool.scrypt(...a)));
    } finally {
      this.pending--;
      this.inFlight.delete(pair);
    }
    if (r.ok) this.failures.reset(pair);
    else if (r.reason === 'wrong_password') this.failures.take(pair, now);
    return r;
  }
}
