// A zone's I/O threads, seen from its tick thread. Each thread (ioThread.ts) serves the
// connections the kernel gives it on the zone's port; here each one is a link: its two rings,
// its counters and its sockets (RemoteSocket). What the zone sends during a tick is queued in
// the rings and published once, after the tick's synchronous work, with one wake-up per thread;
// what clients send is drained at the start of each tick and whenever a thread rings (it rings
// for what wants an answer before then: a connection opened or closed, a Ping, a Hello).

import type { Worker } from 'node:worker_threads';
import { listenExclusive, startTsWorker, uWS, type Log } from '../../runtime/index.js';
import type { ZoneSocket } from '../socket.js';
import { BELL, COUNTER_ROWS, Counter, In, Out, type FromIoThread, type IoThreadInit, type OpenInfo } from './channel.js';
import { RemoteSocket, type SocketHost } from './remoteSocket.js';
import { RingReader, RingWriter, ringBuffer } from './ring.js';

/** Ring sizes per thread: a tick's frames for thousands of clients, and their inputs. */
const OUTBOUND_BYTES = 8 * 1024 * 1024;
const INBOUND_BYTES = 1024 * 1024;
/** How long a thread may take to close its sockets and end. */
const STOP_TIMEOUT_MS = 5_000;
/** How soon records that found a ring full are tried again. */
const RETRY_MS = 5;

export interface IoThreadsOptions {
  threads: number;
  host: string;
  sendBudgetBytes: number;
  /** Connections one thread may hold at once (its counter table has a row each). */
  slots: number;
  logger: Log;
}

const encoder = new TextEncoder(), decoder = new TextDecoder();

/** One I/O thread: its rings, its counters and the sockets it serves. */
class IoLink implements SocketHost {
  readonly sockets = new Map<number, RemoteSocket>();
  private readonly out: RingWriter;
  private readonly in: RingReader;
  private readonly counters: Int32Array;
  /** Bytes of frames queued per slot (a running count; the thread counts what it took). */
  private readonly queued: Int32Array;
  private flushing = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  readonly exited: Promise<number>;
  /** Resolves once the thread listens; rejects with why it could not. */
  readonly listening: Promise<void>;
  private readonly worker: Worker;

  constructor(init: IoThreadInit, private readonly open: (ws: ZoneSocket) => void, private readonly logger: Log) {
    this.out = new RingWriter(init.outbound);
    this.in = new RingReader(init.inbound);
    this.counters = new Int32Array(init.counters);
    this.queued = new Int32Array(init.slots);
    this.worker = startTsWorker(new URL('./ioThread.ts', import.meta.url), init);
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.listening = new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromIoThread) => {
        if (m === BELL) {
          this.in.hearBell();
          this.drain();
        } else if (m.type === 'listening') resolve();
        else if (m.type === 'failed') reject(new Error(m.error));
      });
      void this.exited.then((code) => reject(new Error(`an I/O thread ended while starting (exit code ${code})`)));
    });
    this.worker.on('error', (e) => logger.error({ event: 'io_thread_failed', thread: init.index, error: e.message }, 'an I/O thread failed'));
    // A thread that is gone took its connections with it.
    void this.exited.then(() => {
      for (const s of [...this.sockets.values()]) this.closed(s, 1006);
    });
  }

  send(s: RemoteSocket, bytes: Uint8Array): boolean {
    if (bytes.length > this.out.maxPayload) {
      this.logger.warn({ event: 'frame_dropped', bytes: bytes.length, most: this.out.maxPayload }, 'a frame larger than the I/O ring was dropped');
      return false;
    }
    this.out.write(Out.Send, s.id, s.slot, bytes);
    this.queued[s.slot] += bytes.length;
    this.flushSoon();
    return true;
  }

  end(s: RemoteSocket, code: number, reason: string): void {
    this.sockets.delete(s.id);
    this.out.write(Out.End, s.id, code, encoder.encode(reason));
    this.flushSoon();
  }

  ping(s: RemoteSocket): void {
    this.out.write(Out.Ping, s.id, 0);
    this.flushSoon();
  }

  /** What uWS holds unsent for the slot's socket plus what waits for it in the ring. */
  buffered(slot: number): number {
    const inRing = (this.queued[slot] - Atomics.load(this.counters, Counter.Taken * this.queued.length + slot)) | 0;
    return Atomics.load(this.counters, Counter.Buffered * this.queued.length + slot) + inRing;
  }

  /** Everything sent in this synchronous run goes out as one batch, right after it. */
  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => this.flush());
  }

  /** Publishes the batch and wakes the thread; what did not fit is tried again shortly. */
  flush(): void {
    this.flushing = false;
    if (this.out.publish(true)) this.worker.postMessage(BELL);
    if (this.out.waiting > 0) this.retry ??= setTimeout(() => { this.retry = undefined; this.flush(); }, RETRY_MS);
  }

  /** Hands what clients sent to the zone: new sockets, frames, pongs, closes. */
  drain(): void {
    this.in.drain((kind, id, arg, payload) => {
      if (kind === In.Open) return this.opened(id, arg, payload);
      const s = this.sockets.get(id);
      if (!s) return; // closed by the zone meanwhile
      const owner = s.getUserData().owner;
      if (kind === In.Message) owner?.onMessage(s, payload.slice().buffer, arg === 1);
      else if (kind === In.Pong) owner?.onPong(s, new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0, true) - performance.timeOrigin);
      else if (kind === In.Close) this.closed(s, arg);
    });
  }

  private opened(id: number, slot: number, payload: Uint8Array): void {
    const info = JSON.parse(decoder.decode(payload)) as OpenInfo;
    const s = new RemoteSocket(this, id, slot, { observer: info.observer, wholeZone: info.wholeZone, path: info.path });
    this.sockets.set(id, s);
    this.open(s);
  }

  private closed(s: RemoteSocket, code: number): void {
    this.sockets.delete(s.id);
    s.peerClosed(code);
  }

  /** Sends what is queued, then has the thread close its listen socket and connections and end. */
  async stop(): Promise<void> {
    const deadline = performance.now() + STOP_TIMEOUT_MS;
    this.flush();
    while (this.out.waiting > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, RETRY_MS));
      this.flush();
    }
    clearTimeout(this.retry);
    this.worker.postMessage({ type: 'stop' });
    const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), Math.max(0, deadline - performance.now())).unref());
    if (await Promise.race([this.exited, timer]) === 'late') {
      this.logger.error({ event: 'io_thread_stuck' }, 'an I/O thread did not end in time; terminating it');
      await this.worker.terminate();
    }
  }
}

export class IoThreads {
  private links: IoLink[] = [];

  /** @param open told of each new client socket, whichever thread it landed on. */
  constructor(private readonly o: IoThreadsOptions, private readonly open: (ws: ZoneSocket) => void) {}

  /**
   * Listens on `port` (0: a free one) with every thread; resolves with the port. The port must be
   * free of other processes: an exclusive listen proves it (a busy port is refused with
   * PortInUseError) and is closed again before the threads share it.
   */
  async start(port: number, httpPort: number): Promise<number> {
    const probe = await listenExclusive(uWS.App(), this.o.host, port);
    uWS.us_listen_socket_close(probe.socket);
    for (let index = 0; index < this.o.threads; index++) {
      const init: IoThreadInit = {
        index, host: this.o.host, port: probe.port, httpPort, slots: this.o.slots, sendBudgetBytes: this.o.sendBudgetBytes,
        outbound: ringBuffer(OUTBOUND_BYTES), inbound: ringBuffer(INBOUND_BYTES),
        counters: new SharedArrayBuffer(COUNTER_ROWS * this.o.slots * 4),
      };
      this.links.push(new IoLink(init, this.open, this.o.logger));
    }
    const started = await Promise.allSettled(this.links.map((l) => l.listening));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
    return probe.port;
  }

  /** What clients sent since the last drain (the tick takes it before stepping). */
  drain(): void {
    for (const link of this.links) link.drain();
  }

  /** Open connections on each thread. */
  connections(): number[] {
    return this.links.map((l) => l.sockets.size);
  }

  /** Every thread sends what is queued, closes its sockets and ends. */
  async stop(): Promise<void> {
    const links = this.links;
    this.links = [];
    await Promise.all(links.map((l) => l.stop()));
  }
}
