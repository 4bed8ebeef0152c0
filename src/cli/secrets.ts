// Secrets reach a process by environment or by an owner-only file, never on its command line
// (any local user can read /proc/PID/cmdline; /proc/PID/environ and a 0600 file only the owner).
//
//   MMO_SECRET           the gateway's own secret (session tokens): the master only
//   MMO_JOIN_KEY         the gateway's Ed25519 private key (PEM), which signs join tokens: the
//                        master only; or --join-key-file FILE
//   MMO_JOIN_PUBLIC_KEY  its public half (PEM), which zones check join tokens with; or
//                        --join-public-key-file FILE. It signs nothing: a zone holds no key that
//                        makes a token another server accepts.
//   MMO_NATS_USER        this server's NATS user   } or --nats-credentials FILE:
//   MMO_NATS_PASSWORD    and its password          }   {"user": "...", "password": "..."}
//   --secret-file FILE   the gateway's secret, instead of MMO_SECRET
//   MMO_ADMIN_TOKEN      a zone's admin token (POST /admin/...), or --admin-token-file FILE
//
// A secret's file that group or others may read is refused, as ssh refuses such a key (the
// public key's file may be read by anyone).

import { randomBytes, type KeyObject } from 'node:crypto';
import { joinKeyFromPem } from '../cluster/tokens.js';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { SERVER_KEYS_ENV, SERVER_KEY_ENV } from './registryKeys.js';

export const SECRET_ENV = 'MMO_SECRET';
export const NATS_USER_ENV = 'MMO_NATS_USER';
export const NATS_PASSWORD_ENV = 'MMO_NATS_PASSWORD';
export const ADMIN_TOKEN_ENV = 'MMO_ADMIN_TOKEN';
export const JOIN_KEY_ENV = 'MMO_JOIN_KEY';
export const JOIN_PUBLIC_KEY_ENV = 'MMO_JOIN_PUBLIC_KEY';

/** A NATS user and password (the `user`/`pass` options of NatsBus). */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** Why a secret given on the command line is refused, naming where it belongs instead. */
export function secretOnCommandLine(what: string, env: string, fileFlag: string): Error {
  return new Error(`${what} is not taken on the command line (any local user can read it in /proc/PID/cmdline): set ${env} or use ${fileFlag}`);
}

/** A file's contents, refused unless only its owner may read it. */
export function readOwnerOnlyFile(file: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} may be read by group or others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file}`);
  }
  return readFileSync(file, 'utf8');
}

/** Writes a file only its owner can read (refuses to overwrite one). */
export function writeOwnerOnlyFile(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
}

/** A secret from its owner-only file when one is given, else from the environment variable; undefined when neither is set. */
function secretFrom(file: string | undefined, envValue: string | undefined): string | undefined {
  if (file !== undefined) {
    const s = readOwnerOnlyFile(file).trim();
    if (s === '') throw new Error(`${file}: empty secret`);
    return s;
  }
  return envValue || undefined;
}

/** The gateway's secret (session tokens) from --secret-file, else $MMO_SECRET; undefined when neither is set. */
export function tokenSecret(o: { secretFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return secretFrom(o.secretFile, env[SECRET_ENV]);
}

/** The gateway's join-token signing key (Ed25519 private, PEM) from --join-key-file, else $MMO_JOIN_KEY; undefined when neither is set. */
export function joinSigningKey(o: { joinKeyFile?: string }, env: NodeJS.ProcessEnv = process.env): KeyObject | undefined {
  return joinKey(secretFrom(o.joinKeyFile, env[JOIN_KEY_ENV]), 'private', o.joinKeyFile ?? `$${JOIN_KEY_ENV}`);
}

/** The key a zone checks join tokens with (Ed25519 public, PEM) from --join-public-key-file, else $MMO_JOIN_PUBLIC_KEY; undefined when neither is set. */
export function joinPublicKey(o: { joinPublicKeyFile?: string }, env: NodeJS.ProcessEnv = process.env): KeyObject | undefined {
  const file = o.joinPublicKeyFile;
  return joinKey(file !== undefined ? readKeyFile(file) : env[JOIN_PUBLIC_KEY_ENV] || undefined, 'public', file ?? `$${JOIN_PUBLIC_KEY_ENV}`);
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** An Ed25519 key of the kind wanted from PEM text; the error names where the text came from. */
function joinKey(pem: string | undefined, want: 'private' | 'public', from: string): KeyObject | undefined {
  if (pem === undefined) return undefined;
  let key: KeyObject;
  try {
    key = joinKeyFromPem(pem);
  } catch (e) {
    throw new Error(`${from}: ${(e as Error).message}`);
  }
  if (key.type !== want) throw new Error(`${from}: expected the ${want} Ed25519 key of the gateway, got its ${key.type} key`);
  return key;
}

/** A zone's admin token from --admin-token-file, else $MMO_ADMIN_TOKEN; undefined: no admin routes. */
export function adminToken(o: { adminTokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return secretFrom(o.adminTokenFile, env[ADMIN_TOKEN_ENV]);
}

/** A fresh per-run secret (192 bits). */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** NATS credentials from --nats-credentials FILE, else $MMO_NATS_USER and $MMO_NATS_PASSWORD; undefined when none. */
export function natsCredentials(o: { natsCredentials?: string }, env: NodeJS.ProcessEnv = process.env): NatsCredentials | undefined {
  if (o.natsCredentials !== undefined) return parseCredentials(o.natsCredentials, readOwnerOnlyFile(o.natsCredentials));
  const user = env[NATS_USER_ENV], pass = env[NATS_PASSWORD_ENV];
  if (!user && !pass) return undefined;
  if (!user || !pass) throw new Error(`set both ${NATS_USER_ENV} and ${NATS_PASSWORD_ENV}, or neither`);
  return { user, pass };
}

/** The JSON of a credentials file, as `mmo nats-config` writes it. */
export function credentialsFileText(user: string, password: string): string {
  return `${JSON.stringify({ user, password })}\n`;
}

function parseCredentials(file: string, text: string): NatsCredentials {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON; expected {"user": "...", "password": "..."}`);
  }
  const o = v as { user?: unknown; password?: unknown };
  if (typeof o?.user !== 'string' || o.user === '' || typeof o.password !== 'string' || o.password === '') {
    throw new Error(`${file}: expected {"user": "...", "password": "..."} with both non-empty`);
  }
  return { user: o.user, pass: o.password };
}

/**
 * The environment a child server gets: ours less every credential, plus its own (the master:
 * the gateway's secret and join key; a zone: the join public key, its NATS user, its registry key).
 */
export function childEnv(nats: NatsCredentials | undefined, own: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Credentials never pass on by inheritance: each child gets only its own, given here.
  for (const name of [SECRET_ENV, JOIN_KEY_ENV, JOIN_PUBLIC_KEY_ENV, NATS_USER_ENV, NATS_PASSWORD_ENV, SERVER_KEYS_ENV, SERVER_KEY_ENV]) delete env[name];
  Object.assign(env, own);
  if (nats) Object.assign(env, { [NATS_USER_ENV]: nats.user, [NATS_PASSWORD_ENV]: nats.pass });
  return env;
}
