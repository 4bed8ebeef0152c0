// The gateway end to end over HTTP: registry and gateway mounted on one uWS app (as in
// `mmo world`), a real SQLite store, zone servers registering over HTTP, players logging in
// and being routed with a join token that verifies for the chosen server only.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Gateway, LocalDirectory, NoServerError, Registry, RegistryClient, ReplayGuard, endpointOf, listen, mountGateway, mountRegistry, newApp, newJoinKeyPair, notFound, verifyJoinToken,
} from '../../src/cluster/index.js';
import { Rng } from '../../src/sim/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { FakeClock, post, serve, tempDir } from './helpers.js';

const SECRET = randomBytes(32);
/** The gateway's join key pair: zones would hold the public half. */
const JOIN = newJoinKeyPair();
const dir = tempDir('gateway');
const store = PlayerStore.open(join(dir, 'gateway.db'));
afterAll(() => store.close());

const clock = new FakeClock();
const registry = new Registry();
const gateway = new Gateway({
  store, directory: new LocalDirectory(registry, { clock: clock.now }), secret: SECRET, joinKey: JOIN.privateKey, rng: new Rng(1), clock: clock.now,
  joinTtlMs: 30_000, sessionTtlMs: 600_000, spawn: { x: 100, y: 100, zone: 'meadow' }, maxFailures: 3, failureWindowMs: 60_000,
});
const app = newApp();
mountRegistry(app, registry, { clock: clock.now });
mountGateway(app, gateway, { clock: clock.now });
notFound(app);
const { base } = await serve(app);
afterAll(() => gateway.close());

async function loginHttp(name: string, password: string) {
  return post(base, '/login', { name, password });
}

async function sessionOf(name: string, password = `${name}-password`): Promise<string> {
  const r = await loginHttp(name, password);
  expect(r.status).toBe(200);
  return r.body.token as string;
}

function auth(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

describe('end to end over HTTP', () => {
  it('login → route → the join token verifies once, for the chosen server only', async () => {
    const eu = await post(base, '/register', { type: 'zone', host: '127.0.0.1', port: 7101, region: 'eu', capacity: 100, id: 'zone-eu' });
    const us = await post(base, '/register', { type: 'zone', host: '127.0.0.2', port: 7102, region: 'us', capacity: 100, id: 'zone-us' });
    expect([eu.status, us.status]).toEqual([200, 200]);
    await post(base, '/heartbeat', { id: 'zone-eu', load: 60 });
    await post(base, '/heartbeat', { id: 'zone-us', load: 10 });

    const login = await loginHttp('alice', 'alice-password');
    expect(login.status).toBe(200);
    expect(login.contentType).toBe('application/json; charset=utf-8');
    expect(login.body).toMatchObject({ name: 'alice', created: true, expiresAt: clock.t + 600_000 });
    expect(login.body.accountId).toBe(store.account('alice')!.id);
    expect(store.player(login.body.playerId)).toMatchObject({ name: 'alice', zone: 'meadow', x: 100, y: 100 });

    const route = await post(base, '/route', { type: 'zone', region: 'eu' }, auth(login.body.token));
    expect(route.status).toBe(200);
    expect(route.body).toMatchObject({ endpoint: 'ws://127.0.0.1:7101/', serverId: 'zone-eu', region: 'eu', expiresAt: clock.t + 30_000 });
    const token = route.body.token as string;
    expect(token.length).toBeLessThanOrEqual(512);
    expect(token).toMatch(/^[\x21-\x7e]+$/);

    // What a zone server does with Hello.token:
    const guard = new ReplayGuard();
    expect(verifyJoinToken(token, JOIN.publicKey, clock.t, { serverId: 'zone-us', replay: guard })).toMatchObject({ ok: false, reason: 'wrong_server' });
    const ok = verifyJoinToken(token, JOIN.publicKey, clock.t, { serverId: 'zone-eu', replay: guard });
    expect(ok).toMatchObject({ ok: true, payload: { accountId: login.body.accountId, playerId: login.body.playerId, name: 'alice', serverId: 'zone-eu' } });
    expect(verifyJoinToken(token, JOIN.publicKey, clock.t, { serverId: 'zone-eu', replay: guard })).toMatchObject({ ok: false, reason: 'replayed' });
    expect(verifyJoinToken(token, JOIN.publicKey, clock.t + 30_000, { serverId: 'zone-eu' })).toMatchObject({ ok: false, reason: 'expired' });

    // No region: least loaded (geographic default); unknown region: least loaded too.
    expect((await post(base, '/route', { type: 'zone' }, auth(login.body.token))).body.serverId).toBe('zone-us');
    expect((await post(base, '/route', { type: 'zone', region: 'mars' }, auth(login.body.token))).body.serverId).toBe('zone-us');
  });

  it('logs in again with the right password; 401 for a wrong one; 429 after repeated failures', async () => {
    const first = await loginHttp('bob', 'bob-password');
    expect(first.body.created).toBe(true);
    const again = await loginHttp('bob', 'bob-password');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, accountId: first.body.accountId, playerId: first.body.playerId });
    expect(again.body.token).not.toBe(first.body.token);

    for (let i = 0; i < 3; i++) {
      const wrong = await loginHttp('bob', 'not-bobs-password');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ reason: 'wrong_password' });
      expect(wrong.body.token).toBeUndefined();
    }
    const throttled = await loginHttp('bob', 'bob-password');
    expect(throttled.status).toBe(429);
    expect(throttled.body.reason).toBe('throttled');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    clock.advance(60_000);
    expect((await loginHttp('bob', 'bob-password')).status).toBe(200);
  });

  it('400 naming the field for bad login bodies; 413 and malformed JSON as for the registry', async () => {
    const cases: [unknown, string][] = [
      [{ password: 'password1' }, 'name'],
      [{ name: 'carol' }, 'password'],
      [{ name: 5, password: 'password1' }, 'name'],
      [{ name: 'carol', password: ['password1'] }, 'password'],
      [{ name: '', password: 'password1' }, 'name'],
      [{ name: 'carol', password: 'short' }, 'password'],
      [{ name: 'carol', password: 'password1', admin: true }, 'admin'],
    ];
    for (const [body, field] of cases) {
      const r = await post(base, '/login', body);
      expect({ body, status: r.status, field: r.body.field }).toEqual({ body, status: 400, field });
      expect(r.body.error).toContain(field);
    }
    expect(store.account('carol')).toBeUndefined();
    expect((await post(base, '/login', '{"name":')).status).toBe(400);
    expect((await post(base, '/login', '[]')).status).toBe(400);
    const big = await post(base, '/login', { name: 'carol', password: 'p'.repeat(20_000) });
    expect(big.status).toBe(413);
  });

  it('refuses /route without a valid session (401), with a bad body (400), with no server (503)', async () => {
    const session = await sessionOf('dave');
    const noAuth = await post(base, '/route', { type: 'zone' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Bearer');
    expect(noAuth.body.reason).toBe('missing');
    for (const header of ['Bearer garbage', `Basic ${session}`, `Bearer ${session.slice(0, -2)}AA`, session]) {
      const r = await post(base, '/route', { type: 'zone' }, { authorization: header });
      expect(r.status, header).toBe(401);
    }
    // A join token is not a session.
    expect((await post(base, '/heartbeat', { id: 'zone-eu', load: 0 })).status).toBe(200);
    const joinToken = (await post(base, '/route', { type: 'zone' }, auth(session))).body.token as string;
    expect((await post(base, '/route', { type: 'zone' }, auth(joinToken))).body).toMatchObject({ reason: 'bad_signature' });
    // Bad bodies, once authenticated.
    expect((await post(base, '/route', {}, auth(session))).body).toMatchObject({ field: 'type' });
    expect((await post(base, '/route', { type: 'lobby' }, auth(session))).body).toMatchObject({ field: 'type' });
    expect((await post(base, '/route', { type: 'zone', region: 7 }, auth(session))).body).toMatchObject({ field: 'region' });
    expect((await post(base, '/route', { type: 'zone', zone: 'x' }, auth(session))).status).toBe(400);
    // No chat server registered.
    const none = await post(base, '/route', { type: 'chat' }, auth(session));
    expect(none.status).toBe(503);
    expect(none.body.error).toMatch(/no server registered/);
    // An expired session.
    clock.advance(600_000);
    const expired = await post(base, '/route', { type: 'zone' }, auth(session));
    expect(expired).toMatchObject({ status: 401, body: { reason: 'expired' } });
  });

  it('never routes to a full or silent server: 503 when every one is', async () => {
    const session = await sessionOf('erin');
    await post(base, '/register', { type: 'world', host: 'w1.local', port: 8001, capacity: 2, id: 'world-1' });
    await post(base, '/register', { type: 'world', host: 'w2.local', port: 8002, capacity: 2, id: 'world-2' });
    await post(base, '/heartbeat', { id: 'world-1', load: 2 });
    const r = await post(base, '/route', { type: 'world' }, auth(session));
    expect(r.body).toMatchObject({ serverId: 'world-2', endpoint: 'ws://w2.local:8002/' });
    await post(base, '/heartbeat', { id: 'world-2', load: 2 });
    const full = await post(base, '/route', { type: 'world' }, auth(session));
    expect(full.status).toBe(503);
    expect(full.body.error).toMatch(/full or inactive/);
    // world-1 empties but stops heartbeating: inactive after 30 s.
    await post(base, '/heartbeat', { id: 'world-1', load: 0 });
    expect((await post(base, '/route', { type: 'world' }, auth(session))).body.serverId).toBe('world-1');
    clock.advance(30_000);
    const session2 = await sessionOf('erin');
    expect((await post(base, '/route', { type: 'world' }, auth(session2))).status).toBe(503);
  });
});

describe('Gateway class', () => {
  it('route() names the server and signs for it; throws NoServerError when there is none', async () => {
    const reg = new Registry();
    const now = 5_000_000;
    const gw = new Gateway({ store, directory: new LocalDirectory(reg, { clock: () => now }), secret: SECRET, joinKey: JOIN.privateKey, clock: () => now, strategy: { chat: 'round_robin' } });
    reg.register({ type: 'chat', host: '::1', port: 9001, capacity: 10, id: 'chat-a' }, now);
    reg.register({ type: 'chat', host: 'c2', port: 9002, capacity: 10, id: 'chat-b' }, now);
    const who = { accountId: 1, playerId: 1, name: 'alice' };
    const a = await gw.route(who, 'chat');
    const b = await gw.route(who, 'chat');
    const c = await gw.route(who, 'chat');
    expect([a.server.id, b.server.id, c.server.id]).toEqual(['chat-a', 'chat-b', 'chat-a']);
    expect(a.endpoint).toBe('ws://[::1]:9001/');
    expect(verifyJoinToken(a.token, JOIN.publicKey, now, { serverId: 'chat-a' })).toMatchObject({ ok: true, payload: { name: 'alice' } });
    await expect(gw.route(who, 'zone')).rejects.toBeInstanceOf(NoServerError);
    await expect(gw.route(who, 'nope' as never)).rejects.toThrow(/type/);
    expect(endpointOf({ host: 'zone.example', port: 7000 })).toBe('ws://zone.example:7000/');
  });

  it('refuses logins beyond maxPendingLogins as busy, saying when to try again', async () => {
    const gw = new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: SECRET, joinKey: JOIN.privateKey, maxPendingLogins: 1 });
    const [a, b] = await Promise.all([gw.login('frank', 'frank-password', '10.0.0.1'), gw.login('gina', 'gina-password', '10.0.0.2')]);
    expect(a.ok).toBe(true);
    expect(b).toMatchObject({ ok: false, reason: 'busy' });
    expect(b.ok || b.retryAfterS! >= 1).toBe(true);
    expect((await gw.login('gina', 'gina-password', '10.0.0.2')).ok).toBe(true);
    await gw.close();
  });

  it('takes one login per name and source at a time; another source is not held up', async () => {
    const gw = new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: SECRET, joinKey: JOIN.privateKey });
    const [a, b] = await Promise.all([gw.login('hal', 'guess-one-1', '10.0.0.1'), gw.login('hal', 'guess-two-2', '10.0.0.1')]);
    expect(a.ok).toBe(true);
    expect(b).toMatchObject({ ok: false, reason: 'busy', retryAfterS: 1 });
    const [c, d] = await Promise.all([gw.login('hal', 'guess-one-1', '10.0.0.1'), gw.login('hal', 'guess-one-1', '10.0.0.2')]);
    expect([c.ok, d.ok]).toEqual([true, true]);
    await gw.close();
  });

  it('routes through a remote registry (RegistryClient); 503 over HTTP when it is unreachable', async () => {
    const now = clock.t;
    const remote = new Gateway({ store, directory: new RegistryClient(base), secret: SECRET, joinKey: JOIN.privateKey, clock: clock.now });
    await post(base, '/register', { type: 'chat', host: 'chat.remote', port: 9100, capacity: 5, id: 'chat-remote' });
    const r = await remote.route({ accountId: 1, playerId: 1, name: 'alice' }, 'chat', undefined, now);
    expect(r).toMatchObject({ endpoint: 'ws://chat.remote:9100/', server: { id: 'chat-remote' } });

    const down = new Gateway({ store, directory: new RegistryClient('http://127.0.0.1:1', { timeoutMs: 2000 }), secret: SECRET, joinKey: JOIN.privateKey, clock: clock.now });
    const downApp = newApp();
    mountGateway(downApp, down, { clock: clock.now, log: () => {} });
    const srv = await listen(downApp, '127.0.0.1', 0);
    try {
      const downBase = `http://127.0.0.1:${srv.port}`;
      const session = (await post(downBase, '/login', { name: 'ivan', password: 'ivan-password' })).body.token as string;
      const res = await post(downBase, '/route', { type: 'zone' }, auth(session));
      expect(res).toMatchObject({ status: 503, body: { error: 'server registry unavailable; try again' } });
    } finally {
      srv.close();
      await down.close();
    }
  });

  it('signs join tokens with its Ed25519 joinKey: servers verify with the public key; no secret checks or makes one', async () => {
    const reg = new Registry();
    const now = 5_000_000;
    const { privateKey, publicKey } = newJoinKeyPair();
    const gw = new Gateway({ store, directory: new LocalDirectory(reg, { clock: () => now }), secret: SECRET, joinKey: privateKey, clock: () => now });
    reg.register({ type: 'zone', host: '127.0.0.1', port: 9001, capacity: 10, id: 'zone-k' }, now);
    const r = await gw.route({ accountId: 1, playerId: 1, name: 'alice' }, 'zone');
    expect(verifyJoinToken(r.token, publicKey, now, { serverId: 'zone-k' })).toMatchObject({ ok: true, payload: { name: 'alice' } });
    expect(verifyJoinToken(r.token, JOIN.publicKey, now, { serverId: 'zone-k' })).toMatchObject({ ok: false, reason: 'bad_signature' }); // another pair's
    expect(() => verifyJoinToken(r.token, SECRET as never, now)).toThrow(/checked with an Ed25519 public key, not a shared secret/);
    expect(() => new Gateway({ store, directory: new LocalDirectory(reg), secret: SECRET, joinKey: publicKey })).toThrow(/private key/);
    expect(() => new Gateway({ store, directory: new LocalDirectory(reg), secret: SECRET } as never)).toThrow(/signed with an Ed25519 private key, not a shared secret/);
  });

  it('refuses a short secret at construction', () => {
    expect(() => new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: 'short', joinKey: JOIN.privateKey })).toThrow(/at least 16 bytes/);
    expect(() => new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: SECRET, joinKey: JOIN.privateKey, sourceLimits: { attempts: { burst: 0, perSecond: 1 } } })).toThrow(/attempts.burst/);
    expect(() => new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: SECRET, joinKey: JOIN.privateKey, sourceLimits: { exempt: ['10.0.0.0/40'] } })).toThrow(/exempt source/);
    expect(() => mountGateway(newApp(), gateway, { trustedProxies: ['proxy.local'] })).toThrow(/trusted proxy/);
  });
});
