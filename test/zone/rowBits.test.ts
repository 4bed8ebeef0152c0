import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/index.js';
import { RowBits } from '../../src/zone/rowBits.js';

// The fan-out's changed-cell bits (src/zone/rowBits.ts) against a Set: rows of 70 columns
// (three words, the last one partly used), spans that start and end inside a word, on its
// first and last bit, across words, empty and reversed.

describe('row bits', () => {
  it('finds exactly the marked columns of any span, row by row', () => {
    const cols = 70, rows = 4, rng = new Rng(5);
    const bits = new RowBits(cols, rows);
    for (let round = 0; round < 50; round++) {
      bits.clear();
      const marked = new Set<number>();
      const density = rng.range(0, 0.3);
      for (let row = 0; row < rows; row++) {
        for (let col = 0; col < cols; col++) {
          if (rng.range(0, 1) >= density) continue;
          bits.set(row, col);
          marked.add(row * cols + col);
        }
      }
      for (let row = 0; row < rows; row++) {
        for (let from = 0; from < cols; from++) {
          for (const to of [from - 1, from, Math.min(from + 1, cols - 1), 31, 32, 63, 64, cols - 1]) {
            const found: number[] = [];
            for (let c = bits.next(row, from, to); c >= 0; c = bits.next(row, c + 1, to)) found.push(c);
            const expected: number[] = [];
            for (let c = from; c <= to; c++) if (marked.has(row * cols + c)) expected.push(c);
            expect(found).toEqual(expected);
          }
        }
      }
    }
  });

  it('forgets every mark on clear', () => {
    const bits = new RowBits(40, 2);
    bits.set(0, 0);
    bits.set(1, 39);
    expect(bits.next(1, 0, 39)).toBe(39);
    bits.clear();
    expect(bits.next(0, 0, 39)).toBe(-1);
    expect(bits.next(1, 0, 39)).toBe(-1);
  });
});
