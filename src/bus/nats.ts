// NATS backend: the bus over NATS core (the `nats` client, Debian's nats-server). Each bus is
// one NATS connection; messages are the FlatBuffers bytes, one NATS message each.
//
// The connection reconnects by itself, forever, every reconnectTimeWaitMs (plus a little
// jitter); subscriptions are re-established by the client, and publishes made while
// disconnected are buffered by the client and sent after the reconnect (unbounded while the
// outage lasts). After every reconnect the bus announces Hello again, so servers that started
// during the outage complete the handshake. NATS core is at-most-once: messages in flight when
// the connection broke, or sent while a subscriber was still disconnected, are lost; the
// bus's duplicate filter makes sure nothing is ever delivered twice.

import { connect, Events, type NatsConnection } from 'nats';

import { BusEndpoint, type BusOptions, type Transport } from './endpoint.js';

export interface NatsTransportOptions {
  /** nats://host:port, or several. */
  servers: string | string[];
  /** Wait between reconnect attempts, ms (default 100). */
  reconnectTimeWaitMs?: number;
  /** Timeout of the first connect, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Keep retrying the first connect instead of failing (default false). */
  waitOnFirstConnect?: boolean;
  /** Connection name shown by nats-server. */
  name?: string;
}

/** A raw byte connection to nats-server with the bus's reconnect policy. */
export class NatsTransport implements Transport {
  readonly nc: NatsConnection;
  private reconnectCb: () => void = () => {};
  private disconnects = 0;
  private reconnects = 0;
  private closing: Promise<void> | null = null;

  private constructor(nc: NatsConnection) {
    this.nc = nc;
    void this.watch();
  }

  static async connect(o: NatsTransportOptions): Promise<NatsTransport> {
    const nc = await connect({
      servers: o.servers,
      name: o.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectTimeWaitMs ?? 100,
      reconnectJitter: 50,
      timeout: o.connectTimeoutMs ?? 5000,
      waitOnFirstConnect: o.waitOnFirstConnect ?? false,
      // A silently dead server is noticed within ~15 s; a killed one at once (socket closes).
      pingInterval: 5000,
      maxPingOut: 3,
    });
    return new NatsTransport(nc);
  }

  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === Events.Disconnect) this.disconnects++;
        else if (s.type === Events.Reconnect) {
          this.reconnects++;
          this.reconnectCb();
        }
      }
    } catch {
      // The status iterator ends when the connection closes.
    }
  }

  publish(wireSubject: string, bytes: Uint8Array): void {
    this.nc.publish(wireSubject, bytes);
  }

  subscribe(wirePattern: string, onMessage: (wireSubject: string, bytes: Uint8Array) => void): () => void {
    const sub = this.nc.subscribe(wirePattern, {
      callback: (err, msg) => {
        if (err !== null) return;
        try {
          onMessage(msg.subject, msg.data);
        } catch (e) {
          console.error(`nats bus: subscriber of ${wirePattern} threw:`, e);
        }
      },
    });
    return () => {
      if (!sub.isClosed() && !this.nc.isClosed()) sub.unsubscribe();
    };
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  onReconnect(cb: () => void): void {
    this.reconnectCb = cb;
  }

  counters(): { disconnects: number; reconnects: number } {
    return { disconnects: this.disconnects, reconnects: this.reconnects };
  }

  /** Flushes what can be flushed within 2 s, then closes the connection. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.nc.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.nc.drain(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        }),
      ]);
    } catch {
      // draining a connection that is reconnecting can fail; close below regardless
    } finally {
      clearTimeout(timer);
    }
    if (!this.nc.isClosed()) await this.nc.close();
  }
}

export interface NatsBusOptions extends BusOptions, NatsTransportOptions {}

/** A Bus on NATS core. Create with `await NatsBus.connect(options)`. */
export class NatsBus extends BusEndpoint {
  readonly nats: NatsTransport;

  private constructor(t: NatsTransport, opts: NatsBusOptions) {
    super(t, opts);
    this.nats = t;
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const t = await NatsTransport.connect({ name: `mmo-bus ${opts.serverId}`, ...opts });
    try {
      return new NatsBus(t, opts);
    } catch (err) {
      await t.close();
      throw err;
    }
  }
}
