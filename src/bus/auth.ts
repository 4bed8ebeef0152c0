// Shared-secret authentication for the bus: handshake proofs, session keys, message MACs,
// and the replay window that drops duplicate (from, seq) pairs. All HMAC-SHA256 (node:crypto).
//
// Inputs to every HMAC are joined with 0 bytes; server ids, nonces and subjects cannot contain
// a 0 byte, so the encoding is unambiguous.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import type { ServerType } from './messages.js';
import { HMAC_BYTES } from './specs.js';

/** The shortest shared secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 16;

export function secretBytes(secret: string | Uint8Array): Buffer {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (b.length < MIN_SECRET_BYTES) {
    throw new RangeError(`bus secret must be at least ${MIN_SECRET_BYTES} bytes (got ${b.length})`);
  }
  return b;
}

/** A fresh session nonce: 128 random bits as 32 lowercase hex characters. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

function hmac(key: Uint8Array, parts: readonly string[]): Buffer {
  const h = createHmac('sha256', key);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) h.update(ZERO_BYTE);
    h.update(parts[i], 'utf8');
  }
  return h.digest();
}

const ZERO_BYTE = new Uint8Array(1);
const ZERO_MAC = new Uint8Array(HMAC_BYTES);

export function helloProof(secret: Uint8Array, serverId: string, serverType: ServerType, nonce: string): Buffer {
  return hmac(secret, ['mmo-bus/1/hello', serverId, String(serverType), nonce]);
}

export function ackProof(
  secret: Uint8Array,
  serverId: string,
  serverType: ServerType,
  nonce: string,
  to: string,
  echo: string,
  wantReply: boolean,
): Buffer {
  return hmac(secret, ['mmo-bus/1/ack', serverId, String(serverType), nonce, to, echo, wantReply ? '1' : '0']);
}

/** The key that a server's messages in one session are MACed with. */
export function sessionKey(secret: Uint8Array, serverId: string, nonce: string): Buffer {
  return hmac(secret, ['mmo-bus/1/session', serverId, nonce]);
}

/**
 * MAC of one encoded message: HMAC(key, wireSubject 0 bytes-with-the-mac-zeroed). `macOffset`
 * is where the 32 MAC bytes sit in `bytes`.
 */
export function messageMac(key: Uint8Array, wireSubject: string, bytes: Uint8Array, macOffset: number): Buffer {
  const h = createHmac('sha256', key);
  h.update(wireSubject, 'utf8');
  h.update(ZERO_BYTE);
  h.update(bytes.subarray(0, macOffset));
  h.update(ZERO_MAC);
  h.update(bytes.subarray(macOffset + HMAC_BYTES));
  return h.digest();
}

/** Constant-time comparison of two MACs/proofs. */
export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How far behind the newest seq a message may arrive and still be accepted once. */
export const REPLAY_WINDOW = 256;

/**
 * Sliding-window duplicate filter for one sender session (as IPsec's anti-replay window):
 * accepts each seq at most once; a seq more than REPLAY_WINDOW behind the highest seen is
 * refused (it cannot be told apart from a duplicate). `ring[seq % W] === seq` marks "seen";
 * a slot is only overwritten by a seq W higher, which moves the window past the old one.
 */
export class ReplayWindow {
  readonly nonce: string;
  private hi = 0;
  private readonly ring = new Float64Array(REPLAY_WINDOW);

  constructor(nonce: string) {
    this.nonce = nonce;
  }

  /** true the first time `seq` (>= 1) is offered, false for a duplicate or a too-old seq. */
  accept(seq: number): boolean {
    const slot = seq % REPLAY_WINDOW;
    if (seq > this.hi) {
      this.hi = seq;
      this.ring[slot] = seq;
      return true;
    }
    if (seq <= this.hi - REPLAY_WINDOW) return false;
    if (this.ring[slot] === seq) return false;
    this.ring[slot] = seq;
    return true;
  }
}
