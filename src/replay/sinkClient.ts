// How a recorder reaches its sink: in its own thread (the file is there at once: tools, tests)
// or on a recording thread (a live zone: the tick thread only copies bytes and posts them).
// sync() returns once everything sent is written; close() also ends the thread.

import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../runtime/worker.js';
import { RecordingSink, type SinkMessage } from './sink.js';
import { SYNC_SEQ, readSyncError, syncMemory } from './syncState.js';

/** How long a sync waits for the recording thread (it may still be starting). */
const SYNC_TIMEOUT_MS = 60_000;

export interface SinkClient {
  send(m: SinkMessage): void;
  /** Returns when everything sent so far is written to the files. */
  sync(): void;
  close(): void;
}

export class InlineSink implements SinkClient {
  private readonly sink = new RecordingSink();

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

export class ThreadSink implements SinkClient {
  private readonly shared = syncMemory();
  private readonly state = new Int32Array(this.shared, 0, 2);
  private readonly worker: Worker;
  private seq = 0;
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

  send(m: SinkMessage): void {
    this.check();
    const transfer: ArrayBuffer[] = [];
    if ('frame' in m && m.frame) transfer.push(m.frame.buffer);
    if ('snapshot' in m && m.snapshot) transfer.push(m.snapshot.buffer as ArrayBuffer);
    this.worker.postMessage(m, transfer);
  }

  sync(): void {
    this.check();
    const seq = ++this.seq;
    this.worker.postMessage({ op: 'sync', seq });
    const until = Date.now() + SYNC_TIMEOUT_MS;
    for (let now = Date.now(); Atomics.load(this.state, SYNC_SEQ) < seq; now = Date.now()) {
      if (now >= until || this.exited !== undefined) throw new Error(`the recording thread did not answer (${this.exited ?? 'timed out'})`);
      Atomics.wait(this.state, SYNC_SEQ, Atomics.load(this.state, SYNC_SEQ), Math.min(100, until - now));
    }
    this.check();
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    void this.worker.terminate();
  }
}
