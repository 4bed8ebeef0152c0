// One bit per grid cell, kept row by row in 32-bit words: the fan-out marks the cells that
// changed in a tick, and each client's frame asks, per row of its view, for the marked columns
// of a span. A view of a 25-unit grid is about 65 cells, of which a tenth change in a busy
// tick; a word tells 32 of them at once instead of a test per cell.

export class RowBits {
  private readonly words: Int32Array;
  private readonly wordsPerRow: number;

  constructor(cols: number, rows: number) {
    this.wordsPerRow = (cols + 31) >>> 5;
    this.words = new Int32Array(this.wordsPerRow * rows);
  }

  /** Marks column `col` of row `row`. */
  set(row: number, col: number): void {
    this.words[row * this.wordsPerRow + (col >>> 5)] |= 1 << (col & 31);
  }

  clear(): void {
    this.words.fill(0);
  }

  /** The first marked column of `row` in from..to, or −1 where there is none. */
  next(row: number, from: number, to: number): number {
    if (from > to) return -1;
    const base = row * this.wordsPerRow, last = to >>> 5;
    let w = from >>> 5;
    let m = this.words[base + w] & (-1 << (from & 31));
    for (;;) {
      if (w === last) m &= -1 >>> (31 - (to & 31));
      if (m !== 0) return (w << 5) + 31 - Math.clz32(m & -m);
      if (w === last) return -1;
      m = this.words[base + ++w];
    }
  }
}
