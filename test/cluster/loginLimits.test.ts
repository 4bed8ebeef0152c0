// Login under attack, over real HTTP on loopback, with sources told apart by real client
// addresses (127.x.y.z): someone else's wrong passwords never lock the owner out, one source
// guessing one name is slowed, one source flooding account creation is capped while an honest
// user elsewhere is always served. Time is a hand-moved clock: counts, not speed.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CREATIONS, Gateway, Registry, mountGateway, LocalDirectory, newApp, newJoinKeyPair, notFound } from '../../src/cluster/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { FakeClock, serve, tempDir } from './helpers.js';
import { postFrom, source } from '../../bench/lib/sources.js';

const dir = tempDir('login-limits');
const store = PlayerStore.open(join(dir, 'limits.db'));
afterAll(() => store.close());

const clock = new FakeClock();
const gateway = new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: randomBytes(32), joinKey: newJoinKeyPair().privateKey, clock: clock.now });
afterAll(() => gateway.close());
const app = newApp();
// 127.9.0.1 is a reverse proxy whose X-Forwarded-For names the client.
mountGateway(app, gateway, { clock: clock.now, trustedProxies: ['127.9.0.1'] });
notFound(app);
const { server } = await serve(app);
const login = (from: string, name: string, password: string, headers?: Record<string, string>) => postFrom(server.port, '/login', { name, password }, from, headers);

describe('lock-out', () => {
  it("source A's 20 wrong passwords for alice throttle A only; alice from source B logs in", async () => {
    const A = source(2, 1), B = source(2, 2);
    expect((await login(B, 'alice', 'alice-password')).status).toBe(200); // the account exists
    const statuses: number[] = [];
    let retryAfter = 0;
    for (let i = 0; i < 20; i++) {
      const r = await login(A, 'alice', `guess-number-${i}`);
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.reason).toBe('throttled');
        retryAfter = Number(r.headers['retry-after']);
      }
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // A is throttled even with the right password; B is not, nor is A for another name.
    expect((await login(A, 'alice', 'alice-password')).status).toBe(429);
    const owner = await login(B, 'alice', 'alice-password');
    expect(owner).toMatchObject({ status: 200, body: { name: 'alice', created: false } });
    expect((await login(A, 'amos', 'amos-password')).status).toBe(200);
    // A regains one guess every 12 s (5 a minute), as Retry-After said.
    clock.advance(11_000);
    expect((await login(A, 'alice', 'alice-password')).status).toBe(429);
    clock.advance(Number(retryAfter) * 1000);
    expect((await login(A, 'alice', 'alice-password')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const proxy = '127.9.0.1', stranger = source(2, 3);
    expect((await login(stranger, 'bella', 'bella-password')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login(proxy, 'bella', `wrong-guess-${i}`, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401);
    // 203.0.113.7 (behind the proxy) is throttled for bella; another client behind it is not.
    expect((await login(proxy, 'bella', 'bella-password', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
    expect((await login(proxy, 'bella', 'bella-password', { 'x-forwarded-for': '198.51.100.1, 203.0.113.8' })).status).toBe(200);
    // From a stranger the header is ignored: the stranger's own address counts.
    for (let i = 0; i < 5; i++) await login(stranger, 'bella', `stranger-guess-${i}`, { 'x-forwarded-for': `192.0.2.${i}` });
    const r = await login(stranger, 'bella', 'bella-password', { 'x-forwarded-for': '192.0.2.200' });
    expect(r.status).toBe(429);
  });
});

describe('login floods', () => {
  it('40 loops from one source create at most the per-source limit; an honest user elsewhere is always served', async () => {
    const flooder = source(3, 1), honest = source(3, 2);
    expect((await login(honest, 'honest', 'honest-password')).status).toBe(200);
    const before = store.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number };
    const flood: Record<number, number> = {};
    let next = 0;
    const loop = async (l: number) => {
      for (let i = 0; i < 25; i++) {
        const r = await login(flooder, `flood-${l}-${i}`, 'flood-password');
        flood[r.status] = (flood[r.status] ?? 0) + 1;
        if (r.status === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        next++;
      }
    };
    const honestRuns: number[] = [];
    const honestLoop = async () => {
      for (let i = 0; i < 20; i++) honestRuns.push((await login(honest, 'honest', 'honest-password')).status);
    };
    await Promise.all([...Array.from({ length: 40 }, (_, l) => loop(l)), honestLoop()]);
    expect(next).toBe(1000);
    const after = store.db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number };
    expect(after.n - before.n).toBe(DEFAULT_CREATIONS.burst);
    expect(flood[200]).toBe(DEFAULT_CREATIONS.burst);
    expect(flood[429]).toBe(1000 - DEFAULT_CREATIONS.burst);
    expect(honestRuns).toEqual(new Array(20).fill(200));
    // A minute later the flooder may create one more.
    clock.advance(60_000);
    expect((await login(flooder, 'flood-late-1', 'flood-password')).status).toBe(200);
    expect((await login(flooder, 'flood-late-2', 'flood-password')).status).toBe(429);
  }, 120_000);

  it('limits login attempts per source, for existing accounts too', async () => {
    const busy = source(3, 3);
    expect((await login(source(3, 4), 'carla', 'carla-password')).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await login(busy, 'carla', 'carla-password')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    const last = await login(busy, 'carla', 'carla-password');
    expect(last).toMatchObject({ status: 429, body: { reason: 'too_many_attempts' } });
    expect(last.headers['retry-after']).toBe('1');
  }, 120_000);
});

describe('exempt sources', () => {
  it('skip the per-source limits (a load-test host), not the wrong-password throttle', async () => {
    const gw = new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: randomBytes(32), joinKey: newJoinKeyPair().privateKey, clock: clock.now, sourceLimits: { creations: { burst: 1, perSecond: 0.001 }, exempt: ['127.4.0.0/16'] } });
    try {
      expect((await gw.login('exempt-1', 'exempt-password', '127.4.0.9')).ok).toBe(true);
      expect((await gw.login('exempt-2', 'exempt-password', '127.4.0.9')).ok).toBe(true);
      expect((await gw.login('exempt-3', 'exempt-password', '127.5.0.9')).ok).toBe(true);
      expect(await gw.login('exempt-4', 'exempt-password', '127.5.0.9')).toMatchObject({ ok: false, reason: 'too_many_accounts' });
      for (let i = 0; i < 5; i++) await gw.login('exempt-1', `wrong-password-${i}`, '127.4.0.9');
      expect(await gw.login('exempt-1', 'exempt-password', '127.4.0.9')).toMatchObject({ ok: false, reason: 'throttled' });
    } finally {
      await gw.close();
    }
  });
});
