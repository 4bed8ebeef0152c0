// The Bus interface and its one implementation of the protocol (handshake, MACs, duplicate
// suppression, counting), over a byte Transport: the in-process hub or a NATS connection.
//
// Delivery semantics (the same for every transport, and exactly what NATS core gives):
// - at most once: a message may be lost (no subscriber yet, a connection outage, the sender or
//   receiver not yet through the handshake) but is never delivered twice to one subscription;
// - in order per publisher and subject: messages one bus publishes on one subject reach each
//   subscriber in publish order (gaps possible, no reordering);
// - asynchronous: publish() never calls a handler, handlers never run inside publish or
//   subscribe, and a bus also receives its own messages on subjects it subscribes to;
// - subscriptions see only messages published after they were made.
//
// Trust: handlers only ever see messages that decoded and validated (codec.ts), come from a
// server that proved the shared secret in the handshake (or from this bus itself), carry a
// valid MAC under that server's current session key for the subject they arrived on, and whose
// (from, seq) this subscription has not seen. Everything else is dropped and counted by reason
// in stats().dropped (and reported to options.onDrop).
//
// Handshake (schemas/cluster.fbs): on start and after every reconnect a bus publishes Hello on
// `_bus.<ns>.hello`. A bus that verifies a Hello's proof answers HelloAck on
// `_bus.<ns>.ack.<sender>`, echoing the sender's nonce; an ack that echoes this bus's *current*
// nonce and carries a valid proof establishes the sender's session (replays cannot: the nonce is
// fresh per start). A bus that has not accepted the other side yet sets want_reply, and the
// answering ack completes the other direction: three messages for a pair.

import { HMAC_BYTES } from './specs.js';
import {
  ackProof,
  helloProof,
  messageMac,
  newNonce,
  ReplayWindow,
  sameMac,
  secretBytes,
  sessionKey,
} from './auth.js';
import {
  BusEncodeError,
  MAX_BUS_MESSAGE_BYTES,
  decodeBusMessage,
  encodeBusMessage,
  isServerId,
  locateMac,
  type CodecDropReason,
} from './codec.js';
import { ServerType, type BusBody, type BusPayload } from './messages.js';
import { ackSubject, checkNamespace, handshakeSubject, subjectProblem } from './subjects.js';

/** Why an inbound message was dropped. */
export type DropReason =
  /** Larger than MAX_BUS_MESSAGE_BYTES. */
  | 'oversized'
  /** Not a well-formed BusMessage (bounds, offsets, identifier, missing fields). */
  | CodecDropReason
  /** The sender has not completed the handshake with this bus. */
  | 'unauthenticated'
  /** MAC missing or wrong (forged `from`, tampered bytes, moved to another subject), or a
   * body naming another server than its sender. */
  | 'forged'
  /** (from, seq) already delivered to this subscription. */
  | 'duplicate'
  /** A handshake message that failed: wrong secret, stale or misaddressed ack, id clash. */
  | 'handshake';

export const DROP_REASONS: readonly DropReason[] = [
  'oversized',
  'malformed',
  'unknownType',
  'invalid',
  'unauthenticated',
  'forged',
  'duplicate',
  'handshake',
];

export interface MessageMeta {
  /** The verified sender (a server that completed the handshake, or this bus). */
  readonly from: string;
  /** The sender's sequence number of this message. */
  readonly seq: number;
  /** The subject it arrived on (without the namespace). */
  readonly subject: string;
}

export type BusHandler = (msg: BusPayload, meta: MessageMeta) => void;
export type Unsubscribe = () => void;

export interface PeerInfo {
  readonly serverId: string;
  readonly serverType: ServerType;
  /** Date.now() when its current session was accepted. */
  readonly since: number;
}

export interface BusStats {
  /** Messages this bus published. */
  published: number;
  /** Messages that arrived (any subject, before checks). */
  received: number;
  /** Messages handed to a subscription's handlers. */
  delivered: number;
  dropped: Record<DropReason, number>;
  /** Handlers that threw (the error goes to options.onHandlerError). */
  handlerErrors: number;
  /** Servers whose session this bus has accepted. */
  peers: number;
  /** Transport connection losses and re-establishments (NATS). */
  disconnects: number;
  reconnects: number;
}

/**
 * A cluster message bus. See the file header for delivery and trust semantics.
 */
export interface Bus {
  readonly serverId: string;
  readonly serverType: ServerType;
  /**
   * Publishes one message; throws BusEncodeError when a field is out of range, RangeError for
   * a bad subject, BusClosedError after close(). Never blocks and never calls a handler.
   */
  publish(subject: string, msg: BusPayload): void;
  /** Calls handler for every accepted message on subjects matching `subject` (`*`, `>`). */
  subscribe(subject: string, handler: BusHandler): Unsubscribe;
  /**
   * Resolves once the transport has processed everything done so far: subscriptions are live
   * at the server and earlier publishes have left (NATS: one PING/PONG round trip). Await it
   * between subscribe() and telling others to start publishing.
   */
  flush(): Promise<void>;
  /** Servers that completed the handshake with this bus. */
  peers(): PeerInfo[];
  /**
   * Resolves once this bus has accepted every listed server; rejects after timeoutMs (default
   * 5000) or on close. The handshake's last message precedes anything published afterwards on
   * the same connection, so once both sides' waits resolved, messages either publishes are
   * accepted by the other.
   */
  waitForPeers(serverIds: readonly string[], timeoutMs?: number): Promise<void>;
  stats(): BusStats;
  /** Stops delivery at once, then releases the transport. Idempotent. */
  close(): Promise<void>;
}

export interface BusOptions {
  /** 1..64 characters of [A-Za-z0-9_-]; unique in the cluster. */
  serverId: string;
  serverType: ServerType;
  /** The cluster's shared secret, at least 16 bytes. */
  secret: string | Uint8Array;
  /** Subject namespace (first token on the wire), default "mmo". */
  namespace?: string;
  onDrop?: (reason: DropReason, detail: string, wireSubject: string) => void;
  onPeer?: (peer: PeerInfo) => void;
  /** Default: console.error. */
  onHandlerError?: (err: unknown, subject: string) => void;
}

/** Raw byte transport under a bus. Subjects here are full wire subjects. */
export interface Transport {
  publish(wireSubject: string, bytes: Uint8Array): void;
  subscribe(wirePattern: string, onMessage: (wireSubject: string, bytes: Uint8Array) => void): () => void;
  /** Registers the callback run after the transport re-established a lost connection. */
  onReconnect(cb: () => void): void;
  counters(): { disconnects: number; reconnects: number };
  /** See Bus.flush. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class BusClosedError extends Error {
  override name = 'BusClosedError';
}

interface Peer extends PeerInfo {
  readonly nonce: string;
  readonly key: Buffer;
  /** Earlier session nonces of this server, never accepted again. */
  readonly retired: readonly string[];
}

interface SubEntry {
  readonly pattern: string;
  handlers: readonly BusHandler[];
  /** Duplicate filter per sender session. */
  readonly windows: Map<string, ReplayWindow>;
  unsub: () => void;
}

const ZERO_MAC = new Uint8Array(HMAC_BYTES);
const RETIRED_KEEP = 8;
const HELLO_ACK_MIN_INTERVAL_MS = 250;

export class BusEndpoint implements Bus {
  readonly serverId: string;
  readonly serverType: ServerType;
  readonly namespace: string;
  private readonly prefix: string;
  private readonly transport: Transport;
  private readonly secret: Buffer;
  private readonly nonce = newNonce();
  private readonly key: Buffer;
  private readonly opts: BusOptions;
  private seq = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly peerMap = new Map<string, Peer>();
  private readonly subs = new Map<string, SubEntry>();
  private readonly handshakeUnsubs: (() => void)[] = [];
  private readonly lastHelloAck = new Map<string, { nonce: string; at: number }>();
  private readonly waiters = new Set<{ check(): void; fail(err: Error): void }>();
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
    if (!Number.isInteger(opts.serverType) || opts.serverType < ServerType.Login || opts.serverType > ServerType.Gateway) {
      throw new RangeError(`serverType must be a ServerType other than None: ${String(opts.serverType)}`);
    }
    this.serverId = opts.serverId;
    this.serverType = opts.serverType;
    this.namespace = checkNamespace(opts.namespace ?? 'mmo');
    this.prefix = `${this.namespace}.`;
    this.secret = secretBytes(opts.secret);
    this.key = sessionKey(this.secret, this.serverId, this.nonce);
    this.opts = opts;
    this.transport = transport;
    const onHandshake = (s: string, b: Uint8Array) => this.onHandshake(s, b);
    this.handshakeUnsubs.push(transport.subscribe(handshakeSubject(this.namespace), onHandshake));
    this.handshakeUnsubs.push(transport.subscribe(ackSubject(this.namespace, this.serverId), onHandshake));
    transport.onReconnect(() => {
      if (!this.closed) this.announce();
    });
    this.announce();
  }

  // ------------------------------------------------------------ public API

  publish(subject: string, msg: BusPayload): void {
    if (this.closed) throw new BusClosedError(`bus ${this.serverId} is closed`);
    const problem = subjectProblem(subject, false);
    if (problem !== null) throw new RangeError(problem);
    if ((msg as BusBody)?.type === 'hello' || (msg as BusBody)?.type === 'helloAck') {
      throw new BusEncodeError('Hello and HelloAck are sent by the bus itself');
    }
    const wire = this.prefix + subject;
    const bytes = encodeBusMessage({ from: this.serverId, seq: this.seq + 1, mac: ZERO_MAC, body: msg });
    this.seq++;
    const at = locateMac(bytes);
    bytes.set(messageMac(this.key, wire, bytes, at), at);
    this.transport.publish(wire, bytes);
    this.counts.published++;
  }

  subscribe(subject: string, handler: BusHandler): Unsubscribe {
    if (this.closed) throw new BusClosedError(`bus ${this.serverId} is closed`);
    const problem = subjectProblem(subject, true);
    if (problem !== null) throw new RangeError(problem);
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    let entry = this.subs.get(subject);
    if (entry === undefined) {
      const e: SubEntry = { pattern: subject, handlers: [], windows: new Map(), unsub: () => {} };
      e.unsub = this.transport.subscribe(this.prefix + subject, (s, b) => this.onMessage(e, s, b));
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

  peers(): PeerInfo[] {
    return [...this.peerMap.values()].map(({ serverId, serverType, since }) => ({ serverId, serverType, since }));
  }

  waitForPeers(serverIds: readonly string[], timeoutMs = 5000): Promise<void> {
    const missing = () => serverIds.filter((id) => id !== this.serverId && !this.peerMap.has(id));
    if (missing().length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new BusClosedError(`bus ${this.serverId} is closed`));
    return new Promise((resolve, reject) => {
      const w = {
        check: () => {
          if (missing().length > 0) return;
          done();
          resolve();
        },
        fail: (err: Error) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(
        () => w.fail(new Error(`bus ${this.serverId}: no handshake with ${missing().join(', ')} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      this.waiters.add(w);
    });
  }

  stats(): BusStats {
    const t = this.transport.counters();
    return {
      published: this.counts.published,
      received: this.counts.received,
      delivered: this.counts.delivered,
      dropped: { ...this.counts.dropped },
      handlerErrors: this.counts.handlerErrors,
      peers: this.peerMap.size,
      disconnects: t.disconnects,
      reconnects: t.reconnects,
    };
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    for (const e of this.subs.values()) e.unsub();
    this.subs.clear();
    for (const u of this.handshakeUnsubs) u();
    for (const w of [...this.waiters]) w.fail(new BusClosedError(`bus ${this.serverId} closed`));
    this.closing = this.transport.close();
    return this.closing;
  }

  // ------------------------------------------------------------ inbound

  private drop(reason: DropReason, detail: string, wireSubject: string): void {
    this.counts.dropped[reason]++;
    this.opts.onDrop?.(reason, detail, wireSubject);
  }

  private onMessage(e: SubEntry, wireSubject: string, bytes: Uint8Array): void {
    if (this.closed || e.handlers.length === 0) return;
    this.counts.received++;
    if (bytes.byteLength > MAX_BUS_MESSAGE_BYTES) {
      return this.drop('oversized', `${bytes.byteLength} bytes`, wireSubject);
    }
    const r = decodeBusMessage(bytes);
    if (!r.ok) return this.drop(r.reason, r.detail, wireSubject);
    const { from, seq, mac, body } = r.msg;
    if (body.type === 'hello' || body.type === 'helloAck') {
      return this.drop('invalid', `${body.type} on an application subject`, wireSubject);
    }
    let key: Buffer;
    let nonce: string;
    if (from === this.serverId) {
      key = this.key;
      nonce = this.nonce;
    } else {
      const peer = this.peerMap.get(from);
      if (peer === undefined) {
        return this.drop('unauthenticated', `${from} has not completed the handshake`, wireSubject);
      }
      key = peer.key;
      nonce = peer.nonce;
    }
    if (mac === null) return this.drop('forged', `message claiming to be from ${from} has no MAC`, wireSubject);
    if (!sameMac(mac, messageMac(key, wireSubject, bytes, r.macOffset))) {
      return this.drop('forged', `bad MAC on a message claiming to be from ${from}`, wireSubject);
    }
    if ((body.type === 'serverStatus' || body.type === 'loadReport') && body.serverId !== from) {
      return this.drop('forged', `${from} sent a ${body.type} for ${body.serverId}`, wireSubject);
    }
    let w = e.windows.get(from);
    if (w === undefined || w.nonce !== nonce) {
      w = new ReplayWindow(nonce);
      e.windows.set(from, w);
    }
    if (!w.accept(seq)) return this.drop('duplicate', `${from} seq ${seq} already seen`, wireSubject);
    this.counts.delivered++;
    const meta: MessageMeta = { from, seq, subject: wireSubject.slice(this.prefix.length) };
    for (const h of e.handlers) {
      try {
        h(body, meta);
      } catch (err) {
        this.counts.handlerErrors++;
        if (this.opts.onHandlerError) this.opts.onHandlerError(err, meta.subject);
        else console.error(`bus ${this.serverId}: handler for ${meta.subject} threw:`, err);
      }
    }
  }

  private onHandshake(wireSubject: string, bytes: Uint8Array): void {
    if (this.closed) return;
    this.counts.received++;
    if (bytes.byteLength > MAX_BUS_MESSAGE_BYTES) {
      return this.drop('oversized', `${bytes.byteLength} bytes`, wireSubject);
    }
    const r = decodeBusMessage(bytes);
    if (!r.ok) return this.drop(r.reason, r.detail, wireSubject);
    const { from, body } = r.msg;
    if (body.type !== 'hello' && body.type !== 'helloAck') {
      return this.drop('invalid', `${body.type} on a handshake subject`, wireSubject);
    }
    if (body.serverId !== from) return this.drop('handshake', `from ${from} differs from server id ${body.serverId}`, wireSubject);
    if (from === this.serverId && body.nonce === this.nonce) return; // our own Hello
    const expected =
      body.type === 'hello'
        ? helloProof(this.secret, body.serverId, body.serverType, body.nonce)
        : ackProof(this.secret, body.serverId, body.serverType, body.nonce, body.to, body.echo, body.wantReply);
    if (!sameMac(body.proof, expected)) {
      return this.drop('handshake', `bad ${body.type} proof from ${from} (wrong secret?)`, wireSubject);
    }
    if (from === this.serverId) {
      return this.drop('handshake', `another server uses this server id (${from})`, wireSubject);
    }
    if (body.type === 'hello') {
      const last = this.lastHelloAck.get(from);
      const now = Date.now();
      if (last !== undefined && last.nonce === body.nonce && now - last.at < HELLO_ACK_MIN_INTERVAL_MS) return;
      this.lastHelloAck.set(from, { nonce: body.nonce, at: now });
      this.sendAck(from, body.nonce);
      return;
    }
    if (body.to !== this.serverId) return this.drop('handshake', `ack from ${from} addressed to ${body.to}`, wireSubject);
    if (body.echo !== this.nonce) {
      return this.drop('handshake', `stale ack from ${from} (does not echo the current nonce)`, wireSubject);
    }
    if (!this.accept(from, body.serverType, body.nonce)) {
      return this.drop('handshake', `ack from ${from} for a retired session`, wireSubject);
    }
    if (body.wantReply) this.sendAck(from, body.nonce);
  }

  private accept(serverId: string, serverType: ServerType, nonce: string): boolean {
    const cur = this.peerMap.get(serverId);
    if (cur !== undefined && cur.nonce === nonce) return true;
    if (cur !== undefined && cur.retired.includes(nonce)) return false;
    const peer: Peer = {
      serverId,
      serverType,
      since: Date.now(),
      nonce,
      key: sessionKey(this.secret, serverId, nonce),
      retired: cur === undefined ? [] : [...cur.retired, cur.nonce].slice(-RETIRED_KEEP),
    };
    this.peerMap.set(serverId, peer);
    for (const w of [...this.waiters]) w.check();
    this.opts.onPeer?.({ serverId, serverType, since: peer.since });
    return true;
  }

  // ------------------------------------------------------------ outbound handshake

  private announce(): void {
    const proof = helloProof(this.secret, this.serverId, this.serverType, this.nonce);
    this.sendHandshake(handshakeSubject(this.namespace), {
      type: 'hello',
      serverId: this.serverId,
      serverType: this.serverType,
      nonce: this.nonce,
      proof,
    });
  }

  private sendAck(to: string, echo: string): void {
    const wantReply = this.peerMap.get(to)?.nonce !== echo;
    const proof = ackProof(this.secret, this.serverId, this.serverType, this.nonce, to, echo, wantReply);
    this.sendHandshake(ackSubject(this.namespace, to), {
      type: 'helloAck',
      serverId: this.serverId,
      serverType: this.serverType,
      nonce: this.nonce,
      to,
      echo,
      wantReply,
      proof,
    });
  }

  private sendHandshake(wireSubject: string, body: BusBody): void {
    if (this.closed) return;
    const bytes = encodeBusMessage({ from: this.serverId, seq: this.seq + 1, mac: null, body });
    this.seq++;
    this.transport.publish(wireSubject, bytes);
  }
}
