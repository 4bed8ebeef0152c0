// The shared memory between the tick thread and its recording thread: the last sync answered,
// the recording thread's first error (its length, then its text), whether its replica of the
// world went another way and needs the live world again, how many ticks it has taken, and
// whether the tick thread has given the recording up (the thread then closes its file and ends
// at its next message, leaving whatever it had queued).

export const SYNC_SEQ = 0;
export const SYNC_ERROR = 1;
export const NEED_WORLD = 2;
/** Ticks the recording thread has taken off its queue: how far behind it is. */
export const TICKS_TAKEN = 3;
export const ABANDONED = 4;
const SLOTS = 5;
const TEXT_AT = 4 * SLOTS;
const TEXT_MAX = 1024;

export function syncMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(TEXT_AT + TEXT_MAX);
}

export function syncState(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, 0, SLOTS);
}

/** Stores the first error's message (a later one is dropped). */
export function writeSyncError(shared: SharedArrayBuffer, message: string): void {
  const state = syncState(shared);
  if (Atomics.load(state, SYNC_ERROR) !== 0) return;
  const bytes = new TextEncoder().encode(message).subarray(0, TEXT_MAX);
  new Uint8Array(shared, TEXT_AT, TEXT_MAX).set(bytes);
  Atomics.store(state, SYNC_ERROR, bytes.length);
}

/** The recording thread's error, if it had one. */
export function readSyncError(shared: SharedArrayBuffer): string | undefined {
  const n = Atomics.load(syncState(shared), SYNC_ERROR);
  return n === 0 ? undefined : new TextDecoder().decode(new Uint8Array(shared, TEXT_AT, n).slice());
}
