// Inputs are the only way anything enters the simulation. They are plain JSON-safe data so a
// recording can store them verbatim; every field is checked again here because a replay file
// is as untrusted as a socket.

/**
 * A player's saved state, the one shape from sim to bus to store: a returning player joins with
 * it, a handoff carries it, and the store's rows extend it (PlayerSnapshot). All of it is
 * validated on join.
 */
export interface PlayerState {
  x: number;
  y: number;
  level: number;
  hp: number;
  maxHp: number;
  mana: number;
  maxMana: number;
}

export type SimInput =
  | { type: 'join'; session: number; name: string; state?: PlayerState }
  | { type: 'leave'; session: number }
  | { type: 'move'; session: number; seq: number; x: number; y: number }
  /** `rewind`: ticks back at which the target's position is judged (0..MAX_REWIND_TICKS), set by the zone from the attacker's measured latency. */
  | { type: 'attack'; session: number; seq: number; target: number; rewind?: number }
  | { type: 'useItem'; session: number; seq: number; item: number }
  | { type: 'chat'; session: number; seq: number; text: string }
  /** From the server, not a client: a failed handoff puts the player back at (x, y) inside the zone. */
  | { type: 'recall'; session: number; x: number; y: number };

export type RejectReason =
  | 'bad_input'
  | 'unknown_session'
  | 'duplicate_session'
  | 'zone_full'
  | 'bad_name'
  | 'stale_seq'
  | 'not_finite'
  | 'out_of_bounds'
  | 'dead'
  | 'unknown_target'
  | 'self_target'
  | 'not_attackable'
  | 'target_dead'
  | 'cooldown'
  | 'out_of_range'
  | 'not_an_item'
  | 'item_gone'
  | 'bad_text'
  | 'chat_empty'
  | 'chat_too_long';

/**
 * A refused input changes no state, with one exception: an input with a fresh sequence number
 * from a known session still advances that session's acked sequence (Player.lastSeq), so the
 * client's ack moves past inputs the server has seen and refused.
 */
export interface Rejection {
  session: number;
  seq: number;
  input: string;
  reason: RejectReason;
}

/** Length in Unicode code points (what players see as characters). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** Text a player may send: 1..max code points, no NUL, no lone surrogates. */
export function checkText(text: unknown, max: number): 'ok' | 'bad_text' | 'chat_empty' | 'chat_too_long' {
  if (typeof text !== 'string') return 'bad_text';
  if (text.length === 0) return 'chat_empty';
  if (text.includes('\u0000') || !text.isWellFormed()) return 'bad_text';
  return codePointLength(text) > max ? 'chat_too_long' : 'ok';
}
