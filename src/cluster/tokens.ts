// Signed, expiring tokens: `base64url(payload JSON) "." base64url(signature)`, printable ASCII
// of at most 512 bytes (the wire's Hello.token limit).
//
// Join tokens (gateway → client → zone) say who may join which server until when, and carry a
// nonce so a ReplayGuard on the receiving server lets each one in once. Session tokens
// (gateway → client → gateway) prove a login to /route until they expire. The signature covers
// a purpose label too, so one kind can never pass for the other even under the same key.
//
// Session tokens are HMAC-SHA256 under the gateway's secret (only the gateway makes and checks
// them). Join tokens are signed with the gateway's Ed25519 private key, so the servers that
// check them hold only the public key and cannot make one: no secret is shared between
// components. The key decides the algorithm, never the token: a join key must be an Ed25519
// key (a secret is refused), a session key a secret.

import { KeyObject, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign as signBytes, timingSafeEqual, verify as verifyBytes } from 'node:crypto';
import { FieldError, int, isRecord, onlyFields, own, pattern, required, text } from './fields.js';
import { SERVER_ID_RE } from './registry.js';

/** Hello.token's limit on the wire (MAX_TOKEN_BYTES in src/protocol). */
export const MAX_TOKEN_BYTES = 512;
/** Shortest secret accepted (bytes). */
export const MIN_SECRET_BYTES = 16;
const NONCE_RE = /^[A-Za-z0-9_-]{8,64}$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const MAX_ID = Number.MAX_SAFE_INTEGER;

export interface JoinTokenPayload {
  accountId: number;
  playerId: number;
  /** The player's name (1..24 characters). */
  name: string;
  /** Zone the player is sent to, when the gateway chose one. */
  zone?: string;
  /** Registry id of the server the token is for; servers refuse tokens naming another. */
  serverId?: string;
  /** ms since epoch; the token is refused from this instant on. */
  expiresAt: number;
  /** Unique per token (see newNonce); a server accepts each nonce once. */
  nonce: string;
}

export type SessionPayload = Omit<JoinTokenPayload, 'zone' | 'serverId'>;

export type TokenFailure = 'malformed' | 'bad_signature' | 'expired' | 'replayed' | 'wrong_server' | 'overloaded';

export type TokenResult<T> = { ok: true; payload: T } | { ok: false; reason: TokenFailure; message: string };

export type Secret = string | Uint8Array;

/** What signs join tokens: the gateway's Ed25519 private key. */
export type JoinSigningKey = KeyObject;
/** What checks join tokens: its public key. */
export type JoinVerifyKey = KeyObject;

/** Refused by sign (a bad payload or secret); verification throws only for a bad secret. */
export class TokenError extends Error {
  override name = 'TokenError';
}

type Purpose = 'mmo.join.v1' | 'mmo.session.v1';

/** Short keys keep the longest legal payload well under 512 bytes. */
interface Wire {
  a: number;
  p: number;
  n: string;
  z?: string;
  s?: string;
  e: number;
  k: string;
}

function secretBytes(secret: Secret): Buffer {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (b.length < MIN_SECRET_BYTES) throw new TokenError(`token secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return b;
}

/** How one key signs and checks `purpose.body`. */
interface Scheme {
  sign(data: Buffer): Buffer;
  /** Constant-time for a MAC; `sig` has the scheme's length. */
  check(data: Buffer, sig: Buffer): boolean;
  sigBytes: number;
}

function ed25519(key: KeyObject, use: 'sign' | 'verify'): Scheme {
  const want = use === 'sign' ? 'private' : 'public';
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== want) {
    throw new TokenError(`join tokens ${use === 'sign' ? 'are signed with an Ed25519 private' : 'are checked with an Ed25519 public'} key, not a ${key.asymmetricKeyType ?? 'secret'} ${key.type} key`);
  }
  return { sign: (data) => signBytes(null, data, key), check: (data, sig) => verifyBytes(null, data, key, sig), sigBytes: 64 };
}

function hmac(secret: Secret): Scheme {
  const key = secretBytes(secret);
  const mac = (data: Buffer) => createHmac('sha256', key).update(data).digest();
  return { sign: mac, check: (data, sig) => timingSafeEqual(mac(data), sig), sigBytes: 32 };
}

/** Join tokens: Ed25519 only; session tokens: an HMAC under the gateway's secret. */
function schemeOf(purpose: Purpose, key: KeyObject | Secret, use: 'sign' | 'verify'): Scheme {
  if (purpose === 'mmo.session.v1') {
    if (key instanceof KeyObject) throw new TokenError('session tokens are made and checked with the gateway\'s secret, not a key pair');
    return hmac(key);
  }
  if (!(key instanceof KeyObject)) {
    throw new TokenError(`join tokens ${use === 'sign' ? 'are signed with an Ed25519 private' : 'are checked with an Ed25519 public'} key, not a shared secret`);
  }
  return ed25519(key, use);
}

function signed(purpose: Purpose, body: string): Buffer {
  return Buffer.from(`${purpose}.${body}`, 'latin1');
}

/** A fresh Ed25519 key pair for join tokens: the gateway keeps the private key, servers get the public one. */
export function newJoinKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** An Ed25519 key (private PKCS#8 or public SPKI) from PEM text, as read from a file or the environment. */
export function joinKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = pem.includes('PRIVATE KEY') ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new TokenError(`join key: not a PEM key (${(e as Error).message.slice(0, 80)})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TokenError(`join key: expected Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

/** A join key as PEM text (private PKCS#8 or public SPKI), for the environment or a file; joinKeyFromPem reads it back. */
export function joinKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();
}

/** 128 random bits, base64url (22 characters). */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

function checkPayload(raw: unknown, purpose: Purpose): JoinTokenPayload {
  if (!isRecord(raw)) throw new FieldError('payload', 'must be an object');
  const join = purpose === 'mmo.join.v1';
  onlyFields(raw, join
    ? ['accountId', 'playerId', 'name', 'zone', 'serverId', 'expiresAt', 'nonce']
    : ['accountId', 'playerId', 'name', 'expiresAt', 'nonce']);
  const out: JoinTokenPayload = {
    accountId: int(required(raw, 'accountId'), 'accountId', 1, MAX_ID),
    playerId: int(required(raw, 'playerId'), 'playerId', 1, MAX_ID),
    name: text(required(raw, 'name'), 'name', { min: 1, max: 24 }),
    expiresAt: int(required(raw, 'expiresAt'), 'expiresAt', 0, MAX_ID),
    nonce: pattern(required(raw, 'nonce'), 'nonce', NONCE_RE, '8..64 base64url characters'),
  };
  const zone = own(raw, 'zone');
  if (zone !== undefined) out.zone = text(zone, 'zone', { min: 1, max: 64, maxBytes: 64 });
  const serverId = own(raw, 'serverId');
  if (serverId !== undefined) out.serverId = pattern(serverId, 'serverId', SERVER_ID_RE, 'a registry server id');
  return out;
}

function toWire(p: JoinTokenPayload): Wire {
  const w: Wire = { a: p.accountId, p: p.playerId, n: p.name, e: p.expiresAt, k: p.nonce };
  if (p.zone !== undefined) w.z = p.zone;
  if (p.serverId !== undefined) w.s = p.serverId;
  return w;
}

function fromWire(w: unknown): unknown {
  if (!isRecord(w)) return w;
  onlyFields(w, ['a', 'p', 'n', 'z', 's', 'e', 'k']);
  const out: Record<string, unknown> = {
    accountId: own(w, 'a'), playerId: own(w, 'p'), name: own(w, 'n'), expiresAt: own(w, 'e'), nonce: own(w, 'k'),
  };
  if (own(w, 'z') !== undefined) out.zone = own(w, 'z');
  if (own(w, 's') !== undefined) out.serverId = own(w, 's');
  return out;
}

function sign(purpose: Purpose, payload: JoinTokenPayload, key: KeyObject | Secret): string {
  let p: JoinTokenPayload;
  try {
    p = checkPayload(payload, purpose);
  } catch (e) {
    if (e instanceof FieldError) throw new TokenError(`cannot sign: ${e.message}`);
    throw e;
  }
  const scheme = schemeOf(purpose, key, 'sign');
  const body = Buffer.from(JSON.stringify(toWire(p)), 'utf8').toString('base64url');
  const token = `${body}.${scheme.sign(signed(purpose, body)).toString('base64url')}`;
  if (token.length > MAX_TOKEN_BYTES) throw new TokenError(`token would be ${token.length} bytes, over ${MAX_TOKEN_BYTES}`);
  return token;
}

function fail<T>(reason: TokenFailure, message: string): TokenResult<T> {
  return { ok: false, reason, message };
}

/** Shape, signature (constant-time) and payload; expiry and the rest are the caller's. */
function open(purpose: Purpose, token: unknown, key: KeyObject | Secret): TokenResult<JoinTokenPayload> {
  const scheme = schemeOf(purpose, key, 'verify');
  if (typeof token !== 'string') return fail('malformed', 'token must be a string');
  if (token.length === 0 || token.length > MAX_TOKEN_BYTES) return fail('malformed', `token must be 1..${MAX_TOKEN_BYTES} bytes`);
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return fail('malformed', 'token must be two base64url parts joined by "."');
  const body = token.slice(0, dot);
  const sig = token.slice(dot + 1);
  if (!B64URL_RE.test(body) || !B64URL_RE.test(sig)) return fail('malformed', 'token parts must be base64url');
  const given = Buffer.from(sig, 'base64url');
  // The length of a signature is public; a MAC's bytes are compared in constant time. Only the
  // canonical spelling counts (base64url's unused low bits could otherwise vary).
  if (given.length !== scheme.sigBytes || given.toString('base64url') !== sig || !scheme.check(signed(purpose, body), given)) {
    return fail('bad_signature', 'signature does not match');
  }
  let payload: JoinTokenPayload;
  try {
    payload = checkPayload(fromWire(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))), purpose);
  } catch (e) {
    return fail('malformed', `payload: ${(e as Error).message.slice(0, 120)}`);
  }
  return { ok: true, payload };
}

/**
 * The server a join token names, read WITHOUT checking the signature: for routing a new
 * connection to the zone that will verify the token, never for deciding who someone is.
 */
export function tokenServerId(token: string): string | undefined {
  try {
    const w = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { s?: unknown };
    return typeof w.s === 'string' ? w.s : undefined;
  } catch {
    return undefined;
  }
}

/** A join token signed with the gateway's Ed25519 private key. */
export function signJoinToken(payload: JoinTokenPayload, key: JoinSigningKey): string {
  return sign('mmo.join.v1', payload, key);
}

export interface VerifyJoinOptions {
  /** This server's registry id: a token naming another server (or none) is 'wrong_server'. */
  serverId?: string;
  /** Remembers nonces so each token is accepted once; without it a token works until it expires. */
  replay?: ReplayGuard;
}

/**
 * The payload of a valid, unexpired join token for this server, seen for the first time; else
 * why not. Expired means now ≥ expiresAt. The nonce is spent only when every other check passed.
 */
export function verifyJoinToken(token: unknown, key: JoinVerifyKey, now: number, options: VerifyJoinOptions = {}): TokenResult<JoinTokenPayload> {
  const r = open('mmo.join.v1', token, key);
  if (!r.ok) return r;
  const p = r.payload;
  if (now >= p.expiresAt) return fail('expired', `token expired at ${p.expiresAt}`);
  if (options.serverId !== undefined && p.serverId !== options.serverId) {
    return fail('wrong_server', `token is for server ${p.serverId ?? '(none)'}, not ${options.serverId}`);
  }
  if (options.replay) {
    const used = options.replay.use(p.nonce, p.expiresAt, now);
    if (used === 'replayed') return fail('replayed', 'token already used');
    if (used === 'full') return fail('overloaded', 'too many tokens in flight; try again');
  }
  return r;
}

export function signSessionToken(payload: SessionPayload, secret: Secret): string {
  return sign('mmo.session.v1', payload, secret);
}

/** A session token is reusable until it expires (no nonce check). */
export function verifySessionToken(token: unknown, secret: Secret, now: number): TokenResult<SessionPayload> {
  const r = open('mmo.session.v1', token, secret);
  if (!r.ok) return r;
  if (now >= r.payload.expiresAt) return fail('expired', `session expired at ${r.payload.expiresAt}`);
  return r;
}

/**
 * Nonces of accepted tokens, each kept until its token expires (after that the token is refused
 * as expired anyway). Memory is bounded: at `maxEntries` live nonces new tokens are refused
 * ('full') rather than forgetting one that could then be replayed.
 */
export class ReplayGuard {
  private readonly expiry = new Map<string, number>();
  /** Min-heap of [expiresAt, nonce] for eviction in expiry order. */
  private readonly heap: [number, string][] = [];

  constructor(readonly maxEntries = 100_000) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be an integer ≥ 1');
  }

  get size(): number {
    return this.expiry.size;
  }

  /** Spends `nonce` (valid until expiresAt); 'replayed' if it was spent and has not expired. */
  use(nonce: string, expiresAt: number, now: number): 'ok' | 'replayed' | 'full' {
    this.evict(now);
    if (this.expiry.has(nonce)) return 'replayed';
    if (expiresAt <= now) return 'ok'; // nothing to remember: it can never verify again
    if (this.expiry.size >= this.maxEntries) return 'full';
    this.expiry.set(nonce, expiresAt);
    this.push([expiresAt, nonce]);
    return 'ok';
  }

  /** Forgets nonces whose tokens have expired. */
  evict(now: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0][0] <= now) {
      const [, nonce] = this.pop();
      this.expiry.delete(nonce);
    }
  }

  private push(item: [number, string]): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent][0] <= h[i][0]) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): [number, string] {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && h[l][0] < h[m][0]) m = l;
        if (r < h.length && h[r][0] < h[m][0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
