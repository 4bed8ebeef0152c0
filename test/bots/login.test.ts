// Gateway logins of bots: a busy gateway (429/503) is tried again after the wait it names in
// Retry-After, or with backoff; other refusals are final; the tries are bounded.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJsonWithRetry, retryAfterMs, type LoginRetry } from '../../src/bots/login.js';

const FAST: LoginRetry = { attempts: 4, baseDelayMs: 10, maxDelayMs: 5000 };
let server: Server | undefined;

/** A loopback HTTP server answering request n with replies[n] (the last one repeats); records when each came. */
async function gateway(replies: { status: number; headers?: Record<string, string> }[]): Promise<{ url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  server = createServer((req, res) => {
    req.resume();
    const reply = replies[Math.min(arrivals.length, replies.length - 1)];
    arrivals.push(performance.now());
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.status === 200 ? { token: 't' } : { error: 'too many logins in progress' }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/login`, arrivals };
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('postJsonWithRetry', () => {
  it('waits as long as Retry-After says, then succeeds', async () => {
    const g = await gateway([{ status: 503, headers: { 'retry-after': '1' } }, { status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    let retries = 0;
    const json = await postJsonWithRetry(g.url, { name: 'a' }, undefined, FAST, () => retries++);
    expect(json.token).toBe('t');
    expect(retries).toBe(2);
    expect(g.arrivals).toHaveLength(3);
    // Told to wait a second, it did (a lower bound: holds however busy the machine is).
    expect(g.arrivals[1] - g.arrivals[0]).toBeGreaterThanOrEqual(990);
    expect(g.arrivals[2] - g.arrivals[1]).toBeGreaterThanOrEqual(990);
  });

  it('backs off without Retry-After and gives up after the bounded tries', async () => {
    const g = await gateway([{ status: 503 }]);
    let retries = 0;
    await expect(postJsonWithRetry(g.url, {}, undefined, FAST, () => retries++)).rejects.toThrow('/login 503 too many logins in progress');
    expect(g.arrivals).toHaveLength(FAST.attempts);
    expect(retries).toBe(FAST.attempts - 1);
  });

  it('does not retry a final answer', async () => {
    const g = await gateway([{ status: 401 }]);
    await expect(postJsonWithRetry(g.url, {}, undefined, FAST, () => {})).rejects.toThrow('/login 401');
    expect(g.arrivals).toHaveLength(1);
  });
});
