// Password hashing on dedicated threads. Node's async crypto.scrypt already runs off the event
// loop, but on libuv's shared pool (4 threads unless UV_THREADPOOL_SIZE is set before start):
// a login burst then queues file and DNS work behind 50 ms hashes, and on a small machine the
// 4 threads outnumber the cores and take CPU from the simulation's event loop. This pool has
// its own threads, one fewer than the cores by default (so the event loop keeps one), started
// on first use and unref'd while idle. Jobs wait in a FIFO; callers bound how many they queue
// (the gateway refuses logins past its limit).

import { availableParallelism } from 'node:os';
import type { ScryptOptions } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Posted to a hashing thread (hashWorker.mjs). */
export interface HashJob {
  password: string;
  salt: Uint8Array;
  keylen: number;
  options: ScryptOptions;
}

/** A hashing thread's answer. */
export type HashReply = { ok: true; key: Uint8Array } | { ok: false; message: string };

interface Pending {
  job: HashJob;
  resolve: (key: Buffer) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  current: (Pending & { started: number }) | undefined;
}

/** Threads a pool gets by default: the cores less one for the event loop, at least one. */
export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Assumed duration of one hash until one has been measured (scrypt N=2^14 on a laptop core). */
const FIRST_GUESS_MS = 60;

export class HashPool {
  readonly threads: number;
  private readonly idle: Thread[] = [];
  private readonly live = new Set<Thread>();
  private readonly queue: Pending[] = [];
  private meanMs = FIRST_GUESS_MS;
  private closed = false;

  constructor(threads = defaultHashThreads()) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('hash pool threads must be an integer ≥ 1');
    this.threads = threads;
  }

  /** Jobs queued or running. */
  get backlog(): number {
    return this.queue.length + this.live.size - this.idle.length;
  }

  /** How long (ms) until `jobs` jobs would be done, from the recent mean time of a hash. */
  drainMs(jobs: number): number {
    return Math.ceil(jobs / this.threads) * this.meanMs;
  }

  /** scrypt on a pool thread; rejects when the thread fails or the pool is closed. */
  scrypt(password: string, salt: Uint8Array, keylen: number, options: ScryptOptions): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('hash pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { password, salt, keylen, options }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; queued jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('hash pool is closed'));
    await Promise.all([...this.live].map((t) => t.worker.terminate()));
  }

  /** Hands queued jobs to idle threads, starting threads up to the limit. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.idle.pop() ?? (this.live.size < this.threads ? this.start() : undefined);
      if (!thread) return;
      const p = this.queue.shift()!;
      thread.current = { ...p, started: performance.now() };
      thread.worker.ref();
      thread.worker.postMessage(p.job);
    }
  }

  private start(): Thread {
    const worker = new Worker(new URL('./hashWorker.mjs', import.meta.url));
    const thread: Thread = { worker, current: undefined };
    this.live.add(thread);
    worker.on('message', (r: HashReply) => this.done(thread, r));
    worker.on('error', (e) => this.lost(thread, e));
    worker.on('exit', (code) => this.lost(thread, new Error(`hashing thread exited (code ${code})`)));
    return thread;
  }

  private done(thread: Thread, r: HashReply): void {
    const p = thread.current;
    if (!p) return;
    thread.current = undefined;
    // Exponential mean over roughly the last 20 hashes.
    this.meanMs += (performance.now() - p.started - this.meanMs) / 20;
    if (r.ok) p.resolve(Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength));
    else p.reject(new Error(`scrypt failed: ${r.message}`));
    thread.worker.unref();
    this.idle.push(thread);
    this.dispatch();
  }

  /** A thread that failed or exited: its job fails, the next job starts a new thread. */
  private lost(thread: Thread, e: Error): void {
    if (!this.live.delete(thread)) return;
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
    thread.current?.reject(e);
    thread.current = undefined;
    if (!this.closed) this.dispatch();
  }
}
