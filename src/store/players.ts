// A player row as the store keeps it: the sim's PlayerState plus who the player is (guest or
// account, name), where it was saved and when. Guests and accounts are two namespaces: a guest
// named "alice" is never the account "alice"'s character.

import type { PlayerState } from '../sim/index.js';
import type { PlayerSnapshot } from './snapshots.js';

/** 'guest': joined a guest zone by name alone. 'account': created by a login (the gateway). */
export type PlayerKind = 'guest' | 'account';

export const PLAYER_KINDS: readonly PlayerKind[] = ['guest', 'account'];

export interface PlayerRow extends PlayerSnapshot {
  kind: PlayerKind;
  /** null for a guest (and for an account player whose account was deleted). */
  accountId: number | null;
  name: string;
  /** ms since epoch of the last save (or creation); 0 for rows migrated from v1. */
  lastSeen: number;
}

/** Where a new player appears, and whose it is. */
export interface NewPlayer {
  x: number;
  y: number;
  zone: string;
  /** The owning account; implies kind 'account'. */
  accountId?: number | null;
  /** Default: 'account' with an accountId, else 'guest'. */
  kind?: PlayerKind;
}

/** Stats of a new player (the design's seed numbers). */
export const NEW_PLAYER_STATS: Omit<PlayerState, 'x' | 'y'> = { level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 };

export function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what} must be a string`);
}

export function checkInt(what: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${what} must be an integer ≥ ${min}, got ${v}`);
}

/** The namespace a new player belongs to; throws on a bad spawn (it would become a broken row). */
export function newPlayerKind(name: unknown, spawn: NewPlayer): PlayerKind {
  checkName('player name', name);
  if (!Number.isFinite(spawn.x) || !Number.isFinite(spawn.y)) throw new TypeError(`spawn of ${JSON.stringify(name)} must be finite, got ${spawn.x},${spawn.y}`);
  if (typeof spawn.zone !== 'string') throw new TypeError('spawn zone must be a string');
  const owned = spawn.accountId !== undefined && spawn.accountId !== null;
  const kind = spawn.kind ?? (owned ? 'account' : 'guest');
  if (!PLAYER_KINDS.includes(kind)) throw new RangeError(`unknown player kind ${JSON.stringify(kind)}`);
  if (kind === 'guest' && owned) throw new RangeError('a guest player has no account');
  return kind;
}
