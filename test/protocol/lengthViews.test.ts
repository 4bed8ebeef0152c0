import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { LengthViews } from '../../src/protocol/lengthViews.js';

// V8's own test of an array's elements (natives syntax, allowed for functions compiled from here on).
setFlagsFromString('--allow-natives-syntax');
const isDictionary = new Function('a', 'return %HasDictionaryElements(a)') as (a: unknown) => boolean;

describe('LengthViews', () => {
  it('hands out one view per length, over the buffer it was given', () => {
    const views = new LengthViews<Uint8Array>();
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const three = views.of(bytes, 3, 3);
    expect([...three]).toEqual([1, 2, 3]);
    expect(views.of(bytes, 3, 3)).toBe(three);
    bytes[0] = 9;
    expect(three[0]).toBe(9); // a view, not a copy
    const words = new LengthViews<Uint32Array>();
    expect([...words.of(Uint32Array.from([5, 6, 7]), 2, 2)]).toEqual([5, 6]);
  });

  it('forgets its views when the buffer is replaced', () => {
    const views = new LengthViews<Uint8Array>();
    const old = views.of(new Uint8Array(4), 2, 2);
    views.clear();
    const grown = Uint8Array.from([7, 7, 7, 7, 7, 7, 7, 7]);
    const fresh = views.of(grown, 2, 2);
    expect(fresh).not.toBe(old);
    expect(fresh.buffer).toBe(grown.buffer);
  });

  it('stays a dense array when a long view follows short ones (a dictionary makes every lookup slow)', () => {
    const views = new LengthViews<Uint8Array>();
    const bytes = new Uint8Array(16 * 1024);
    for (const n of [84, 40, 120, 7366, 90, 12_000, 3]) views.of(bytes, n, n);
    const cache = (views as unknown as { views: unknown[] }).views;
    expect(isDictionary(cache)).toBe(false);
    const plain: unknown[] = [];
    for (const n of [84, 40, 120, 7366, 90, 12_000, 3]) plain[n] ??= bytes.subarray(0, n);
    expect(isDictionary(plain)).toBe(true); // what it guards against
  });
});
