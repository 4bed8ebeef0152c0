// "A forged length is refused at once" as a count, not a stopwatch: every read a decoder makes
// goes through DataView or flatbuffers.ByteBuffer, so counting those reads bounds its work
// whatever else the machine is doing. Past the budget the next read throws, so a runaway loop
// ends the test at once instead of running for ages.

import * as flatbuffers from 'flatbuffers';

const READERS: readonly [object, readonly string[]][] = [
  [DataView.prototype, ['getInt8', 'getUint8', 'getInt16', 'getUint16', 'getInt32', 'getUint32', 'getFloat32', 'getFloat64', 'getBigInt64', 'getBigUint64']],
  [flatbuffers.ByteBuffer.prototype, ['readInt8', 'readUint8', 'readInt16', 'readUint16', 'readInt32', 'readUint32', 'readInt64', 'readUint64', 'readFloat32', 'readFloat64']],
];

/** Work proportional to the input: this many reads per byte, plus a constant for headers. */
export function linearBudget(bytes: number): number {
  return 8 * bytes + 1000;
}

export class ReadBudgetExceeded extends Error {
  override name = 'ReadBudgetExceeded';
}

/** Runs `fn` counting its reads; throws ReadBudgetExceeded at read `budget + 1`. */
export function countReads<T>(budget: number, fn: () => T): { result: T; reads: number } {
  let reads = 0;
  const saved: [Record<string, unknown>, string, unknown][] = [];
  for (const [proto, names] of READERS) {
    const p = proto as Record<string, (...a: unknown[]) => unknown>;
    for (const name of names) {
      const original = p[name];
      saved.push([p, name, original]);
      p[name] = function (this: unknown, ...args: unknown[]) {
        if (++reads > budget) throw new ReadBudgetExceeded(`more than ${budget} reads: a loop over a forged length?`);
        return original.apply(this, args);
      };
    }
  }
  try {
    return { result: fn(), reads };
  } finally {
    for (const [p, name, original] of saved) p[name] = original;
  }
}
