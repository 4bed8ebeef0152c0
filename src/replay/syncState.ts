// The shared memory between the tick thread and its recording thread: the last sync answered,
// the recording thread's first error (its length, then its text), and the last frame it is
// done with (the tick thread may fill that frame's ring slot again).

export const SYNC_SEQ = 0;
export const SYNC_ERROR = 1;
export const RELEASED = 2;
const TEXT_AT = 16;
const TEXT_MAX = 1024;

export function syncMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(TEXT_AT + TEXT_MAX);
}

/** Stores the first error's message (a later one is dropped). */
export function writeSyncError(shared: SharedArrayBuffer, message: string): void {
  const state = new Int32Array(shared, 0, 4);
  if (Atomics.load(state, SYNC_ERROR) !== 0) return;
  const bytes = new TextEncoder().encode(message).subarray(0, TEXT_MAX);
  new Uint8Array(shared, TEXT_AT, TEXT_MAX).set(bytes);
  Atomics.store(state, SYNC_ERROR, bytes.length);
}

/** The recording thread's error, if it had one. */
export function readSyncError(shared: SharedArrayBuffer): string | undefined {
  const n = Atomics.load(new Int32Array(shared, 0, 4), SYNC_ERROR);
  return n === 0 ? undefined : new TextDecoder().decode(new Uint8Array(shared, TEXT_AT, n).slice());
}
