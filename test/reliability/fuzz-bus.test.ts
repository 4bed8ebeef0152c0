// Bus fuzz: while two honest buses (A publishes, B subscribes) exchange a numbered stream, a
// raw connection holding a third server's credentials (M: an authenticated but malicious zone)
// publishes 10,000+ hostile frames: on its own subject prefix (allowed; B hears them) and under
// A's prefix (spoofing; the broker must refuse). Frames are random bytes, empty, truncated,
// bit-flipped, extended or spliced copies of A's real messages sniffed off the wire, exact
// replays of them, text and oversized frames. Every frame comes from a PRNG seeded by
// (FUZZ_SEED, batch), so a failure replays.
//
// Checked, batch by batch: the honest stream from A arrives complete, in order and without
// duplicates (no spoofed frame ever passes as A); no handler throws; every frame M sent as
// itself is either dropped and counted by reason, or (a valid message) delivered as M; every
// spoofed frame is refused by the broker and counted there. Run on the in-process hub and on a
// real nats-server with per-server users (started here, stopped by pid; required under CI,
// skipped with a message otherwise).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InProcessBus,
  InProcessHub,
  MAX_BUS_MESSAGE_BYTES,
  NatsBus,
  NatsTransport,
  natsUser,
  publishPermission,
  startNatsServer,
  wireSubject,
  type Bus,
  type BusPayload,
  type DropReason,
  type NatsServer,
  type Transport,
} from '../../src/bus/index.js';
import { Rng } from '../../src/sim/index.js';
import { HAVE_NATS, natsAvailability } from '../bus/natsAvailable.js';

natsAvailability('test/reliability/fuzz-bus.test.ts');

const SEED = Number(process.env.FUZZ_SEED ?? 20241124) >>> 0;
const BATCHES = 22;
const FRAMES_PER_BATCH = 500;
const HONEST_PER_BATCH = 50;

interface Medium {
  namespace: string;
  bus(serverId: string): Promise<Bus>;
  /** A raw connection with server `serverId`'s credentials. */
  raw(serverId: string): Promise<Transport>;
}

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

async function waitFor(cond: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const total = (d: Record<DropReason, number>) => Object.values(d).reduce((a, b) => a + b, 0);
const honest = (n: number): BusPayload => ({ type: 'globalChat', channel: 'main', sender: 'A', text: String(n) });

type Target = 'own' | 'spoof';
type Kind = 'random' | 'empty' | 'truncated' | 'flipped' | 'extended' | 'spliced' | 'replay' | 'oversized' | 'text';

async function fuzzOn(m: Medium): Promise<void> {
  const a = await m.bus('A');
  const b = await m.bus('B');
  const raw = await m.raw('M');
  try {
    const got: number[] = [];
    let fromM = 0;
    b.subscribe('fuzz.honest', (msg: BusPayload, meta) => {
      if (meta.from === 'M') fromM++; // M may say anything valid, as itself
      else if (meta.from === 'A' && msg.type === 'globalChat') got.push(Number(msg.text));
      else throw new Error(`unexpected delivery ${JSON.stringify(msg)} from ${meta.from}`);
    });
    const ownWire = wireSubject(m.namespace, 'M', 'fuzz.honest');
    const spoofWire = wireSubject(m.namespace, 'A', 'fuzz.honest');
    // A's real messages, as they travel (only the warm-up: later the raw side hears its own junk).
    const captured: Uint8Array[] = [];
    let capturing = true;
    raw.subscribe(spoofWire, (_s, bytes) => {
      if (capturing) captured.push(new Uint8Array(bytes)); // a copy: NATS hands out a Buffer view (slice() would not copy)
    });
    await Promise.all([b.flush(), raw.flush()]);
    const warm = 20;
    for (let i = 0; i < warm; i++) a.publish('fuzz.honest', honest(i));
    await waitFor(() => got.length === warm && captured.length === warm, () => `warm-up (${got.length}/${warm})`);

    capturing = false;
    const startB = b.stats().dropped;
    let sent = warm, own = 0, spoofed = 0, oversized = 0;
    const kinds: Record<string, number> = {};
    const started = Date.now();
    for (let batch = 0; batch < BATCHES; batch++) { // to a count, however long a busy machine takes
      const r = new Rng((SEED ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0);
      for (let i = 0; i < FRAMES_PER_BATCH; i++) {
        if (i % (FRAMES_PER_BATCH / HONEST_PER_BATCH) === 0) a.publish('fuzz.honest', honest(sent++));
        const target: Target = pick(r, ['own', 'own', 'own', 'spoof']);
        const real = captured[r.int(captured.length)];
        const kind: Kind = pick(r, ['random', 'empty', 'truncated', 'flipped', 'flipped', 'extended', 'spliced', 'replay', 'oversized', 'text']);
        let bytes: Uint8Array;
        switch (kind) {
          case 'random': bytes = randomBytes(r, 1 + r.int(r.int(4) === 0 ? 4000 : 200)); break;
          case 'empty': bytes = new Uint8Array(0); break;
          case 'text': bytes = new TextEncoder().encode(pick(r, ['{"type":"globalChat"}', 'PUB x 1', '\u0000\u0000\u0000\u0000', 'ÿÿÿÿ', 'null'])); break;
          case 'truncated': bytes = real.slice(0, r.int(real.length)); break;
          case 'flipped': {
            bytes = real.slice();
            const n = 1 + r.int(4);
            for (let k = 0; k < n; k++) bytes[r.int(bytes.length)] ^= 1 + r.int(255);
            break;
          }
          case 'extended': bytes = new Uint8Array([...real, ...randomBytes(r, 1 + r.int(64))]); break;
          case 'spliced': {
            const other = captured[r.int(captured.length)];
            const cut = 1 + r.int(Math.min(real.length, other.length) - 1);
            bytes = new Uint8Array([...real.subarray(0, cut), ...other.subarray(cut)]);
            break;
          }
          case 'replay': bytes = real.slice(); break;
          case 'oversized': bytes = randomBytes(r, MAX_BUS_MESSAGE_BYTES + 1 + r.int(20_000)); break;
        }
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        if (target === 'own') {
          raw.publish(ownWire, bytes);
          own++;
          if (kind === 'oversized') oversized++;
        } else {
          raw.publish(spoofWire, bytes);
          spoofed++;
        }
      }
      await raw.flush();
      // Every frame M sent as itself dropped or delivered as M, every spoof refused, every honest message delivered.
      await waitFor(
        () => total(b.stats().dropped) - total(startB) + fromM === own && raw.counters().refused === spoofed && got.length === sent,
        () => `batch ${batch}: B dropped ${total(b.stats().dropped) - total(startB)} + delivered ${fromM} of ${own}, ` +
          `refused ${raw.counters().refused}/${spoofed}, honest ${got.length}/${sent}`,
      );
    }
    const endB = b.stats();
    const deltaB = Object.fromEntries(Object.entries(endB.dropped).map(([k, v]) => [k, v - startB[k as DropReason]]));
    console.log(`bus fuzz (${m.namespace}): ${own + spoofed} frames (${JSON.stringify(kinds)}) in ${Date.now() - started} ms; ` +
      `honest ${sent}; as M: B dropped ${JSON.stringify(deltaB)}, delivered ${fromM} valid ones; spoofed as A: ${spoofed}, all refused`);

    expect(own + spoofed).toBe(BATCHES * FRAMES_PER_BATCH);
    // The honest stream: complete, in order, nothing twice, nothing spoofed in.
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(endB.handlerErrors).toBe(0);
    expect(a.stats().handlerErrors).toBe(0);
    expect(deltaB.oversized).toBe(oversized);
    expect(total(endB.dropped) - total(startB) + fromM).toBe(own);
    expect(raw.counters().refused).toBe(spoofed);
    expect(a.stats().refused + b.stats().refused).toBe(0);
  } finally {
    await raw.close();
    await a.close();
    await b.close();
  }
}

describe(`bus fuzz (FUZZ_SEED=${SEED})`, () => {
  it('in-process hub: 10,000+ hostile frames dropped and counted or refused, the honest stream untouched', async () => {
    const hub = new InProcessHub();
    const namespace = 'fuzz';
    await fuzzOn({
      namespace,
      bus: async (serverId) => new InProcessBus({ hub, serverId, namespace }),
      raw: async (serverId) => hub.connect({ publish: [publishPermission(namespace, serverId)], subscribe: ['>'] }),
    });
  }, 600_000);

  describe.skipIf(!HAVE_NATS)('on a real nats-server', () => {
    let server: NatsServer | undefined;
    const users = ['A', 'B', 'M'].map((id) => natsUser(id, ['>']));
    const login = (id: string) => ({ user: id, pass: users.find((u) => u.user === id)!.password });
    beforeAll(async () => {
      server = await startNatsServer({ users, namespace: '*' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('NATS: 10,000+ hostile frames dropped and counted or refused, the honest stream untouched', async () => {
      const namespace = `fz${process.pid}`;
      await fuzzOn({
        namespace,
        bus: (serverId) => NatsBus.connect({ servers: server!.url, serverId, namespace, ...login(serverId) }),
        raw: (serverId) => NatsTransport.connect({ servers: server!.url, ...login(serverId) }),
      });
    }, 240_000);
  });
});
