// Join and session tokens: signing, every refusal reason, replay memory. Join tokens are Ed25519
// only (the gateway's private key signs, servers check with the public key): a secret in place
// of either key is refused, and an HMAC join token, whatever its secret, never verifies.

import { createHmac, generateKeyPairSync, randomBytes, sign as signBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_BYTES, ReplayGuard, TokenError, joinKeyFromPem, newJoinKeyPair, newNonce, signJoinToken, signSessionToken, verifyJoinToken, verifySessionToken,
  type JoinTokenPayload,
} from '../../src/cluster/index.js';

/** The gateway's own secret: session tokens. */
const SECRET = randomBytes(32);
/** The gateway's join key pair: JOIN signs, CHECK verifies. */
const { privateKey: JOIN, publicKey: CHECK } = newJoinKeyPair();
const NOW = 1_700_000_000_000;

/** A token over `body` as a purpose's scheme would sign it by hand: Ed25519 with JOIN, or an HMAC under `secret`. */
function signedByHand(body: string, secret?: Buffer | string): string {
  const data = Buffer.from(`mmo.join.v1.${body}`, 'latin1');
  const sig = secret === undefined ? signBytes(null, data, JOIN) : createHmac('sha256', secret).update(data).digest();
  return `${body}.${sig.toString('base64url')}`;
}

function payload(extra: Partial<JoinTokenPayload> = {}): JoinTokenPayload {
  return { accountId: 7, playerId: 42, name: 'alice', zone: 'meadow', serverId: 'zone-1', expiresAt: NOW + 30_000, nonce: newNonce(), ...extra };
}

function flip(s: string, i: number): string {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

describe('signJoinToken', () => {
  it('makes compact printable ASCII that verifies to the same payload', () => {
    const p = payload();
    const t = signJoinToken(p, JOIN);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(t.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    expect(verifyJoinToken(t, CHECK, NOW)).toEqual({ ok: true, payload: p });
  });

  it('works without the optional zone and serverId', () => {
    const { zone: _z, serverId: _s, ...bare } = payload();
    const r = verifyJoinToken(signJoinToken(bare, JOIN), CHECK, NOW);
    expect(r).toEqual({ ok: true, payload: bare });
  });

  it('refuses bad payloads, and a secret or the public key in place of the private key', () => {
    expect(() => signJoinToken(payload({ playerId: 0 }), JOIN)).toThrow(TokenError);
    expect(() => signJoinToken(payload({ name: '' }), JOIN)).toThrow(/name/);
    expect(() => signJoinToken(payload({ nonce: 'short' }), JOIN)).toThrow(/nonce/);
    expect(() => signJoinToken(payload({ serverId: 'a b' }), JOIN)).toThrow(/serverId/);
    expect(() => signJoinToken(payload({ expiresAt: 1.5 }), JOIN)).toThrow(/expiresAt/);
    expect(() => signJoinToken({ ...payload(), admin: true } as JoinTokenPayload, JOIN)).toThrow(/admin/);
    expect(() => signJoinToken(payload(), randomBytes(32) as never)).toThrow(/signed with an Ed25519 private key, not a shared secret/);
    expect(() => signJoinToken(payload(), CHECK)).toThrow(/signed with an Ed25519 private key/);
  });
});

describe('verifyJoinToken refuses', () => {
  const p = payload();
  const t = signJoinToken(p, JOIN);
  const [body, sig] = t.split('.');

  it('a tampered payload (bad_signature)', () => {
    const forged = Buffer.from(JSON.stringify({ a: 7, p: 1, n: 'admin', z: 'meadow', s: 'zone-1', e: NOW + 30_000, k: p.nonce })).toString('base64url');
    expect(verifyJoinToken(`${forged}.${sig}`, CHECK, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    for (const i of [0, 5, body.length - 1]) {
      expect(verifyJoinToken(`${flip(body, i)}.${sig}`, CHECK, NOW).ok).toBe(false);
    }
  });

  it('a tampered signature, including its unused low bits (bad_signature)', () => {
    for (let i = 0; i < sig.length; i++) {
      expect(verifyJoinToken(`${body}.${flip(sig, i)}`, CHECK, NOW), `char ${i}`).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
    expect(verifyJoinToken(`${body}.${sig.slice(0, -1)}`, CHECK, NOW)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyJoinToken(`${body}.${sig}AA`, CHECK, NOW)).toMatchObject({ reason: 'bad_signature' });
  });

  it('another key pair (bad_signature), an HMAC join token under any secret (bad_signature), a secret as the key (refused)', () => {
    expect(verifyJoinToken(t, newJoinKeyPair().publicKey, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyJoinToken(signedByHand(body, SECRET), CHECK, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(() => verifyJoinToken(t, SECRET as never, NOW)).toThrow(/checked with an Ed25519 public key, not a shared secret/);
  });

  it('a session token passed as a join token, and the reverse (bad_signature)', () => {
    const session = signSessionToken({ accountId: 7, playerId: 42, name: 'alice', expiresAt: NOW + 1000, nonce: newNonce() }, SECRET);
    expect(verifyJoinToken(session, CHECK, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifySessionToken(t, SECRET, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifySessionToken(session, SECRET, NOW)).toMatchObject({ ok: true, payload: { name: 'alice' } });
  });

  it('expired tokens, from exactly expiresAt', () => {
    expect(verifyJoinToken(t, CHECK, p.expiresAt - 1).ok).toBe(true);
    expect(verifyJoinToken(t, CHECK, p.expiresAt)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyJoinToken(t, CHECK, p.expiresAt + 1)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('a token for another server, or for none when the verifier names itself (wrong_server)', () => {
    expect(verifyJoinToken(t, CHECK, NOW, { serverId: 'zone-1' }).ok).toBe(true);
    expect(verifyJoinToken(t, CHECK, NOW, { serverId: 'zone-2' })).toMatchObject({ ok: false, reason: 'wrong_server' });
    const unbound = signJoinToken(payload({ serverId: undefined }), JOIN);
    expect(verifyJoinToken(unbound, CHECK, NOW, { serverId: 'zone-1' })).toMatchObject({ ok: false, reason: 'wrong_server' });
  });

  it('garbage, empty, oversize (10 KB) and non-ASCII tokens (malformed)', () => {
    const cases: unknown[] = [
      '', 'garbage', '.', 'a.', '.b', 'a.b.c', `${body}.${sig}.`, `${body} .${sig}`, `${body}.${sig}\n`,
      'x'.repeat(10_240), `${body}.${sig}`.padEnd(513, 'A'), `${body}é.${sig}`, '日本.語', '\u0000.\u0000',
      42, null, undefined, {}, ['a', 'b'],
    ];
    for (const c of cases) {
      const r = verifyJoinToken(c, CHECK, NOW);
      expect(r.ok, JSON.stringify(c)?.slice(0, 40)).toBe(false);
      if (!r.ok) expect(['malformed', 'bad_signature'], JSON.stringify(c)?.slice(0, 40)).toContain(r.reason);
    }
    expect(verifyJoinToken('x'.repeat(10_240), CHECK, NOW)).toMatchObject({ reason: 'malformed' });
    expect(verifyJoinToken('日本.語', CHECK, NOW)).toMatchObject({ reason: 'malformed' });
    expect(verifyJoinToken(42, CHECK, NOW)).toMatchObject({ reason: 'malformed' });
  });

  it('a correctly signed payload that is not a join payload (malformed)', () => {
    // Signed with the right key and purpose by hand: shape checks still apply after the signature.
    const mk = (obj: unknown) => signedByHand(Buffer.from(JSON.stringify(obj)).toString('base64url'));
    expect(verifyJoinToken(mk({ a: 7, p: 42, n: 'alice', e: NOW + 1000, k: newNonce() }), CHECK, NOW).ok).toBe(true);
    expect(verifyJoinToken(mk([1, 2]), CHECK, NOW)).toMatchObject({ reason: 'malformed' });
    expect(verifyJoinToken(mk({ a: 7, p: '42', n: 'alice', e: NOW + 1000, k: newNonce() }), CHECK, NOW)).toMatchObject({ reason: 'malformed' });
    expect(verifyJoinToken(mk({ a: 7, p: 42, n: 'alice', e: NOW + 1000, k: newNonce(), x: 1 }), CHECK, NOW)).toMatchObject({ reason: 'malformed' });
    const notJson = Buffer.from('{not json').toString('base64url');
    expect(verifyJoinToken(signedByHand(notJson), CHECK, NOW)).toMatchObject({ reason: 'malformed' });
  });
});

describe('Ed25519 join tokens', () => {
  const { privateKey, publicKey } = newJoinKeyPair();

  it('verify with the public key alone, to the same payload; every token the gateway makes fits 512 bytes', () => {
    const p = payload();
    const t = signJoinToken(p, privateKey);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(verifyJoinToken(t, publicKey, NOW)).toEqual({ ok: true, payload: p });
    // The gateway's longest: 24 four-byte characters of name, a 64-character server id, its 22-character nonce.
    const { zone: _zone, ...longest } = payload({
      accountId: Number.MAX_SAFE_INTEGER, playerId: Number.MAX_SAFE_INTEGER, name: '🐉'.repeat(24), serverId: 's'.repeat(64), expiresAt: Number.MAX_SAFE_INTEGER,
    });
    const lt = signJoinToken(longest, privateKey);
    expect(lt.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    expect(verifyJoinToken(lt, publicKey, NOW)).toMatchObject({ ok: true, payload: { name: '🐉'.repeat(24) } });
    // A 64-byte signature leaves less room than a MAC: every field at its maximum is refused when signing.
    const everyMax = payload({ name: '🐉'.repeat(24), zone: 'z'.repeat(64), serverId: 's'.repeat(64), nonce: 'n'.repeat(64) });
    expect(() => signJoinToken(everyMax, privateKey)).toThrow(/over 512/);
    const guard = new ReplayGuard();
    expect(verifyJoinToken(t, publicKey, NOW, { serverId: 'zone-1', replay: guard }).ok).toBe(true);
    expect(verifyJoinToken(t, publicKey, NOW, { serverId: 'zone-1', replay: guard })).toMatchObject({ reason: 'replayed' });
  });

  it('a holder of the public key cannot make one; tampering, another key pair and HMAC tokens are refused', () => {
    expect(() => signJoinToken(payload(), publicKey)).toThrow(/signed with an Ed25519 private key/);
    const t = signJoinToken(payload(), privateKey);
    expect(verifyJoinToken(flip(t, 3), publicKey, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyJoinToken(flip(t, t.length - 5), publicKey, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyJoinToken(t, newJoinKeyPair().publicKey, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    // The key decides the algorithm: an HMAC join token (whatever its secret) never passes a public key.
    expect(verifyJoinToken(signedByHand(t.split('.')[0], SECRET), publicKey, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyJoinToken(t, CHECK, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' }); // another pair's
    // A server given the private key is misconfigured: it is told so, loudly.
    expect(() => verifyJoinToken(t, privateKey, NOW)).toThrow(/checked with an Ed25519 public key/);
  });

  it('keys travel as PEM (private PKCS#8 for the gateway, public SPKI for servers); other keys are refused', () => {
    const pub = joinKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const priv = joinKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(verifyJoinToken(signJoinToken(payload(), priv), pub, NOW).ok).toBe(true);
    expect(() => joinKeyFromPem('not a key')).toThrow(/not a PEM key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => joinKeyFromPem(rsa)).toThrow(/expected Ed25519, got rsa/);
  });
});

describe('ReplayGuard', () => {
  it('accepts a token once (replayed after), and only spends it when everything else passed', () => {
    const guard = new ReplayGuard();
    const t = signJoinToken(payload(), JOIN);
    expect(verifyJoinToken(t, CHECK, NOW, { serverId: 'zone-2', replay: guard })).toMatchObject({ reason: 'wrong_server' });
    expect(verifyJoinToken(t, CHECK, NOW, { serverId: 'zone-1', replay: guard }).ok).toBe(true);
    expect(verifyJoinToken(t, CHECK, NOW + 1, { serverId: 'zone-1', replay: guard })).toMatchObject({ ok: false, reason: 'replayed' });
    // Another token of the same player has its own nonce.
    expect(verifyJoinToken(signJoinToken(payload(), JOIN), CHECK, NOW, { replay: guard }).ok).toBe(true);
    // After expiry it is refused as expired, and the guard has forgotten it.
    expect(verifyJoinToken(t, CHECK, NOW + 30_000, { replay: guard })).toMatchObject({ reason: 'expired' });
    guard.evict(NOW + 30_000);
    expect(guard.size).toBe(0);
  });

  it('evicts in expiry order, whatever the insertion order', () => {
    const g = new ReplayGuard();
    const expiries = [50, 10, 40, 20, 30, 60, 5];
    expiries.forEach((e, i) => expect(g.use(`nonce-${i}`, NOW + e, NOW)).toBe('ok'));
    expect(g.size).toBe(7);
    g.evict(NOW + 10);
    expect(g.size).toBe(5);
    expect(g.use('nonce-2', NOW + 40, NOW + 10)).toBe('replayed');
    expect(g.use('nonce-1', NOW + 10, NOW + 10)).toBe('ok'); // forgotten: its token is expired now anyway
    g.evict(NOW + 40);
    expect(g.size).toBe(2);
  });

  it('holds bounded memory: at capacity it refuses new nonces rather than forget live ones', () => {
    const g = new ReplayGuard(3);
    for (let i = 0; i < 3; i++) expect(g.use(`n-${i}`, NOW + 100 + i, NOW)).toBe('ok');
    expect(g.use('n-3', NOW + 200, NOW)).toBe('full');
    expect(g.use('n-0', NOW + 100, NOW)).toBe('replayed');
    const t = signJoinToken(payload(), JOIN);
    expect(verifyJoinToken(t, CHECK, NOW, { replay: g })).toMatchObject({ ok: false, reason: 'overloaded' });
    // Once the oldest expires there is room again.
    expect(g.use('n-3', NOW + 200, NOW + 100)).toBe('ok');
    expect(g.size).toBe(3);
  });

  it('stays small over a long run of expiring tokens', () => {
    const g = new ReplayGuard(1000);
    let refused = 0;
    for (let i = 0; i < 100_000; i++) if (g.use(`n${i}`, NOW + i + 500, NOW + i) !== 'ok') refused++;
    expect(refused).toBe(0);
    expect(g.size).toBeLessThanOrEqual(501);
  });
});
