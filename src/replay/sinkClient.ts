// How a recorder reaches its sink: in its own thread (the file is there at once: tools, tests)
// or on a recording thread (a live zone). There, the tick thread copies each tick's frame into
// a ring of shared memory and posts a small message; the recording thread says through shared
// memory which frames it is done with, so nothing is allocated or transferred per tick.
// sync() returns once everything sent is written; close() also ends the thread.

import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../runtime/worker.js';
import type { FrameTarget } from './capture.js';
import { RecordingSink, type SinkMessage } from './sink.js';
import { RELEASED, SYNC_SEQ, readSyncError, syncMemory } from './syncState.js';

/** How long a sync waits for the recording thread (it may still be starting). */
const SYNC_TIMEOUT_MS = 60_000;
/** Frames the ring holds: how far (in ticks) the recording thread may fall behind before the tick waits. */
const RING_SLOTS = 32;

export interface SinkClient {
  /** Where to copy the next frame (of `size` bytes). */
  frameTarget(size: number): FrameTarget;
  send(m: SinkMessage): void;
  /** Returns when everything sent so far is written to the files. */
  sync(): void;
  close(): void;
}

export class InlineSink implements SinkClient {
  private readonly sink = new RecordingSink();
  /** Two buffers in turn: the change log holds the previous frame while the next is taken. */
  private buffers = [new Uint8Array(0), new Uint8Array(0)];
  private seq = 0;

  frameTarget(size: number): FrameTarget {
    const i = ++this.seq & 1;
    if (this.buffers[i].length < size) this.buffers[i] = new Uint8Array(size + (size >> 3));
    return { bytes: this.buffers[i], slot: -1, seq: this.seq };
  }

  send(m: SinkMessage): void {
    this.sink.handle(m);
  }

  sync(): void {
    this.sink.handle({ op: 'flush' });
  }

  close(): void {
    this.sync();
  }
}

/** Waits (blocking) until `ready()`; throws after `ms`. */
function waitShared(state: Int32Array, index: number, ready: () => boolean, what: string): void {
  const until = Date.now() + SYNC_TIMEOUT_MS;
  for (let now = Date.now(); !ready(); now = Date.now()) {
    if (now >= until) throw new Error(`the recording thread did not answer (${what})`);
    Atomics.wait(state, index, Atomics.load(state, index), Math.min(100, until - now));
  }
}

export class ThreadSink implements SinkClient {
  private readonly shared = syncMemory();
  private readonly state = new Int32Array(this.shared, 0, 4);
  private readonly worker: Worker;
  private syncs = 0;
  private frames = 0;
  private ring: Uint8Array | undefined;
  private slotBytes = 0;
  private exited: string | undefined;
  private closed = false;

  constructor() {
    this.worker = startTsWorker(new URL('./sinkThread.ts', import.meta.url), { shared: this.shared });
    // A recording thread never keeps the process alive: close() or a crash ends it.
    this.worker.unref();
    this.worker.on('error', (e) => { this.exited = e.message; });
    this.worker.on('exit', (code) => { this.exited ??= `exited with ${code}`; });
  }

  private check(): void {
    const error = readSyncError(this.shared) ?? (this.closed ? undefined : this.exited);
    if (error !== undefined) throw new Error(`the recording thread failed: ${error}`);
  }

  frameTarget(size: number): FrameTarget {
    if (!this.ring || size > this.slotBytes) {
      // A bigger ring (the world grew): the recording thread keeps the old one while it needs it.
      this.slotBytes = (size + (size >> 2) + 7) & ~7;
      this.ring = new Uint8Array(new SharedArrayBuffer(this.slotBytes * RING_SLOTS));
      this.worker.postMessage({ op: 'ring', ring: this.ring.buffer, slotBytes: this.slotBytes });
    }
    const seq = ++this.frames;
    // Frames seq-RING_SLOTS+1 .. seq-1 may still be in use: wait until the oldest is done with.
    waitShared(this.state, RELEASED, () => seq - Atomics.load(this.state, RELEASED) <= RING_SLOTS, 'frames');
    const slot = seq % RING_SLOTS;
    return { bytes: this.ring.subarray(slot * this.slotBytes, (slot + 1) * this.slotBytes), slot, seq };
  }

  send(m: SinkMessage): void {
    this.check();
    // The frame's bytes are in the ring the thread already has: only its slot crosses.
    const frame = 'frame' in m && m.frame ? { ...m.frame, bytes: undefined } : undefined;
    const transfer = 'snapshot' in m && m.snapshot ? [m.snapshot.buffer as ArrayBuffer] : [];
    this.worker.postMessage(frame ? { ...m, frame } : m, transfer);
  }

  sync(): void {
    this.check();
    const seq = ++this.syncs;
    this.worker.postMessage({ op: 'sync', seq });
    waitShared(this.state, SYNC_SEQ, () => Atomics.load(this.state, SYNC_SEQ) >= seq, this.exited ?? 'sync');
    this.check();
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    void this.worker.terminate();
  }
}
