// Bus fuzz: while two honest buses (A publishes, B subscribes) exchange a numbered stream, a raw
// connection on the same medium publishes 10,000+ hostile frames straight onto the transport
// subjects: the application subject the honest stream uses, the handshake subject every bus
// listens on, and B's ack subject. Frames are random bytes, empty, truncated, bit-flipped,
// extended or spliced copies of A's real (signed) messages sniffed off the wire, exact replays
// of them, well-formed messages from a server that never did the handshake, and oversized
// frames. Every frame comes from a PRNG seeded by (FUZZ_SEED, batch), so a failure replays.
//
// Checked, batch by batch: the honest stream arrives complete, in order and without
// duplicates; no handler throws; every injected frame is dropped and counted exactly once per
// bus that heard it (oversized and replays under their own reasons, the rest as malformed,
// unknownType, invalid, unauthenticated or forged). Run on the in-process hub and on a real
// nats-server (started here, stopped by pid; required under CI, skipped with a message
// otherwise).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InProcessBus,
  InProcessHub,
  MAX_BUS_MESSAGE_BYTES,
  
  NatsBus,
  NatsTransport,
  ServerType,
  encodeBusMessage,
  
  startNatsServer,
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
const SECRET = 'bus-fuzz-shared-secret-0123456789abcdef';
const BATCHES = 22;
const FRAMES_PER_BATCH = 500;
const HONEST_PER_BATCH = 50;


interface Medium {
  namespace: string;
  bus(serverId: string, serverType: ServerType): Promise<Bus>;
  raw(): Promise<Transport>;
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

type Target = 'app' | 'hello' | 'ack';
type Kind = 'random' | 'empty' | 'truncated' | 'flipped' | 'extended' | 'spliced' | 'replay' | 'ghost' | 'oversized' | 'text';

async function fuzzOn(m: Medium): Promise<void> {
  const a = await m.bus('A', ServerType.Zone);
  const b = await m.bus('B', ServerType.Chat);
  const raw = await m.raw();
  try {
    await Promise.all([a.waitForPeers(['B'], 10_000), b.waitForPeers(['A'], 10_000)]);
    const handlerErrors: unknown[] = [];
    const got: number[] = [];
    b.subscribe('fuzz.honest', (msg: BusPayload, meta) => {
      if (msg.type !== 'globalEvent' || meta.from !== 'A') throw new Error(`unexpected delivery ${JSON.stringify(msg)} from ${meta.from}`);
      got.push(msg.value);
    });
    const appWire = `${m.namespace}.fuzz.honest`;
    const helloWire = `_bus.${m.namespace}.hello`;
    const ackWire = `_bus.${m.namespace}.ack.B`;
    // A's real signed messages, as they travel (only the warm-up: later the raw side hears its own junk).
    const captured: Uint8Array[] = [];
    let capturing = true;
    raw.subscribe(appWire, (_s, bytes) => {
      if (capturing) captured.push(new Uint8Array(bytes)); // a copy: NATS hands out a Buffer view (slice() would not copy)
    });
    await Promise.all([b.flush(), raw.flush()]);
    const warm = 20;
    for (let i = 0; i < warm; i++) a.publish('fuzz.honest', { type: 'globalEvent', kind: 1, text: `warm ${i}`, value: i });
    await waitFor(() => got.length === warm && captured.length === warm, () => `warm-up (${got.length}/${warm})`);

    capturing = false;
    const realHex = new Set(captured.map((c) => Buffer.from(c).toString('hex')));
    const startA = a.stats().dropped, startB = b.stats().dropped;
    let sent = warm, injected = 0, injectedToA = 0, oversized = 0, replays = 0;
    const kinds: Record<string, number> = {};
    const started = Date.now();
    for (let batch = 0; batch < BATCHES; batch++) { // to a count, however long a busy machine takes
      const r = new Rng((SEED ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0);
      for (let i = 0; i < FRAMES_PER_BATCH; i++) {
        if (i % (FRAMES_PER_BATCH / HONEST_PER_BATCH) === 0) {
          a.publish('fuzz.honest', { type: 'globalEvent', kind: 1, text: `honest ${sent}`, value: sent });
          sent++;
        }
        const target: Target = pick(r, ['app', 'app', 'app', 'app', 'hello', 'ack']);
        const real = captured[r.int(captured.length)];
        let kind: Kind = pick(r, ['random', 'empty', 'truncated', 'flipped', 'flipped', 'extended', 'spliced', 'replay', 'ghost', 'oversized', 'text']);
        // A real signed message replayed on a handshake subject is simply 'invalid'; keep replays on the app subject.
        if (kind === 'replay' && target !== 'app') kind = 'flipped';
        let bytes: Uint8Array;
        switch (kind) {
          case 'random': bytes = randomBytes(r, 1 + r.int(r.int(4) === 0 ? 4000 : 200)); break;
          case 'empty': bytes = new Uint8Array(0); break;
          case 'text': bytes = new TextEncoder().encode(pick(r, ['{"type":"globalEvent"}', 'PUB x 1', '\u0000\u0000\u0000\u0000', 'ÿÿÿÿ', 'null'])); break;
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
          case 'ghost':
            bytes = encodeBusMessage({
              from: pick(r, ['ghost', 'C', 'A-', 'zone-9']), seq: 1 + r.int(1e6), mac: randomBytes(r, 32),
              body: { type: 'globalEvent', kind: 1, text: 'boo', value: r.int(1000) },
            });
            break;
          case 'oversized': bytes = randomBytes(r, MAX_BUS_MESSAGE_BYTES + 1 + r.int(20_000)); oversized++; break;
        }
        // Whatever the recipe, a frame identical to a real message is a replay (a splice can rebuild one).
        if (target === 'app' && realHex.has(Buffer.from(bytes).toString('hex'))) replays++;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        raw.publish(target === 'app' ? appWire : target === 'hello' ? helloWire : ackWire, bytes);
        injected++;
        if (target === 'hello') injectedToA++;
      }
      await raw.flush();
      // Every injected frame dropped once by each bus that heard it, every honest message delivered.
      await waitFor(
        () => total(b.stats().dropped) - total(startB) === injected && total(a.stats().dropped) - total(startA) === injectedToA && got.length === sent,
        () => `batch ${batch}: B dropped ${total(b.stats().dropped) - total(startB)}/${injected}, A dropped ${total(a.stats().dropped) - total(startA)}/${injectedToA}, honest ${got.length}/${sent}`,
      );
    }
    const endA = a.stats(), endB = b.stats();
    const deltaB = Object.fromEntries(Object.entries(endB.dropped).map(([k, v]) => [k, v - startB[k as DropReason]]));
    const deltaA = Object.fromEntries(Object.entries(endA.dropped).map(([k, v]) => [k, v - startA[k as DropReason]]));
    console.log(`bus fuzz (${m.namespace}): ${injected} frames (${JSON.stringify(kinds)}) in ${Date.now() - started} ms; ` +
      `honest ${sent}; B dropped ${JSON.stringify(deltaB)}; A dropped ${JSON.stringify(deltaA)}`);

    expect(injected).toBe(BATCHES * FRAMES_PER_BATCH);
    // The honest stream: complete, in order, nothing twice.
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(endB.handlerErrors).toBe(0);
    expect(endA.handlerErrors).toBe(0);
    expect(handlerErrors).toEqual([]);
    // Counted by reason: oversized and replays under their own names, the rest somewhere else, nothing lost.
    const hellosOversizedAtA = deltaA.oversized;
    expect(deltaB.oversized).toBe(oversized);
    expect(deltaB.duplicate).toBe(replays);
    expect(deltaB.handshake).toBe(0);
    expect(total(endB.dropped) - total(startB)).toBe(injected);
    expect(total(endA.dropped) - total(startA)).toBe(injectedToA);
    expect(hellosOversizedAtA).toBeLessThanOrEqual(oversized);
    // Still peers, still talking.
    expect(b.peers().map((p) => p.serverId)).toEqual(['A']);
    expect(a.peers().map((p) => p.serverId)).toEqual(['B']);
  } finally {
    await raw.close();
    await a.close();
    await b.close();
  }
}

describe(`bus fuzz (FUZZ_SEED=${SEED})`, () => {
  it('in-process hub: 10,000+ hostile frames dropped and counted, the honest stream untouched', async () => {
    const hub = new InProcessHub();
    await fuzzOn({
      namespace: 'fuzz',
      bus: async (serverId, serverType) => new InProcessBus({ hub, serverId, serverType, secret: SECRET, namespace: 'fuzz' }),
      raw: async () => hub.connect(),
    });
  }, 600_000);

  describe.skipIf(!HAVE_NATS)('on a real nats-server', () => {
    let server: NatsServer | undefined;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('NATS: 10,000+ hostile frames dropped and counted, the honest stream untouched', async () => {
      const namespace = `fz${process.pid}`;
      await fuzzOn({
        namespace,
        bus: (serverId, serverType) => NatsBus.connect({ servers: server!.url, serverId, serverType, secret: SECRET, namespace }),
        raw: () => NatsTransport.connect({ servers: server!.url }),
      });
    }, 240_000);
  });
});
