// NATS backend: the bus over NATS core (the `nats` client, Debian's nats-server). Each bus is
// one NATS connection; messages are the FlatBuffers bytes, one NATS message each.
//
// The connection reconnects by itself, forever, every reconnectTimeWaitMs (plus a little
// jitter); subscriptions are re-established by the client, and publishes made while
// disconnected are buffered by the client and sent after the reconnect (unbounded while the
// outage lasts). NATS core is at-most-once and never duplicates: messages in flight when the
// connection broke, or sent while a subscriber was still disconnected, are lost.
//
// Identity: each server connects as its own NATS user (user/pass from the environment or an
// owner-only file, see src/cli/secrets.ts), whose permissions let it publish only under its
// own `<ns>.from.<serverId>.>` (natsConfig.ts). A publish or subscription outside them is
// refused by nats-server (PERMISSIONS_VIOLATION) and counted in stats().refused.

import { connect, ErrorCode, Events, type NatsConnection } from 'nats';

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
  /** This server's NATS user and password (authorization.users in the server config). */
  user?: string;
  pass?: string;
}

/** A raw byte connection to nats-server with the bus's reconnect policy. */
export class NatsTransport implements Transport {
  readonly nc: NatsConnection;
  private disconnects = 0;
  private reconnects = 0;
  private refused = 0;
  private closing: Promise<void> | null = null;

  private constructor(nc: NatsConnection) {
    this.nc = nc;
    void this.watch();
  }

  static async connect(o: NatsTransportOptions): Promise<NatsTransport> {
    const nc = await connect({
      servers: o.servers,
      name: o.name,
      user: o.user,
      pass: o.pass,
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

  /** Counts connection losses, reconnects and permission violations as the client reports them. */
  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === Events.Disconnect) this.disconnects++;
        else if (s.type === Events.Reconnect) this.reconnects++;
        else if (s.type === Events.Error && s.data === ErrorCode.PermissionsViolation) this.refused++;
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
        if (err !== null) return; // refused by the server (counted in watch) or closed
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

  counters(): { disconnects: number; reconnects: number; refused: number } {
    return { disconnects: this.disconnects, reconnects: this.reconnects, refused: this.refused };
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
