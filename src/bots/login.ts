// A bot's way into a world: log in at the gateway (creating the account the first time) and
// ask it for a zone. A gateway that is busy says so (429/503, often with Retry-After); the bot
// waits as told, or backs off exponentially, and tries again a bounded number of times.
// On loopback each bot speaks from an address of its own (127.x.y.z: Linux routes all of
// 127.0.0.0/8 to lo), so a swarm meets the gateway's per-source limits as that many users would.

import { request } from 'node:http';

export interface LoginRetry {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff when the server names no wait; doubles each time, with jitter. */
  baseDelayMs: number;
  /** No wait is longer than this, whatever Retry-After says. */
  maxDelayMs: number;
}

export const DEFAULT_LOGIN_RETRY: LoginRetry = { attempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

/** Statuses that mean "not now", worth another try; anything else is the answer. */
const RETRYABLE = new Set([429, 503]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait after failed try `attempt` (1-based): doubling from baseDelayMs, with jitter, capped. */
export function backoffMs(retry: LoginRetry, attempt: number): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it resolves, waiting backoffMs between failed tries; rethrows the last
 * failure after `retry.attempts` tries, or at once when `go()` turns false.
 */
export async function withBackoff<T>(attempt: () => Promise<T>, retry: LoginRetry, go: () => boolean = () => true): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (n >= retry.attempts || !go()) throw e;
      await sleep(backoffMs(retry, n));
    }
  }
}

export class GatewayError extends Error {
  override name = 'GatewayError';
}

/**
 * The loopback address bot `index` speaks from when the gateway is on loopback (127.77.hi.lo,
 * distinct for 65,536 bots); undefined elsewhere (the machine's own address is the source).
 */
export function botSource(gateway: string, index: number): string | undefined {
  const host = new URL(gateway).hostname;
  if (host !== 'localhost' && !host.startsWith('127.')) return undefined;
  return `127.77.${(index >> 8) & 255}.${index & 255}`;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  json: Record<string, unknown>;
}

/** One POST of JSON (node:http, so it can be sent from `localAddress`); a body that is not JSON reads as {}. */
function postOnce(url: string, body: unknown, token: string | undefined, localAddress: string | undefined): Promise<Answer> {
  const raw = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': raw.length, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch { /* not JSON: no fields */ }
        const after = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: typeof after === 'string' ? after : null, json });
      });
    });
    req.on('error', reject);
    req.end(raw);
  });
}

/** POSTs JSON (from `localAddress` when given), retrying 429/503 as the server asks; `onRetry` counts the retries. */
export async function postJsonWithRetry(
  url: string, body: unknown, token: string | undefined, retry: LoginRetry, onRetry: () => void, localAddress?: string,
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const res = await postOnce(url, body, token, localAddress);
    if (res.status >= 200 && res.status < 300) return res.json;
    if (!RETRYABLE.has(res.status) || attempt >= retry.attempts) {
      throw new GatewayError(`${new URL(url).pathname} ${res.status} ${String(res.json.error ?? '')}`.trim());
    }
    onRetry();
    await sleep(Math.min(retry.maxDelayMs, retryAfterMs(res.retryAfter) ?? backoffMs(retry, attempt)));
  }
}

/** Where to join, and the session that got it (routes again without a new login). */
export interface GatewayRoute {
  endpoint: string;
  /** Join token for the zone. */
  token: string;
  /** Session token from /login. */
  session: string;
}

/** Asks the gateway for a zone with a session token from /login. */
export async function routeViaGateway(base: string, session: string, retry: LoginRetry, onRetry: () => void, from?: string): Promise<GatewayRoute> {
  const route = await postJsonWithRetry(new URL('/route', base).href, { type: 'zone' }, session, retry, onRetry, from);
  return { endpoint: String(route.endpoint), token: String(route.token), session };
}

/**
 * Logs in and asks the gateway for a zone: the zone's endpoint and the token to join it with.
 * `from`: the local address both requests are sent from (see botSource).
 */
export async function loginViaGateway(base: string, name: string, retry: LoginRetry, onRetry: () => void, from?: string): Promise<GatewayRoute> {
  const login = await postJsonWithRetry(new URL('/login', base).href, { name, password: `${name}-swarm-password` }, undefined, retry, onRetry, from);
  return routeViaGateway(base, String(login.token), retry, onRetry, from);
}
