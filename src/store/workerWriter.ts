// The tick thread's side of the writer thread: posts requests, resolves each promise when the
// writer thread reports its commit. One thread serves requests in posting order, so commits (and
// the promises) come in that order too.

import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../runtime/index.js';
import type { StoreOptions } from './playerStore.js';
import type { NewPlayer, PlayerRow } from './players.js';
import type { WireError, WriterInit, WriterReply, WriterRequest } from './protocol.js';
import type { PackedSnapshots } from './snapshots.js';
import type { StoreFault, ZoneStore } from './zoneStore.js';

export type WorkerWriterOptions = Omit<StoreOptions, 'now'>;

/** An error raised on the writer thread (SqliteError keeps its name and code, e.g. SQLITE_BUSY). */
export class WriterError extends Error {
  readonly code: string | undefined;
  constructor(e: WireError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
  }
}

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The writer thread, run through tsx like every TypeScript worker of the project. */
function startThread(init: WriterInit): Worker {
  return startTsWorker(new URL('./writer.ts', import.meta.url), init);
}

/** The SQLite ZoneStore: one connection on a writer thread of its own. */
export class WorkerWriter implements ZoneStore {
  readonly path: string;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private exited: Promise<void>;
  private dead: Error | undefined;

  /** Starts the writer thread on `path` (opening and migrating it there); resolves when it is ready. */
  static open(path: string, options: WorkerWriterOptions = {}): Promise<WorkerWriter> {
    const w = new WorkerWriter(path, options);
    return new Promise<WorkerWriter>((resolve, reject) => {
      w.waiting.set(0, {
        resolve: () => {
          w.idle();
          resolve(w);
        },
        reject,
      });
    });
  }

  private constructor(path: string, options: WorkerWriterOptions) {
    this.path = path;
    this.worker = startThread({ path, options });
    this.worker.on('message', (r: WriterReply) => this.onReply(r));
    this.worker.on('error', (e) => this.fail(e));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`store writer thread for ${path} exited (code ${code})`));
        resolve();
      });
    });
  }

  private onReply(r: WriterReply): void {
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    if (r.ok) w.resolve(r.value);
    else w.reject(new WriterError(r.error));
    this.idle();
  }

  /** A thread with nothing in flight must not keep the process alive (but closing waits for its exit). */
  private idle(): void {
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private request<T>(m: WriterRequest, transfer?: ArrayBuffer[]): Promise<T> {
    if (this.closing) return Promise.reject(new Error(`WorkerWriter for ${this.path} is closed`));
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(m.id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.worker.postMessage(m, transfer);
      } catch (e) {
        // Not sent (e.g. a detached buffer): nothing will answer it.
        this.waiting.delete(m.id);
        this.idle();
        reject(e as Error);
      }
    });
  }

  /** Requests posted and not yet answered. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /**
   * Hands the batch to the writer thread (batch.data's buffer is transferred, not copied: it is
   * detached here afterwards) and resolves with the rows updated once the transaction committed.
   */
  writeSnapshots(batch: PackedSnapshots): Promise<number> {
    const { data } = batch;
    return this.request<number>(
      { op: 'flush', id: this.nextId++, data, count: batch.count, zones: batch.zones },
      data.buffer instanceof ArrayBuffer ? [data.buffer] : undefined,
    );
  }

  /** Resolves with the new quantity once committed (after every request posted before it). */
  addItem(playerId: number, itemType: number, quantity: number): Promise<number> {
    return this.request<number>({ op: 'addItem', id: this.nextId++, playerId, itemType, quantity });
  }

  /** Resolves with the quantity left, or null when there was not enough (nothing taken). */
  removeItem(playerId: number, itemType: number, quantity: number): Promise<number | null> {
    return this.request<number | null>({ op: 'removeItem', id: this.nextId++, playerId, itemType, quantity });
  }

  /** PlayerStore.loadOrCreatePlayer on the writer thread: a join that never blocks the tick on the write lock. */
  loadOrCreatePlayer(name: string, spawn: NewPlayer): Promise<PlayerRow> {
    return this.request<PlayerRow>({ op: 'loadOrCreatePlayer', id: this.nextId++, name, spawn });
  }

  /** PlayerStore.writeStats on the writer thread. */
  writeStats(set: Record<string, number>, add: Record<string, number>): Promise<void> {
    return this.request<void>({ op: 'stats', id: this.nextId++, set, add });
  }

  /**
   * Test-only: simulates a full disk or a read-only file on the writer's connection until
   * cleared with null (see writer.ts). Ordered after every request posted before it.
   */
  injectFault(fault: StoreFault): Promise<void> {
    return this.request<void>({ op: 'fault', id: this.nextId++, fault });
  }

  /** Lets every request posted so far finish, closes the connection and ends the thread. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.dead) {
      this.closing = this.exited;
      return this.closing;
    }
    const closed = this.request<void>({ op: 'close', id: this.nextId++ });
    this.closing = closed.then(() => this.exited, async (e: unknown) => {
      await this.exited;
      throw e;
    });
    return this.closing;
  }
}
