// Simulated latency for the viewer's `?lag=MS`: a WebSocket wrapper handed to ZoneClient through
// `createSocket`. Every send, received message, close and error is held back by half the extra
// round trip, in order (one queue per direction, so nothing overtakes what came before it),
// which is what a slower link looks like to both ends.

import type { WebSocketLike } from '../client/index.js';

type Timers = {
  setTimeout(fn: () => void, ms: number): unknown;
};

/** Runs callbacks `delayMs` after they were queued, strictly in queue order. */
class DelayLine {
  private readonly queue: { at: number; run: () => void }[] = [];
  private armed = false;

  constructor(private readonly delayMs: number, private readonly now: () => number, private readonly timers: Timers) {}

  push(run: () => void): void {
    this.queue.push({ at: this.now() + this.delayMs, run });
    this.arm();
  }

  // One timer at a time, for the head of the queue: order never depends on timer ties.
  private arm(): void {
    if (this.armed || this.queue.length === 0) return;
    this.armed = true;
    this.timers.setTimeout(() => {
      this.armed = false;
      const now = this.now();
      while (this.queue.length > 0 && this.queue[0].at <= now) this.queue.shift()!.run();
      this.arm();
    }, Math.max(0, this.queue[0].at - this.now()));
  }
}

/** A socket whose traffic both ways arrives `oneWayMs` late. */
export class LaggedSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  private readonly out: DelayLine;
  private readonly in: DelayLine;

  constructor(private readonly inner: WebSocketLike, oneWayMs: number, now: () => number = () => performance.now(),
    timers: Timers = globalThis) {
    this.out = new DelayLine(oneWayMs, now, timers);
    this.in = new DelayLine(oneWayMs, now, timers);
    inner.onopen = (ev: unknown) => this.onopen?.(ev);
    inner.onmessage = (ev: { data: unknown }) => this.in.push(() => this.onmessage?.({ data: ev.data }));
    inner.onclose = (ev: unknown) => this.in.push(() => this.onclose?.(ev));
    inner.onerror = (ev: unknown) => this.in.push(() => this.onerror?.(ev));
  }

  get binaryType(): string {
    return this.inner.binaryType;
  }

  set binaryType(t: string) {
    this.inner.binaryType = t;
  }

  get readyState(): number {
    return this.inner.readyState;
  }

  /** Sends a copy later (the caller may reuse its buffer); dropped if the socket closed meanwhile. */
  send(data: Uint8Array): void {
    const copy = data.slice();
    this.out.push(() => {
      if (this.inner.readyState === 1) this.inner.send(copy);
    });
  }

  /** Closes after what was sent before it has gone out. */
  close(code?: number, reason?: string): void {
    this.out.push(() => this.inner.close(code, reason));
  }
}

/** `createSocket` for ZoneClient: real sockets of `Ctor`, with `rttMs` of extra round trip. */
export function laggedSockets(Ctor: new (url: string) => WebSocketLike, rttMs: number): (url: string) => WebSocketLike {
  return (url) => new LaggedSocket(new Ctor(url), rttMs / 2);
}
