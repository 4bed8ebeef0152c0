// A one-way byte ring in shared memory between two threads: one writer, one reader. Each record
// is a 16-byte header [kind, connection id, argument, length] and its bytes, padded to 4. The
// writer publishes a batch with one atomic store of its position; the reader consumes up to it
// and publishes its own position, so neither ever waits on the other. A record that finds the
// ring full waits, in order, in the writer's backlog (nothing is dropped; a private buffer in
// the ring's format) until the reader has made room. A doorbell flag lets the writer wake a sleeping reader once per batch (the wake-up
// itself is a message on the worker's port, sent by whoever owns it); a batch the reader may
// take on its own schedule rings only once the ring fills up.

/** Positions and the doorbell, in the first bytes of the shared buffer. */
const WRITE = 0, READ = 1, BELL = 2;
const INDEX_BYTES = 16;
const HEADER_BYTES = 16;
/** The record kind that means "the rest of the ring is empty: go on at its start". */
const WRAP = 0;

/** A shared buffer for a ring of `capacity` bytes (a power of two). */
export function ringBuffer(capacity: number): SharedArrayBuffer {
  if (!Number.isInteger(Math.log2(capacity)) || capacity < 1024) throw new RangeError(`ring capacity must be a power of two ≥ 1024, got ${capacity}`);
  return new SharedArrayBuffer(INDEX_BYTES + capacity);
}

/** Bytes a record with `length` bytes of payload takes in the ring. */
function recordBytes(length: number): number {
  return HEADER_BYTES + ((length + 3) & ~3);
}

class RingView {
  protected readonly index: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly view: DataView;
  protected readonly capacity: number;

  constructor(buffer: SharedArrayBuffer) {
    this.index = new Int32Array(buffer, 0, INDEX_BYTES / 4);
    this.capacity = buffer.byteLength - INDEX_BYTES;
    this.bytes = new Uint8Array(buffer, INDEX_BYTES, this.capacity);
    this.view = new DataView(buffer, INDEX_BYTES, this.capacity);
  }
}

const EMPTY = new Uint8Array(0);

export class RingWriter extends RingView {
  /** Where the next record goes (a running count of bytes; its offset is this modulo the capacity). */
  private position = 0;
  /** The reader's position when last read (it only moves forward, so the room seen is a lower bound). */
  private readSeen = 0;
  /**
   * Records that found the ring full, in the ring's own format, waiting in order in a private
   * buffer that grows to the largest backlog once: a flood (the zone sending faster than its I/O
   * thread writes) then allocates nothing, where an object and a copy per waiting record were
   * garbage for the tick thread to collect just when it had least time for it.
   */
  private spill = new Uint8Array(0);
  private spillView = new DataView(this.spill.buffer);
  private spillWords = new Int32Array(this.spill.buffer);
  /** The ring's bytes as words, for moving waiting records in. */
  private readonly words = new Int32Array(this.bytes.buffer, this.bytes.byteOffset, this.capacity / 4);
  private spillStart = 0;
  private spillEnd = 0;
  private spilled = 0;

  /** Records waiting for room, in order. */
  get waiting(): number {
    return this.spilled;
  }

  /** The largest payload a record may carry (half the ring, so one always fits once the reader catches up). */
  get maxPayload(): number {
    return this.capacity / 2 - HEADER_BYTES;
  }

  /** Writes a record now, or after the ones already waiting once there is room. `kind` is never 0. */
  write(kind: number, conn: number, arg: number, payload: Uint8Array = EMPTY): void {
    if (payload.length > this.maxPayload) throw new RangeError(`a record of ${payload.length} bytes does not fit a ring of ${this.capacity}`);
    const need = recordBytes(payload.length);
    if (this.spilled === 0) {
      const at = this.reserve(need);
      if (at >= 0) return writeRecord(this.view, this.bytes, at, kind, conn, arg, payload);
    }
    if (this.spillEnd + need > this.spill.length) this.growSpill(need);
    writeRecord(this.spillView, this.spill, this.spillEnd, kind, conn, arg, payload);
    this.spillEnd += need;
    this.spilled++;
  }

  /**
   * Moves what waits into the ring as far as there is room and makes everything written visible
   * to the reader. True when the reader should be woken: `wake` asks for it or the ring is more
   * than a quarter full (a reader that drains on its own schedule must not let a flood back up),
   * and its doorbell was not already rung.
   */
  publish(wake: boolean): boolean {
    while (this.spilled > 0) {
      const from = this.spillStart, need = recordBytes(this.spillView.getUint32(from + 12, true));
      const at = this.reserve(need);
      if (at < 0) break;
      // Word by word: records are padded to 4 bytes and start at multiples of 4 in both buffers.
      for (let i = from >> 2, j = at >> 2, end = (from + need) >> 2; i < end; i++, j++) this.words[j] = this.spillWords[i];
      this.spillStart += need;
      if (--this.spilled === 0) this.spillStart = this.spillEnd = 0;
    }
    if (Atomics.load(this.index, WRITE) === this.position) return false;
    Atomics.store(this.index, WRITE, this.position);
    if (!wake && ((this.position - Atomics.load(this.index, READ)) | 0) <= this.capacity / 4) return false;
    return Atomics.exchange(this.index, BELL, 1) === 0;
  }

  /**
   * Room for a record of `need` bytes: its offset in the ring, with the skip to the start marked
   * when it would cross the end; −1 when the ring is full.
   */
  private reserve(need: number): number {
    const offset = this.position & (this.capacity - 1);
    const tail = this.capacity - offset;
    const skip = need > tail ? tail : 0;
    // The reader's position is read again only when the one seen last leaves too little room.
    if (((this.position - this.readSeen) | 0) + skip + need > this.capacity) {
      this.readSeen = Atomics.load(this.index, READ);
      if (((this.position - this.readSeen) | 0) + skip + need > this.capacity) return -1;
    }
    if (skip > 0) this.view.setUint32(offset, WRAP, true);
    this.position = (this.position + skip + need) | 0;
    return skip > 0 ? 0 : offset;
  }

  /** Room for `need` more bytes of backlog: what was moved out leaves the front, and the buffer doubles where that is not enough. */
  private growSpill(need: number): void {
    const live = this.spillEnd - this.spillStart;
    if (this.spill.length - live >= need) this.spill.copyWithin(0, this.spillStart, this.spillEnd);
    else {
      const grown = new Uint8Array(Math.max(this.spill.length * 2, live + need, 4096));
      grown.set(this.spill.subarray(this.spillStart, this.spillEnd));
      this.spill = grown;
      this.spillView = new DataView(grown.buffer);
      this.spillWords = new Int32Array(grown.buffer);
    }
    this.spillStart = 0;
    this.spillEnd = live;
  }
}

/** One record at `at`: its header, then its payload. */
function writeRecord(view: DataView, bytes: Uint8Array, at: number, kind: number, conn: number, arg: number, payload: Uint8Array): void {
  view.setUint32(at, kind, true);
  view.setUint32(at + 4, conn, true);
  view.setUint32(at + 8, arg, true);
  view.setUint32(at + 12, payload.length, true);
  bytes.set(payload, at + HEADER_BYTES);
}

/** Called for each record; `payload` is a view into the ring, valid only during the call. */
export type RecordHandler = (kind: number, conn: number, arg: number, payload: Uint8Array) => void;

export class RingReader extends RingView {
  private position = 0;

  /** Answers the doorbell: the next batch written rings it again. */
  hearBell(): void {
    Atomics.store(this.index, BELL, 0);
  }

  /** Hands every published record to `handle`, in order, then frees their room. Returns how many. */
  drain(handle: RecordHandler): number {
    const end = Atomics.load(this.index, WRITE);
    let n = 0;
    while (this.position !== end) {
      const offset = this.position & (this.capacity - 1);
      const kind = this.view.getUint32(offset, true);
      if (kind === WRAP) {
        this.position = (this.position + this.capacity - offset) | 0;
        continue;
      }
      const length = this.view.getUint32(offset + 12, true);
      const start = offset + HEADER_BYTES;
      handle(kind, this.view.getUint32(offset + 4, true), this.view.getUint32(offset + 8, true), this.bytes.subarray(start, start + length));
      this.position = (this.position + recordBytes(length)) | 0;
      n++;
    }
    Atomics.store(this.index, READ, this.position);
    return n;
  }
}
