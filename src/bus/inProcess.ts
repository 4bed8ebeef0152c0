// In-process bus: several "servers" in one process talk through a shared hub that behaves
// like a NATS server on loopback, user permissions included: each connection may publish and
// subscribe only on the wire subjects its Permissions allow, and an InProcessBus's connection
// may publish only under its own `<ns>.from.<serverId>.>`, as its NATS user may. A refused
// publish is dropped and a refused subscription delivers nothing; both are counted on that
// connection (stats().refused), as nats-server reports a permissions violation. Messages
// travel as encoded bytes (the same codec as over NATS), and delivery is asynchronous: publish only enqueues, and a
// setImmediate turn delivers the queue in FIFO order, so a handler never runs inside publish
// and a handler that publishes does not recurse (its messages go out in a later turn, after
// timers and I/O had a chance to run).

import { BusEndpoint, type BusOptions, type Transport } from './endpoint.js';
import { checkNamespace, patternWithin, publishPermission, subjectMatches, wirePattern } from './subjects.js';

/** Wire subjects a connection may use (nats-server's `permissions`: allow lists, `*` and `>`). */
export interface Permissions {
  publish: readonly string[];
  subscribe: readonly string[];
}

/** No restriction (a raw test connection, or a hub user with every right). */
export const ALLOW_ALL: Permissions = { publish: ['>'], subscribe: ['>'] };

/** True when `subject` (a wire subject or pattern) lies within one of the `allowed` patterns. */
function permitted(allowed: readonly string[], subject: string): boolean {
  const tokens = subject.split('.');
  return allowed.some((a) => patternWithin(tokens, a.split('.')));
}

interface HubSub {
  readonly tokens: readonly string[];
  readonly pattern: string;
  readonly wildcard: boolean;
  readonly cb: (subject: string, bytes: Uint8Array) => void;
  active: boolean;
}

interface Pending {
  readonly subject: string;
  readonly bytes: Uint8Array;
  readonly targets: readonly HubSub[];
}

/** A message router for buses in one process (the in-process stand-in for nats-server). */
export class InProcessHub {
  /** The hub that InProcessBus uses when none is given. */
  static readonly shared = new InProcessHub();

  private readonly exact = new Map<string, Set<HubSub>>();
  private readonly wild = new Set<HubSub>();
  private queue: Pending[] = [];
  private scheduled = false;
  private delivered = 0;

  /**
   * A raw byte connection to this hub with the given permissions (what a bus runs on; tests
   * use it to inject bytes as some server would).
   */
  connect(permissions: Permissions = ALLOW_ALL): Transport {
    const mine = new Set<HubSub>();
    let closed = false;
    let refused = 0;
    return {
      publish: (subject, bytes) => {
        if (closed) throw new Error('in-process transport is closed');
        if (permitted(permissions.publish, subject)) this.publish(subject, bytes);
        else refused++;
      },
      subscribe: (pattern, cb) => {
        if (closed) throw new Error('in-process transport is closed');
        if (!permitted(permissions.subscribe, pattern)) {
          refused++;
          return () => {};
        }
        const s = this.add(pattern, cb);
        mine.add(s);
        return () => {
          mine.delete(s);
          this.remove(s);
        };
      },
      counters: () => ({ disconnects: 0, reconnects: 0, refused }),
      // Everything is registered synchronously; one turn lets the queue published so far drain.
      flush: () => new Promise<void>((r) => setImmediate(r)),
      close: async () => {
        closed = true;
        for (const s of mine) this.remove(s);
        mine.clear();
      },
    };
  }

  /** Messages delivered to subscriptions so far. */
  get deliveries(): number {
    return this.delivered;
  }

  /** Resolves after every message queued so far was delivered (and what they caused, up to `turns`). */
  async settle(turns = 10): Promise<void> {
    for (let i = 0; i < turns && (this.queue.length > 0 || this.scheduled); i++) {
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private add(pattern: string, cb: (subject: string, bytes: Uint8Array) => void): HubSub {
    const tokens = pattern.split('.');
    const wildcard = tokens.includes('*') || tokens.includes('>');
    const s: HubSub = { tokens, pattern, wildcard, cb, active: true };
    if (wildcard) this.wild.add(s);
    else {
      let set = this.exact.get(pattern);
      if (set === undefined) this.exact.set(pattern, (set = new Set()));
      set.add(s);
    }
    return s;
  }

  private remove(s: HubSub): void {
    s.active = false;
    if (s.wildcard) this.wild.delete(s);
    else {
      const set = this.exact.get(s.pattern);
      set?.delete(s);
      if (set !== undefined && set.size === 0) this.exact.delete(s.pattern);
    }
  }

  private publish(subject: string, bytes: Uint8Array): void {
    const targets: HubSub[] = [];
    const set = this.exact.get(subject);
    if (set !== undefined) for (const s of set) targets.push(s);
    if (this.wild.size > 0) {
      const tokens = subject.split('.');
      for (const s of this.wild) if (subjectMatches(s.tokens, tokens)) targets.push(s);
    }
    if (targets.length === 0) return;
    // Copy, as a network would: the publisher may reuse its buffer.
    this.queue.push({ subject, bytes: bytes.slice(), targets });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      for (const s of m.targets) {
        if (!s.active) continue;
        this.delivered++;
        try {
          s.cb(m.subject, m.bytes);
        } catch (err) {
          console.error(`in-process bus: subscriber of ${s.pattern} threw:`, err);
        }
      }
    }
  };
}

export interface InProcessBusOptions extends BusOptions {
  /** Default InProcessHub.shared. */
  hub?: InProcessHub;
  /**
   * Application patterns this server may subscribe to (as its NATS user's subscribe
   * permissions); default every subject.
   */
  subscribe?: readonly string[];
}

/** A Bus on an in-process hub (the default bus), allowed to publish only as its own server id. */
export class InProcessBus extends BusEndpoint {
  readonly hub: InProcessHub;

  constructor(opts: InProcessBusOptions) {
    const hub = opts.hub ?? InProcessHub.shared;
    const ns = checkNamespace(opts.namespace ?? 'mmo');
    super(hub.connect({
      publish: [publishPermission(ns, opts.serverId)],
      subscribe: (opts.subscribe ?? ['>']).map((p) => wirePattern(ns, p)),
    }), opts);
    this.hub = hub;
  }
}
