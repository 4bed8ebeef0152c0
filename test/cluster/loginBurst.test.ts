// A login burst through a real gateway over HTTP: 500 new players (500 client addresses) at
// 200 logins/s all get in; the queue is bounded, and past it a login is refused with 503 and
// Retry-After, and gets in when it tries again. Counts only: how long hashing takes on this
// machine is the bench's business (bench/loginflood.ts).

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Gateway, HashPool, Registry, mountGateway, LocalDirectory, newApp, newJoinKeyPair, notFound } from '../../src/cluster/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { serve, tempDir } from './helpers.js';
import { postFrom, source, type SourcedAnswer } from '../../bench/lib/sources.js';

const dir = tempDir('login-burst');
const store = PlayerStore.open(join(dir, 'burst.db'));
afterAll(() => store.close());

async function gatewayServer(gateway: Gateway): Promise<number> {
  afterAll(() => gateway.close());
  const app = newApp();
  mountGateway(app, gateway);
  notFound(app);
  return (await serve(app)).server.port;
}

const BURST = 500;
const GAP_MS = 5; // 200 a second

describe('login burst', () => {
  it('500 first logins at 200/s, each from its own address: every one succeeds and creates its account', async () => {
    const port = await gatewayServer(new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: randomBytes(32), joinKey: newJoinKeyPair().privateKey }));
    const answers: Promise<SourcedAnswer>[] = [];
    for (let i = 0; i < BURST; i++) {
      answers.push(postFrom(port, '/login', { name: `burst-${i}`, password: `burst-password-${i}` }, source(5, i + 1)));
      await sleep(GAP_MS);
    }
    const done = await Promise.all(answers);
    const statuses: Record<number, number> = {};
    for (const a of done) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    expect(statuses).toEqual({ 200: BURST });
    expect(done.every((a, i) => a.body.name === `burst-${i}` && a.body.created === true)).toBe(true);
    for (let i = 0; i < BURST; i += 50) expect(store.account(`burst-${i}`)?.id).toBe(done[i].body.accountId);
  }, 300_000);

  it('past the bounded queue: 503 with Retry-After; the refused get in when they try again', async () => {
    const pool = new HashPool(1);
    afterAll(() => pool.close());
    const port = await gatewayServer(new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: randomBytes(32), joinKey: newJoinKeyPair().privateKey, hashPool: pool, maxPendingLogins: 4 }));
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => postFrom(port, '/login', { name: `queue-${i}`, password: 'queue-password' }, source(6, i + 1))));
    const ok = first.filter((a) => a.status === 200).length;
    const refused = first.filter((a) => a.status === 503);
    expect(ok + refused.length).toBe(20);
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a.body).toMatchObject({ reason: 'busy' });
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Nothing was half-done for the refused: each logs in now, creating its account.
    for (let i = 0; i < 20; i++) {
      if (first[i].status !== 503) continue;
      expect(store.account(`queue-${i}`)).toBeUndefined();
      const again = await postFrom(port, '/login', { name: `queue-${i}`, password: 'queue-password' }, source(6, i + 1));
      expect(again).toMatchObject({ status: 200, body: { created: true } });
    }
  }, 120_000);
});
