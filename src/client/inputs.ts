// InputSender: the player's outbound inputs (move, chat, attack, useItem). It checks the
// arguments, numbers each input with the connection's next seq and, when the client predicts,
// tags a move with the tick it lands at and walks it locally at once.

import { encodeAttack, encodeChat, encodeMove, encodeUseItem } from '../protocol/index.js';
import type { Predictor } from './prediction.js';

/** What InputSender needs from its ZoneClient. */
export interface InputLink {
  /** Sends one encoded frame; false when the socket is not open. */
  sendFrame(bytes: Uint8Array): boolean;
  /** True between Welcome and close: inputs are sent only then. */
  isJoined(): boolean;
  /** The tick a move sent now should land at (only asked while predicting). */
  applyTickNow(predictor: Predictor): number;
}

// A NetId is a u32 other than 0; anything else would be encoded wrongly or mean "none".
function checkNetId(what: string, id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > 0xffff_ffff) throw new RangeError(`${what} must be a NetId 1..2^32-1, got ${id}`);
}

export class InputSender {
  private seq = 0;

  constructor(
    private readonly link: InputLink,
    private readonly predictor: Predictor | null,
  ) {}

  /** Seq of the last input sent on this connection (0: none). */
  get lastSeq(): number {
    return this.seq;
  }

  /** A new connection numbers its inputs from 1 again. */
  reset(): void {
    this.seq = 0;
  }

  /**
   * Walk toward (x, y). Returns the input's seq, or 0 if nothing was sent (not joined).
   * Throws RangeError for non-finite coordinates.
   */
  move(x: number, y: number): number {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`move target must be finite, got (${x}, ${y})`);
    const p = this.predictor;
    if (p === null) return this.send((seq) => encodeMove({ seq, x, y }));
    // Predicted: tagged with the tick it lands at, and walked from that same tick locally.
    const applyTick = this.link.applyTickNow(p);
    const seq = this.send((n) => encodeMove({ seq: n, x, y, applyTick }));
    if (seq !== 0) p.move(seq, x, y, applyTick);
    return seq;
  }

  /** Say `text` (1..256 characters, checked by the server). Returns the seq, or 0. */
  chat(text: string): number {
    if (typeof text !== 'string' || text.length === 0) throw new RangeError('chat text must be a non-empty string');
    return this.send((seq) => encodeChat({ seq, text }));
  }

  /** Attack entity `target`. Returns the seq, or 0. */
  attack(target: number): number {
    checkNetId('attack target', target);
    return this.send((seq) => encodeAttack({ seq, target }));
  }

  /** Pick up ground item `item`. Returns the seq, or 0. */
  useItem(item: number): number {
    checkNetId('item', item);
    return this.send((seq) => encodeUseItem({ seq, item }));
  }

  // The seq is spent only when the frame really left, so a refused input leaves no gap.
  private send(encode: (seq: number) => Uint8Array): number {
    if (!this.link.isJoined()) return 0;
    const seq = this.seq + 1;
    if (!this.link.sendFrame(encode(seq))) return 0;
    this.seq = seq;
    return seq;
  }
}
