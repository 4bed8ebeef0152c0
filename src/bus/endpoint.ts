// The Bus interface and its one implementation over a byte Transport: the in-process hub or a
// NATS connection.
//
// Delivery semantics (the same for every transport, and exactly what NATS core gives):
// - at most once: a message may be lost (no subscriber yet, a connection outage) but is never
//   delivered twice to one subscription;
// - in order per publisher and subject: messages one bus publishes on one subject reach each
//   subscriber in publish order (gaps possible, no reordering);
// - asynchronous: publish() never calls a handler, handlers never run inside publish or
//   subscribe, and a bus also receives its own messages on subjects it subscribes to;
// - subscriptions see only messages published after they were made.
//
// Trust: a bus publishes subject S on `<ns>.from.<serverId>.S` (subjects.ts), and the broker
// lets it publish only under its own prefix (nats-server user permissions; the in-process
// hub's permissions). So `meta.from` is the sender the broker authenticated. Handlers only see
// messages that decoded and validated (codec.ts); everything else is dropped and counted by
// reason in stats().dropped (and reported to options.onDrop). What the broker refused this
// bus (a publish or subscribe outside its permissions) is counted in stats().refused.

import { MAX_BUS_MESSAGE_BYTES, decodeBusMessage, encodeBusMessage, type CodecDropReason } from './codec.js';
import type { BusPayload } from './messages.js';
import { checkNamespace, isServerId, splitWireSubject, subjectProblem, wirePattern, wireSubject } from './subjects.js';

/** Why an inbound message was dropped. */
export type DropReason =
  /** Larger than MAX_BUS_MESSAGE_BYTES. */
  | 'oversized'
  /** Not a well-formed BusMessage, an unknown body type, or a field out of range. */
  | CodecDropReason;

export const DROP_REASONS: readonly DropReason[] = ['oversized', 'malformed', 'unknownType', 'invalid'];

export interface MessageMeta {
  /** The sender: the server id in the subject the broker let it publish on. */
  readonly from: string;
  /** The application subject it arrived on. */
  readonly subject: string;
}

export type BusHandler = (msg: BusPayload, meta: MessageMeta) => void;
export type Unsubscribe = () => void;

export interface BusStats {
  /** Messages this bus published. */
  published: number;
  /** Messages that arrived (any subscription, before checks). */
  received: number;
  /** Messages handed to a subscription's handlers. */
  delivered: number;
  dropped: Record<DropReason, number>;
  /** Handlers that threw (the error goes to options.onHandlerError). */
  handlerErrors: number;
  /** Publishes and subscriptions the broker refused (outside this server's permissions). */
  refused: number;
  /** Transport connection losses and re-establishments (NATS). */
  disconnects: number;
  reconnects: number;
}

/** A cluster message bus. See the file header for delivery and trust semantics. */
export interface Bus {
  readonly serverId: string;
  /**
   * Publishes one message as this server; throws BusEncodeError when a field is out of range,
   * RangeError for a bad subject, BusClosedError after close(). Never blocks and never calls a
   * handler.
   */
  publish(subject: string, msg: BusPayload): void;
  /** Calls handler for every accepted message on subjects matching `subject` (`*`, `>`), from any server. */
  subscribe(subject: string, handler: BusHandler): Unsubscribe;
  /**
   * Resolves once the transport has processed everything done so far: subscriptions are live
   * at the server and earlier publishes have left (NATS: one PING/PONG round trip). Await it
   * between subscribe() and telling others to start publishing.
   */
  flush(): Promise<void>;
  stats(): BusStats;
  /** Stops delivery at once, then releases the transport. Idempotent. */
  close(): Promise<void>;
}

export interface BusOptions {
  /** 1..64 characters of [A-Za-z0-9_-]; the broker must let it publish under its prefix. */
  serverId: string;
  /** Subject namespace (first token on the wire), default "mmo". */
  namespace?: string;
  onDrop?: (reason: DropReason, detail: string, wireSubject: string) => void;
  /** Default: console.error. */
  onHandlerError?: (err: unknown, subject: string) => void;
}

/** Raw byte transport under a bus. Subjects here are full wire subjects. */
export interface Transport {
  publish(wireSubject: string, bytes: Uint8Array): void;
  subscribe(wirePattern: string, onMessage: (wireSubject: string, bytes: Uint8Array) => void): () => void;
  /** Connection losses, re-establishments, and operations the broker refused. */
  counters(): { disconnects: number; reconnects: number; refused: number };
  /** See Bus.flush. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class BusClosedError extends Error {
  override name = 'BusClosedError';
}

interface SubEntry {
  handlers: readonly BusHandler[];
  unsub: () => void;
}

/** The bus on a transport whose broker authenticated it as `serverId`. */
export class BusEndpoint implements Bus {
  readonly serverId: string;
  readonly namespace: string;
  private readonly transport: Transport;
  private readonly opts: BusOptions;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly subs = new Map<string, SubEntry>();
  private readonly counts = {
    published: 0,
    received: 0,
    delivered: 0,
    handlerErrors: 0,
    dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>,
  };

  constructor(transport: Transport, opts: BusOptions) {
    if (!isServerId(opts.serverId)) {
      throw new RangeError(`serverId must be 1..64 characters of [A-Za-z0-9_-]: ${String(opts.serverId)}`);
    }
    this.serverId = opts.serverId;
    this.namespace = checkNamespace(opts.namespace ?? 'mmo');
    this.opts = opts;
    this.transport = transport;
  }

  /** Encodes and sends under this server's own prefix (the only one the broker lets it use). */
  publish(subject: string, msg: BusPayload): void {
    if (this.closed) throw new BusClosedError(`bus ${this.serverId} is closed`);
    const problem = subjectProblem(subject, false);
    if (problem !== null) throw new RangeError(problem);
    this.transport.publish(wireSubject(this.namespace, this.serverId, subject), encodeBusMessage(msg));
    this.counts.published++;
  }

  /** One transport subscription per pattern, shared by its handlers. */
  subscribe(subject: string, handler: BusHandler): Unsubscribe {
    if (this.closed) throw new BusClosedError(`bus ${this.serverId} is closed`);
    const problem = subjectProblem(subject, true);
    if (problem !== null) throw new RangeError(problem);
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    let entry = this.subs.get(subject);
    if (entry === undefined) {
      const e: SubEntry = { handlers: [], unsub: () => {} };
      e.unsub = this.transport.subscribe(wirePattern(this.namespace, subject), (s, b) => this.onMessage(e, s, b));
      this.subs.set(subject, e);
      entry = e;
    }
    const e = entry;
    e.handlers = [...e.handlers, handler];
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const i = e.handlers.indexOf(handler);
      if (i >= 0) e.handlers = [...e.handlers.slice(0, i), ...e.handlers.slice(i + 1)];
      if (e.handlers.length === 0 && this.subs.get(subject) === e) {
        this.subs.delete(subject);
        e.unsub();
      }
    };
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError(`bus ${this.serverId} is closed`));
    return this.transport.flush();
  }

  stats(): BusStats {
    const t = this.transport.counters();
    return {
      published: this.counts.published,
      received: this.counts.received,
      delivered: this.counts.delivered,
      dropped: { ...this.counts.dropped },
      handlerErrors: this.counts.handlerErrors,
      refused: t.refused,
      disconnects: t.disconnects,
      reconnects: t.reconnects,
    };
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    for (const e of this.subs.values()) e.unsub();
    this.subs.clear();
    this.closing = this.transport.close();
    return this.closing;
  }

  /** Counts a refused inbound message and tells options.onDrop. */
  private drop(reason: DropReason, detail: string, wire: string): void {
    this.counts.dropped[reason]++;
    this.opts.onDrop?.(reason, detail, wire);
  }

  /** Decodes one inbound message and hands it, with its sender from the subject, to the handlers. */
  private onMessage(e: SubEntry, wire: string, bytes: Uint8Array): void {
    if (this.closed || e.handlers.length === 0) return;
    this.counts.received++;
    if (bytes.byteLength > MAX_BUS_MESSAGE_BYTES) return this.drop('oversized', `${bytes.byteLength} bytes`, wire);
    const r = decodeBusMessage(bytes);
    if (!r.ok) return this.drop(r.reason, r.detail, wire);
    // The transport only hands over subjects matching wirePattern, so this always splits.
    const meta: MessageMeta = splitWireSubject(this.namespace, wire)!;
    this.counts.delivered++;
    for (const h of e.handlers) {
      try {
        h(r.body, meta);
      } catch (err) {
        this.counts.handlerErrors++;
        if (this.opts.onHandlerError) this.opts.onHandlerError(err, meta.subject);
        else console.error(`bus ${this.serverId}: handler for ${meta.subject} threw:`, err);
      }
    }
  }
}
