// Scratch buffers of the fan-out that hand their contents out as views kept per length: once
// every length has been seen, assembling a frame allocates nothing (LengthViews).

import { LengthViews } from '../protocol/lengthViews.js';

/** A byte buffer filled in 4-byte words (records are 40 bytes), viewed by length. */
export class WordBuffer {
  private bytes = new Uint8Array(16 * 1024);
  private words = new Int32Array(this.bytes.buffer);
  private readonly views = new LengthViews<Uint8Array>();

  /** Copies `len` bytes at byte `start` of `from` (a words view) to byte `at`; all multiples of 4. Returns at + len. */
  copy(at: number, from: Int32Array, start: number, len: number): number {
    if (at + len > this.bytes.length) this.grow(at + len, at);
    const words = this.words;
    for (let i = start >> 2, j = at >> 2, end = (start + len) >> 2; i < end; i++, j++) words[j] = from[i];
    return at + len;
  }

  /** Copies the words `picked` of the record at byte `start` of `from` (a words view) to byte `at`, in that order. Returns the byte after them. */
  pick(at: number, from: Int32Array, start: number, picked: readonly number[]): number {
    const len = picked.length * 4;
    if (at + len > this.bytes.length) this.grow(at + len, at);
    const words = this.words, base = start >> 2;
    let j = at >> 2;
    for (const w of picked) words[j++] = from[base + w];
    return at + len;
  }

  /** The first `length` bytes. */
  view(length: number): Uint8Array {
    return this.views.of(this.bytes, length >> 2, length);
  }

  private grow(need: number, keep: number): void {
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, need));
    grown.set(this.bytes.subarray(0, keep));
    this.bytes = grown;
    this.words = new Int32Array(grown.buffer);
    this.views.clear();
  }
}

/** A list of uint32 (NetIds), viewed by length. */
export class Uint32List {
  private values = new Uint32Array(256);
  private readonly views = new LengthViews<Uint32Array>();
  length = 0;

  push(v: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
      this.views.clear();
    }
    this.values[this.length++] = v;
  }

  at(i: number): number {
    return this.values[i];
  }

  view(): Uint32Array {
    return this.views.of(this.values, this.length, this.length);
  }
}
