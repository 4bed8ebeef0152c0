// What one client is owed under the bandwidth budget (budget.ts), by cell or by entity: key →
// the tick of the first change it missed there, and whether it goes whole (it never had it).
// Every cell of a view is looked up every tick, so this is an open-addressing table in typed arrays
// (Fibonacci hashing, linear probing, deletion by backward shift): a lookup is a few array
// reads, with no hashing of boxed keys and no allocation. It grows at half full.

const EMPTY = -1;

export class OwedTable {
  private keys: Int32Array;
  private ticks: Int32Array;
  private wholes: Uint8Array;
  private mask: number;
  /** 32 − log2(capacity): a key's home slot is the top bits of its Fibonacci hash. */
  private shift: number;
  /** Keys owed. */
  size = 0;

  constructor(capacity = 64) {
    const bits = Math.max(2, Math.ceil(Math.log2(capacity)));
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.ticks = new Int32Array(1 << bits);
    this.wholes = new Uint8Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /** The tick of the first change the client missed for `key`, or −1 when it is owed nothing there. */
  since(key: number): number {
    if (this.size === 0) return -1;
    const i = this.slot(key);
    return this.keys[i] === key ? this.ticks[i] : -1;
  }

  /** Is the key owed whole? */
  whole(key: number): boolean {
    if (this.size === 0) return false;
    const i = this.slot(key);
    return this.keys[i] === key && this.wholes[i] === 1;
  }

  /** The key is owed from `tick` on, unless it already was from earlier; `whole`: it goes whole. */
  owe(key: number, tick: number, whole: boolean): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.ticks[i] = tick;
      this.wholes[i] = 0;
      this.size++;
    }
    if (whole) this.wholes[i] = 1;
  }

  /** Nothing is owed for the key any more. */
  forget(key: number): void {
    if (this.size === 0) return;
    const keys = this.keys, mask = this.mask;
    let hole = this.slot(key);
    if (keys[hole] !== key) return;
    // Backward shift: each later entry of the run moves into the hole unless the hole lies
    // before its home slot, so every entry stays reachable from its home without tombstones.
    for (let j = (hole + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      if (((j - this.home(keys[j])) & mask) < ((j - hole) & mask)) continue;
      keys[hole] = keys[j];
      this.ticks[hole] = this.ticks[j];
      this.wholes[hole] = this.wholes[j];
      hole = j;
    }
    keys[hole] = EMPTY;
    this.size--;
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(EMPTY);
    this.size = 0;
  }

  /** [key, since] of every owed key, in no particular order (for tests and diagnostics). */
  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) yield [this.keys[i], this.ticks[i]];
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slot(key: number): number {
    const keys = this.keys, mask = this.mask;
    let i = this.home(key);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const keys = this.keys, ticks = this.ticks, wholes = this.wholes;
    const bits = 32 - this.shift + 1;
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.ticks = new Int32Array(1 << bits);
    this.wholes = new Uint8Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      this.owe(keys[i], ticks[i], wholes[i] === 1);
    }
  }
}
