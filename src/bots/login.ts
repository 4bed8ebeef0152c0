// A bot's way into a world: log in at the gateway (creating the account the first time) and
// ask it for a zone. A gateway that is busy says so (429/503, often with Retry-After); the bot
// waits as told, or backs off exponentially, and tries again a bounded number of times.

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

export class GatewayError extends Error {
  override name = 'GatewayError';
}

/** POSTs JSON, retrying 429/503 as the server asks; `onRetry` counts the retries. */
export async function postJsonWithRetry(url: string, body: unknown, token: string | undefined, retry: LoginRetry, onRetry: () => void): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) return json;
    if (!RETRYABLE.has(res.status) || attempt >= retry.attempts) {
      throw new GatewayError(`${new URL(url).pathname} ${res.status} ${String(json.error ?? '')}`.trim());
    }
    onRetry();
    const backoff = retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
    const wait = Math.min(retry.maxDelayMs, retryAfterMs(res.headers.get('retry-after')) ?? backoff);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Logs in and asks the gateway for a zone: the zone's endpoint and the token to join it with. */
export async function loginViaGateway(base: string, name: string, retry: LoginRetry, onRetry: () => void): Promise<{ endpoint: string; token: string }> {
  const login = await postJsonWithRetry(new URL('/login', base).href, { name, password: `${name}-swarm-password` }, undefined, retry, onRetry);
  const route = await postJsonWithRetry(new URL('/route', base).href, { type: 'zone' }, String(login.token), retry, onRetry);
  return { endpoint: String(route.endpoint), token: String(route.token) };
}
