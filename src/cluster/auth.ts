// Accounts and passwords. A first login creates the account (and its player row); later logins
// check the password. Passwords are hashed with scrypt (random 16-byte salt) off the main
// thread (libuv's pool by default; the gateway passes its HashPool) and compared in constant
// time. The stored hash starts with a version byte, so the
// parameters can change later without breaking existing accounts.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { FieldError, text } from './fields.js';

/** Version 1: scrypt N=2^14, r=8, p=1, 32-byte key, 16-byte salt. */
const V1 = 1;
const SCRYPT_V1: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
export const SALT_BYTES = 16;

/** Names follow the wire's rule for Hello.name: 1..24 printable characters. */
export const NAME_RULE = { min: 1, max: 24 } as const;
/** Passwords: 8..128 characters (NFKC-normalized, as NIST SP 800-63B suggests). */
export const PASSWORD_RULE = { min: 8, max: 128, maxBytes: 512 } as const;

/** What login needs of the store; PlayerStore fits it. */
export interface AuthStore {
  account(name: string): { id: number; passwordHash: Uint8Array; passwordSalt: Uint8Array } | undefined;
  createAccount(name: string, passwordHash: Uint8Array, passwordSalt: Uint8Array): { id: number };
  loadOrCreatePlayer(name: string, spawn: { x: number; y: number; zone: string; accountId?: number | null }): { id: number; accountId: number | null };
}

/** Where a player row created at first login starts. */
export interface Spawn {
  x: number;
  y: number;
  zone: string;
}

export type LoginFailure = 'bad_name' | 'bad_password' | 'wrong_password' | 'name_taken';

export type LoginResult =
  | { ok: true; accountId: number; playerId: number; name: string; created: boolean }
  | { ok: false; reason: LoginFailure; message: string };

/** Where scrypt runs: node's async scrypt (libuv's pool) or a HashPool's `scrypt`. */
export type ScryptRunner = (password: string, salt: Uint8Array, keylen: number, options: ScryptOptions) => Promise<Buffer>;

/** node's async scrypt, on libuv's thread pool. */
export const libuvScrypt: ScryptRunner = (password, salt, keylen, options) => new Promise((resolve, reject) => {
  scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
});

/** A stored hash (version byte + key) and its fresh random salt. */
export async function hashPassword(password: string, run: ScryptRunner = libuvScrypt): Promise<{ hash: Buffer; salt: Buffer }> {
  const salt = randomBytes(SALT_BYTES);
  const key = await run(password, salt, KEY_BYTES, SCRYPT_V1);
  return { hash: Buffer.concat([Buffer.from([V1]), key]), salt };
}

/** True when `password` matches; constant-time in the key comparison. */
export async function verifyPassword(password: string, hash: Uint8Array, salt: Uint8Array, run: ScryptRunner = libuvScrypt): Promise<boolean> {
  const key = await run(password, salt, KEY_BYTES, SCRYPT_V1);
  const stored = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
  const good = stored.length === 1 + KEY_BYTES && stored[0] === V1;
  // Compare against something of the right length even when the stored hash is unusable.
  const expected = good ? stored.subarray(1) : Buffer.alloc(KEY_BYTES);
  return timingSafeEqual(key, expected) && good;
}

/** A valid account name in NFC (so look-alike spellings of one name are one account). */
export function checkName(name: unknown): string {
  return text(typeof name === 'string' ? name.normalize('NFC') : name, 'name', NAME_RULE);
}

export function checkPassword(password: unknown): string {
  return text(typeof password === 'string' ? password.normalize('NFKC') : password, 'password', PASSWORD_RULE);
}

/** Both credentials in canonical form, or the first one that is malformed and why. */
export function checkCredentials(name: unknown, password: unknown):
  | { ok: true; name: string; password: string }
  | { ok: false; reason: 'bad_name' | 'bad_password'; message: string } {
  let n: string;
  try {
    n = checkName(name);
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, reason: 'bad_name', message: e.message };
    throw e;
  }
  try {
    return { ok: true, name: n, password: checkPassword(password) };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, reason: 'bad_password', message: e.message };
    throw e;
  }
}

/**
 * Logs in, creating the account and its player row (at `spawn`) on the first login of a name.
 * Account players and guests are apart in the store: a guest row of the same name stays the
 * guest's. Two first logins racing for one name: the
 * loser's password is checked against the winner's account.
 */
export async function login(
  store: AuthStore, name: unknown, password: unknown, spawn: Spawn = { x: 0, y: 0, zone: '' }, run: ScryptRunner = libuvScrypt,
): Promise<LoginResult> {
  const c = checkCredentials(name, password);
  if (!c.ok) return c;
  const { name: n, password: p } = c;
  let account = store.account(n);
  let created = false;
  if (!account) {
    const { hash, salt } = await hashPassword(p, run);
    account = store.account(n); // created while we hashed?
    if (!account) {
      try {
        const row = store.createAccount(n, hash, salt);
        account = { id: row.id, passwordHash: hash, passwordSalt: salt };
        created = true;
      } catch (e) {
        account = store.account(n);
        if (!account) throw e;
      }
    }
  }
  if (!created && !(await verifyPassword(p, account.passwordHash, account.passwordSalt, run))) {
    return { ok: false, reason: 'wrong_password', message: 'wrong password' };
  }
  const player = store.loadOrCreatePlayer(n, { ...spawn, accountId: account.id });
  if (player.accountId !== null && player.accountId !== account.id) {
    return { ok: false, reason: 'name_taken', message: `player name ${JSON.stringify(n)} belongs to another account` };
  }
  return { ok: true, accountId: account.id, playerId: player.id, name: n, created };
}
