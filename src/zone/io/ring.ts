// A one-way byte ring in shared memory between two threads: one writer, one reader. Each record
// is a 16-byte header [kind, connection id, argument, length] and its bytes, padded to 4. The
// writer publishes a batch with one atomic store of its position; the reader consumes up to it
// and publishes its own position, so neither ever waits on the other. A record that finds the
// ring full waits, in order, in the writer's backlog (nothing is dropped) until the reader has
// made room. A doorbell flag lets the writer wake a sleeping reader once per batch (the wake-up
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

interface Waiting {
  kind: number;
  conn: number;
  arg: number;
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class RingWriter extends RingView {
  /** Where the next record goes (a running count of bytes; its offset is this modulo the capacity). */
  private position = 0;
  /** The reader's position when last read (it only moves forward, so the room seen is a lower bound). */
  private readSeen = 0;
  private readonly backlog: Waiting[] = [];

  /** Records waiting for room, in order. */
  get waiting(): number {
    return this.backlog.length;
  }

  /** The largest payload a record may carry (half the ring, so one always fits once the reader catches up). */
  get maxPayload(): number {
    return this.capacity / 2 - HEADER_BYTES;
  }

  /** Writes a record now, or after the ones already waiting once there is room. `kind` is never 0. */
  write(kind: number, conn: number, arg: number, payload: Uint8Array = EMPTY): void {
    if (payload.length > this.maxPayload) throw new RangeError(`a record of ${payload.length} bytes does not fit a ring of ${this.capacity}`);
    if (this.backlog.length === 0 && this.put(kind, conn, arg, payload)) return;
    this.backlog.push({ kind, conn, arg, payload: payload.slice() });
  }

  /**
   * Moves what waits into the ring as far as there is room and makes everything written visible
   * to the reader. True when the reader should be woken: `wake` asks for it or the ring is more
   * than a quarter full (a reader that drains on its own schedule must not let a flood back up),
   * and its doorbell was not already rung.
   */
  publish(wake: boolean): boolean {
    let moved = 0;
    while (moved < this.backlog.length) {
      const w = this.backlog[moved];
      if (!this.put(w.kind, w.conn, w.arg, w.payload)) break;
      moved++;
    }
    if (moved > 0) this.backlog.splice(0, moved);
    if (Atomics.load(this.index, WRITE) === this.position) return false;
    Atomics.store(this.index, WRITE, this.position);
    if (!wake && ((this.position - Atomics.load(this.index, READ)) | 0) <= this.capacity / 4) return false;
    return Atomics.exchange(this.index, BELL, 1) === 0;
  }

  /** Copies one record in if it fits (with the skip to the start when it would cross the end). */
  private put(kind: number, conn: number, arg: number, payload: Uint8Array): boolean {
    const need = recordBytes(payload.length);
    const offset = this.position & (this.capacity - 1);
    const tail = this.capacity - offset;
    const skip = need > tail ? tail : 0;
    // The reader's position is read again only when the one seen last leaves too little room.
    if (((this.position - this.readSeen) | 0) + skip + need > this.capacity) {
      this.readSeen = Atomics.load(this.index, READ);
      if (((this.position - this.readSeen) | 0) + skip + need > this.capacity) return false;
    }
    let at = offset;
    if (skip > 0) {
      this.view.setUint32(offset, WRAP, true);
      at = 0;
    }
    this.view.setUint32(at, kind, true);
    this.view.setUint32(at + 4, conn, true);
    this.view.setUint32(at + 8, arg, true);
    this.view.setUint32(at + 12, payload.length, true);
    this.bytes.set(payload, at + HEADER_BYTES);
    this.position = (this.position + skip + need) | 0;
    return true;
  }
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
