// One connection's state: handshake stage, rate limit, error budget, and its view.

import { SOFT_ERROR_LIMIT, SOFT_ERROR_WINDOW_MS } from '../protocol/index.js';
import type { Viewer } from './fanout.js';

/** connecting → (loading its saved player) → joining (join queued) → joined → closed. */
export type SessionStage = 'connecting' | 'loading' | 'joining' | 'joined' | 'transferring' | 'closed';

/** Token bucket: `rate` frames a second sustained, up to `burst` at once. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: number, private readonly burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Session {
  stage: SessionStage = 'connecting';
  name = '';
  netId = 0;
  eid = -1;
  /** Watches without an entity (the viewer). */
  observer = false;
  /** Store row id; 0 when the zone keeps nothing. */
  playerId = 0;
  /** The player whose online lease this session holds (store/leases.ts); 0 when none. */
  leased = 0;
  viewer: Viewer | undefined;
  lastActivity: number;
  /** The server ended the connection (so the close is not counted as the peer's). */
  closedByServer = false;
  closeReason: string | undefined;
  /** Round trip measured by the server's pings (moving average, ms); undefined before the first pong. */
  rttMs: number | undefined;
  /** When the ping now in flight was sent. */
  pingSentAt: number | undefined;
  /** When the client went over its send budget; undefined while it keeps up. */
  behindSince: number | undefined;
  private readonly softErrors: number[] = [];
  readonly bucket: TokenBucket;

  constructor(
    /** Simulation session number: the key of this connection's inputs. */
    readonly number: number,
    /** Random id given to the client in Welcome. */
    readonly id: string,
    readonly openedAt: number,
    inputRate: number,
    inputBurst: number,
  ) {
    this.lastActivity = openedAt;
    this.bucket = new TokenBucket(inputRate, inputBurst, openedAt);
  }

  /** Counts a forgivable error; true when the budget is spent and the connection should close. */
  softError(now: number): boolean {
    this.softErrors.push(now);
    while (this.softErrors.length > 0 && now - this.softErrors[0] > SOFT_ERROR_WINDOW_MS) this.softErrors.shift();
    return this.softErrors.length > SOFT_ERROR_LIMIT;
  }
}
