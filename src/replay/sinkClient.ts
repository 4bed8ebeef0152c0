// How a recorder reaches its sink: in its own thread (the file is there at once: tools, tests)
// or on a recording thread (a live zone). There the tick thread only queues each tick's inputs
// and hash; the queue is posted every few ticks once the tick is over (setImmediate: waking
// the thread never lands inside a tick), and the recording thread keeps its own replica of the
// world (sink.ts). sync() posts at once and returns once everything sent is written; close()
// also ends the thread; abandon() ends a failed recording without waiting for anything.

import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../runtime/worker.js';
import { serializeSnapshot, type ZoneWorld } from '../sim/index.js';
import { RecordingSink, type SinkMessage } from './sink.js';
import { ABANDONED, NEED_WORLD, SYNC_SEQ, TICKS_TAKEN, readSyncError, syncMemory, syncState } from './syncState.js';

/** How long an abandoned recording thread has to close its file before it is terminated. */
const ABANDON_GRACE_MS = 5000;
/** How long a sync waits for the recording thread (it may still be starting). */
const SYNC_TIMEOUT_MS = 60_000;
/** Ticks posted together: with chunks of 16 ticks, a crash loses at most 19 ticks (< 1 s at 20 Hz). */
const BATCH_TICKS = 4;
/** A caller that never yields (a tight loop) still posts: memory stays bounded. */
const MAX_QUEUED_TICKS = 64;
/**
 * The most a recording thread may fall behind, in seconds of ticks: one that cannot keep up (a
 * slow or stalled disk) fails the recording instead of queueing its ticks without limit.
 */
export const MAX_BACKLOG_SECONDS = 30;

export interface SinkClient {
  send(m: SinkMessage): void;
  /** Returns when everything sent so far is written to the files. */
  sync(): void;
  close(): void;
  /** Ends a recording that failed, whatever state it is in: the file closed without its end line; never throws. */
  abandon(): void;
}

export class InlineSink implements SinkClient {
  private readonly sink: RecordingSink;

  constructor(world: ZoneWorld | undefined) {
    this.sink = new RecordingSink(world);
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

  abandon(): void {
    try {
      this.sink.handle({ op: 'abandon' });
    } catch {
      // The file that failed may fail to close too: there is nothing more to do with it.
    }
  }
}

export class ThreadSink implements SinkClient {
  private readonly shared = syncMemory();
  private readonly state = syncState(this.shared);
  private readonly worker: Worker;
  private batch: (SinkMessage | { op: 'sync'; seq: number })[] = [];
  private transfer: ArrayBuffer[] = [];
  private batchTicks = 0;
  private posting = false;
  private syncs = 0;
  private exited: string | undefined;
  private closed = false;
  private ticksSent = 0;
  /** Why the recording stopped on this side (the thread fell too far behind): every later call says so. */
  private failed: string | undefined;

  /**
   * @param world the recorded world: its replica on the thread starts from its snapshot now.
   * @param maxBacklogTicks the most ticks sent and not yet taken by the thread before the recording fails.
   */
  constructor(private readonly world: ZoneWorld | undefined, private readonly maxBacklogTicks: number) {
    this.worker = startTsWorker(new URL('./sinkThread.ts', import.meta.url), { shared: this.shared });
    // A recording thread never keeps the process alive: close() or a crash ends it.
    this.worker.unref();
    this.worker.on('error', (e) => { this.exited = e.message; });
    this.worker.on('exit', (code) => { this.exited ??= `exited with ${code}`; });
    if (world) this.sendWorld();
  }

  private check(): void {
    if (this.failed !== undefined) throw new Error(this.failed);
    const error = readSyncError(this.shared) ?? (this.closed ? undefined : this.exited);
    if (error !== undefined) throw new Error(`the recording thread failed: ${error}`);
  }

  /** Counts a tick to send; past the backlog the recording fails for good (a gap would break every replay of it). */
  private countTick(): void {
    const behind = ++this.ticksSent - Atomics.load(this.state, TICKS_TAKEN);
    if (behind <= this.maxBacklogTicks) return;
    this.failed = `the recording thread fell ${behind} ticks behind (at most ${this.maxBacklogTicks}): is the disk too slow for the recording?`;
    this.check();
  }

  private sendWorld(): void {
    const snapshot = serializeSnapshot(this.world!);
    this.transfer.push(snapshot.buffer as ArrayBuffer);
    this.batch.push({ op: 'world', snapshot });
  }

  private post(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage(this.batch, this.transfer);
    this.batch = [];
    this.transfer = [];
    this.batchTicks = 0;
  }

  /** The replica went another way: it gets the live world (after the tick just sent). */
  private resync(): void {
    if (this.world && Atomics.exchange(this.state, NEED_WORLD, 0) === 1) this.sendWorld();
  }

  send(m: SinkMessage): void {
    this.check();
    if (m.op === 'end') {
      // The file's last snapshot must be the live world's: let the replica catch up and say whether it can.
      this.sync();
      this.resync();
    }
    if (m.op === 'tick') this.countTick();
    this.batch.push(m);
    if (m.op !== 'tick') return this.post();
    this.resync();
    if (++this.batchTicks >= MAX_QUEUED_TICKS) return this.post();
    if (this.batchTicks >= BATCH_TICKS && !this.posting) {
      this.posting = true;
      setImmediate(() => {
        this.posting = false;
        this.post();
      });
    }
  }

  sync(): void {
    this.check();
    const seq = ++this.syncs;
    this.batch.push({ op: 'sync', seq });
    this.post();
    const until = Date.now() + SYNC_TIMEOUT_MS;
    for (let now = Date.now(); Atomics.load(this.state, SYNC_SEQ) < seq; now = Date.now()) {
      if (now >= until) throw new Error('the recording thread did not answer');
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

  /**
   * The thread closes its file and ends at its next message, skipping what it has queued; one
   * that does not (stuck in a write) is terminated after a grace period.
   */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.state, ABANDONED, 1);
    this.worker.postMessage([]);
    setTimeout(() => void this.worker.terminate(), ABANDON_GRACE_MS).unref();
  }
}
