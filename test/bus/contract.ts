// The Bus contract: one suite, run against every implementation (inProcess.test.ts,
// nats.test.ts). A harness makes buses and raw byte connections on one medium; each test gets
// a fresh harness (fresh hub / fresh subject namespace) and every bus is closed afterwards.

import { randomBytes } from 'node:crypto';

import * as flatbuffers from 'flatbuffers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  BusClosedError,
  BusEncodeError,
  ServerType,
  encodeBusMessage,
  type Bus,
  type BusPayload,
  type MessageMeta,
  type Transport,
} from '../../src/bus/index.js';
import { BusMessage } from '../../src/protocol/generated/cluster_generated.js';

export const SECRET = 'contract-test-shared-secret-0123456789';

export interface BusHarness {
  /** Subject namespace the buses of this harness use. */
  readonly namespace: string;
  create(serverId: string, opts?: { secret?: string; serverType?: ServerType }): Promise<Bus>;
  /** A raw byte connection on the same medium (to inject and sniff wire bytes). */
  raw(): Promise<Transport>;
  dispose?(): Promise<void>;
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const chat = (text: string, channel = 'main'): BusPayload => ({ type: 'globalChat', channel, sender: 'Bob', text });
const event = (value: number, kind = 1): BusPayload => ({ type: 'globalEvent', kind, text: '', value });

interface Got {
  msg: BusPayload;
  meta: MessageMeta;
}

function recorder(): { got: Got[]; handler: (msg: BusPayload, meta: MessageMeta) => void } {
  const got: Got[] = [];
  return { got, handler: (msg, meta) => got.push({ msg, meta }) };
}

export function busContract(name: string, makeHarness: () => Promise<BusHarness>): void {
  describe(`Bus contract: ${name}`, () => {
    let h: BusHarness;
    const buses: Bus[] = [];
    const raws: Transport[] = [];

    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((b) => b.close()));
      await Promise.all(raws.splice(0).map((r) => r.close()));
      await h.dispose?.();
    });

    async function bus(id: string, opts?: { secret?: string; serverType?: ServerType }): Promise<Bus> {
      const b = await h.create(id, opts);
      buses.push(b);
      return b;
    }
    async function raw(): Promise<Transport> {
      const r = await h.raw();
      raws.push(r);
      return r;
    }
    /** Two buses that completed the handshake both ways. */
    async function pair(): Promise<[Bus, Bus]> {
      const a = await bus('A', { serverType: ServerType.Zone });
      const b = await bus('B', { serverType: ServerType.Chat });
      await Promise.all([a.waitForPeers(['B']), b.waitForPeers(['A'])]);
      return [a, b];
    }
    const wire = (subject: string) => `${h.namespace}.${subject}`;
    /** Publishes a marker after `before` and waits until `on` delivered it: everything earlier has arrived. */
    async function barrier(from: Bus, on: Bus): Promise<void> {
      const tag = `barrier-${Math.random().toString(36).slice(2)}`;
      let seen = false;
      const off = on.subscribe('test.barrier', (m) => {
        if (m.type === 'globalChat' && m.text === tag) seen = true;
      });
      await on.flush();
      from.publish('test.barrier', chat(tag));
      await waitFor(() => seen, 'barrier');
      off();
    }

    it('handshake: both sides list each other with their server types', async () => {
      const [a, b] = await pair();
      expect(a.peers().map((p) => [p.serverId, p.serverType])).toEqual([['B', ServerType.Chat]]);
      expect(b.peers().map((p) => [p.serverId, p.serverType])).toEqual([['A', ServerType.Zone]]);
      expect(a.serverId).toBe('A');
      expect(a.stats().peers).toBe(1);
      // A late joiner is accepted by everyone already there.
      const c = await bus('C');
      await Promise.all([c.waitForPeers(['A', 'B']), a.waitForPeers(['C']), b.waitForPeers(['C'])]);
    });

    it('publish/subscribe: decoded message, verified sender, subject; the publisher also hears itself', async () => {
      const [a, b] = await pair();
      const rb = recorder();
      const ra = recorder();
      b.subscribe('chat.global.main', rb.handler);
      a.subscribe('chat.global.main', ra.handler);
      await Promise.all([a.flush(), b.flush()]);
      const transfer: BusPayload = {
        type: 'playerTransfer', transferId: 'A-1', playerId: 42, name: 'Åsa', fromZone: 1, toZone: 2, level: 3,
        hp: 90, maxHp: 100, mana: 10, maxMana: 50, x: 12.5, y: -3.25, inventory: [{ itemType: 3, quantity: 100 }],
      };
      a.publish('chat.global.main', chat('hello 😀'));
      a.publish('chat.global.main', transfer);
      await waitFor(() => rb.got.length === 2 && ra.got.length === 2, 'two deliveries each');
      expect(rb.got[0].msg).toEqual(chat('hello 😀'));
      expect(rb.got[1].msg).toEqual(transfer);
      expect(rb.got[0].meta).toMatchObject({ from: 'A', subject: 'chat.global.main' });
      expect(rb.got[1].meta.seq).toBeGreaterThan(rb.got[0].meta.seq);
      expect(ra.got.map((g) => g.meta.from)).toEqual(['A', 'A']);
      expect(a.stats().published).toBe(2);
    });

    it('delivery is asynchronous: never inside publish, never re-entrant', async () => {
      const [a] = await pair();
      let inPublish = false;
      let reentered = false;
      let count = 0;
      a.subscribe('ping', (m) => {
        if (inPublish) reentered = true;
        count++;
        if (m.type === 'globalEvent' && m.value < 3) {
          inPublish = true;
          a.publish('ping', event(m.value + 1));
          inPublish = false;
        }
      });
      await a.flush();
      inPublish = true;
      a.publish('ping', event(0));
      inPublish = false;
      expect(count).toBe(0);
      await waitFor(() => count === 4, 'the chain of four');
      expect(reentered).toBe(false);
    });

    it('ordering per publisher and subject, with interleaved subjects', async () => {
      const [a, b] = await pair();
      const xs: number[] = [];
      const ys: number[] = [];
      b.subscribe('ev.x', (m) => m.type === 'globalEvent' && xs.push(m.value));
      b.subscribe('ev.y', (m) => m.type === 'globalEvent' && ys.push(m.value));
      await b.flush();
      const N = 400;
      for (let i = 0; i < N; i++) {
        a.publish('ev.x', event(i));
        if (i % 2 === 0) a.publish('ev.y', event(i));
      }
      await waitFor(() => xs.length === N && ys.length === N / 2, 'all events');
      expect(xs).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(ys).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i));
    });

    it('several subscribers: other servers, two handlers on one subject, wildcards', async () => {
      const [a, b] = await pair();
      const c = await bus('C');
      await Promise.all([c.waitForPeers(['A']), a.waitForPeers(['C'])]);
      const r1 = recorder();
      const r2 = recorder();
      const rc = recorder();
      const star = recorder();
      const tail = recorder();
      b.subscribe('chat.global.main', r1.handler);
      b.subscribe('chat.global.main', r2.handler);
      c.subscribe('chat.global.main', rc.handler);
      c.subscribe('chat.global.*', star.handler);
      c.subscribe('chat.>', tail.handler);
      await Promise.all([b.flush(), c.flush()]);
      a.publish('chat.global.main', chat('one'));
      a.publish('chat.global.trade', chat('two', 'trade'));
      a.publish('chat.guild.7', { type: 'guildMessage', guildId: 7, sender: 'Ann', text: 'three' });
      await waitFor(() => tail.got.length === 3, 'the > subscriber');
      await barrier(a, b);
      await barrier(a, c);
      for (const r of [r1, r2, rc]) expect(r.got.map((g) => (g.msg as { text: string }).text)).toEqual(['one']);
      expect(star.got.map((g) => g.meta.subject)).toEqual(['chat.global.main', 'chat.global.trade']);
      expect(tail.got.map((g) => g.meta.subject)).toEqual(['chat.global.main', 'chat.global.trade', 'chat.guild.7']);
    });

    it('unsubscribe stops one handler (idempotently) and leaves the others', async () => {
      const [a, b] = await pair();
      const r1 = recorder();
      const r2 = recorder();
      const off1 = b.subscribe('s', r1.handler);
      const off2 = b.subscribe('s', r2.handler);
      await b.flush();
      a.publish('s', event(1));
      await waitFor(() => r1.got.length === 1 && r2.got.length === 1, 'first');
      off1();
      off1();
      a.publish('s', event(2));
      await waitFor(() => r2.got.length === 2, 'second');
      off2();
      await b.flush();
      a.publish('s', event(3));
      await barrier(a, b);
      expect(r1.got.map((g) => (g.msg as { value: number }).value)).toEqual([1]);
      expect(r2.got.map((g) => (g.msg as { value: number }).value)).toEqual([1, 2]);
      // Subscribing again works.
      const r3 = recorder();
      b.subscribe('s', r3.handler);
      await b.flush();
      a.publish('s', event(4));
      await waitFor(() => r3.got.length === 1, 'resubscribed');
    });

    it('a throwing handler is counted and does not stop the others', async () => {
      const [a, b] = await pair();
      const errors: unknown[] = [];
      const r = recorder();
      b.subscribe('s', () => {
        throw new Error('boom');
      });
      b.subscribe('s', r.handler);
      await b.flush();
      const origError = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      try {
        a.publish('s', event(1));
        a.publish('s', event(2));
        await waitFor(() => r.got.length === 2, 'both');
      } finally {
        console.error = origError;
      }
      expect(b.stats().handlerErrors).toBe(2);
    });

    it('handshake required: a server with the wrong secret is ignored both ways, its messages dropped and counted', async () => {
      const [a, b] = await pair();
      const rb = recorder();
      b.subscribe('chat.global.main', rb.handler);
      await b.flush();
      const rogue = await bus('R', { secret: 'not-the-cluster-secret-but-long-enough' });
      await expect(rogue.waitForPeers(['A'], 300)).rejects.toThrow(/no handshake with A/);
      expect(a.peers().map((p) => p.serverId)).toEqual(['B']);
      expect(b.peers().map((p) => p.serverId)).toEqual(['A']);
      expect(rogue.peers()).toEqual([]);
      expect(b.stats().dropped.handshake).toBeGreaterThan(0); // R's Hello: bad proof
      rogue.publish('chat.global.main', chat('let me in'));
      await waitFor(() => b.stats().dropped.unauthenticated >= 1, 'the rogue message to be dropped');
      // A server that never said Hello at all is just as unknown.
      const r = await raw();
      r.publish(wire('chat.global.main'), encodeBusMessage({ from: 'ghost', seq: 1, mac: new Uint8Array(32), body: chat('boo') }));
      await waitFor(() => b.stats().dropped.unauthenticated >= 2, 'the ghost message to be dropped');
      await barrier(a, b);
      expect(rb.got).toEqual([]);
    });

    it('forged `from`, tampering, replay and subject moves are rejected', async () => {
      const [a, b] = await pair();
      const rb = recorder();
      b.subscribe('chat.global.main', rb.handler);
      b.subscribe('chat.global.other', rb.handler);
      await b.flush();
      const r = await raw();

      // 1. A message claiming to be from A, with a made-up MAC.
      r.publish(wire('chat.global.main'), encodeBusMessage({ from: 'A', seq: 1_000_000, mac: randomBytes(32), body: chat('I am A') }));
      // 2. Claiming to be from A without any MAC.
      r.publish(wire('chat.global.main'), encodeBusMessage({ from: 'A', seq: 1_000_001, mac: null, body: chat('I am A too') }));
      await waitFor(() => b.stats().dropped.forged === 2, 'two forged drops');

      // 3. A genuine message, then its exact bytes replayed: delivered once.
      const sniffed: Uint8Array[] = [];
      r.subscribe(wire('chat.global.main'), (_s, bytes) => sniffed.push(bytes.slice()));
      await r.flush();
      a.publish('chat.global.main', chat('genuine'));
      await waitFor(() => rb.got.length === 1 && sniffed.length === 1, 'the genuine message');
      const genuine = sniffed[0];
      r.publish(wire('chat.global.main'), genuine);
      r.publish(wire('chat.global.main'), genuine);
      await waitFor(() => b.stats().dropped.duplicate === 2, 'two duplicate drops');

      // 4. The same bytes moved to another subject: the MAC covers the subject.
      r.publish(wire('chat.global.other'), genuine);
      // 5. One flipped bit in the text (structure still valid).
      const tampered = genuine.slice();
      const at = Buffer.from(tampered).indexOf(Buffer.from('genuine'));
      expect(at).toBeGreaterThan(0);
      tampered[at] ^= 0x20; // 'g' -> 'G'
      r.publish(wire('chat.global.main'), tampered);
      await waitFor(() => b.stats().dropped.forged === 4, 'two more forged drops');

      // 6. A status that names another server than its (authenticated) sender.
      const ts = recorder();
      b.subscribe('server.status', ts.handler);
      await b.flush();
      a.publish('server.status', { type: 'serverStatus', serverId: 'B', players: 1, capacity: 2, cpu: 0, memoryMb: 1, activeZones: 1 });
      a.publish('server.status', { type: 'serverStatus', serverId: 'A', players: 1, capacity: 2, cpu: 0, memoryMb: 1, activeZones: 1 });
      await waitFor(() => ts.got.length === 1, 'the honest status');
      expect(b.stats().dropped.forged).toBe(5);
      expect((ts.got[0].msg as { serverId: string }).serverId).toBe('A');

      expect(rb.got.map((g) => (g.msg as { text: string }).text)).toEqual(['genuine']);
    });

    it('malformed, garbage and oversized bytes are dropped and counted without crashing', async () => {
      const [a, b] = await pair();
      const rb = recorder();
      b.subscribe('junk', rb.handler);
      await b.flush();
      const r = await raw();
      const good = encodeBusMessage({ from: 'A', seq: 5, mac: new Uint8Array(32), body: chat('x') });
      const unknownType = good.slice();
      const bb = new flatbuffers.ByteBuffer(unknownType);
      const root = BusMessage.getRootAsBusMessage(bb);
      unknownType[root.bb_pos + bb.__offset(root.bb_pos, 10)] = 200; // body_type
      r.publish(wire('junk'), new Uint8Array(0));
      r.publish(wire('junk'), randomBytes(64));
      r.publish(wire('junk'), Buffer.from('definitely not a flatbuffer!'));
      r.publish(wire('junk'), good.subarray(0, good.length - 8));
      r.publish(wire('junk'), new Uint8Array(200_000)); // oversized
      const lenForged = good.slice();
      new DataView(lenForged.buffer).setUint32(0, 0x7ffffff0, true); // root offset far past the end
      r.publish(wire('junk'), lenForged);
      r.publish(wire('junk'), unknownType);
      const before = b.stats();
      await waitFor(() => {
        const d = b.stats().dropped;
        return d.oversized + d.malformed + d.invalid + d.unknownType >= 7;
      }, 'seven drops');
      const d = b.stats().dropped;
      expect(d.oversized).toBe(1);
      expect(d.unknownType).toBe(1);
      expect(d.malformed + d.invalid).toBe(5);
      expect(before.delivered).toBe(b.stats().delivered);
      // Still fine afterwards.
      a.publish('junk', chat('still alive'));
      await waitFor(() => rb.got.length === 1, 'a valid message after the junk');
      // Handshake subjects are just as guarded.
      r.publish(`_bus.${h.namespace}.hello`, randomBytes(128));
      r.publish(`_bus.${h.namespace}.ack.B`, new Uint8Array(100_000));
      await waitFor(() => b.stats().dropped.oversized === 2, 'handshake junk');
      expect(b.peers().map((p) => p.serverId)).toEqual(['A']);
    });

    it('publish refuses bad subjects and out-of-range messages synchronously', async () => {
      const [a] = await pair();
      expect(() => a.publish('chat.*', chat('x'))).toThrow(RangeError);
      expect(() => a.publish('_bus.hello', chat('x'))).toThrow(RangeError);
      expect(() => a.publish('a..b', chat('x'))).toThrow(RangeError);
      expect(() => a.publish('ok', chat('x'.repeat(257)))).toThrow(BusEncodeError);
      expect(() => a.publish('ok', { type: 'hello' } as unknown as BusPayload)).toThrow(BusEncodeError);
      expect(() => a.subscribe('a.>.b', () => {})).toThrow(RangeError);
      expect(a.stats().published).toBe(0);
    });

    it('a restarted server (same id, new session) is accepted again; its seq restart is not taken for duplicates', async () => {
      const [a, b] = await pair();
      const rb = recorder();
      b.subscribe('s', rb.handler);
      await b.flush();
      for (let i = 0; i < 5; i++) a.publish('s', event(i));
      await waitFor(() => rb.got.length === 5, 'first life');
      await a.close();
      buses.splice(buses.indexOf(a), 1);
      const a2 = await bus('A');
      await a2.waitForPeers(['B']);
      // B accepts A's new session when A2's ack arrives; A2 publishes until B hears it.
      let i = 100;
      await waitFor(() => {
        a2.publish('s', event(i++));
        return rb.got.length > 5;
      }, 'second life');
      const second = rb.got.slice(5);
      expect(second[0].meta.from).toBe('A');
      expect(second[0].meta.seq).toBeLessThan(rb.got[4].meta.seq + 100); // counting from 1 again
      expect(b.stats().dropped.duplicate).toBe(0);
    });

    it('close: idempotent, publish/subscribe throw, no more deliveries, the others carry on', async () => {
      const [a, b] = await pair();
      const c = await bus('C');
      await Promise.all([c.waitForPeers(['A']), a.waitForPeers(['C'])]);
      const rb = recorder();
      const rc = recorder();
      b.subscribe('s', rb.handler);
      c.subscribe('s', rc.handler);
      await Promise.all([b.flush(), c.flush()]);
      const pending = b.waitForPeers(['nobody'], 10_000).then(
        () => null,
        (e: unknown) => e,
      );
      await b.close();
      await b.close();
      expect(await pending).toBeInstanceOf(BusClosedError);
      expect(() => b.publish('s', event(1))).toThrow(BusClosedError);
      expect(() => b.subscribe('s', () => {})).toThrow(BusClosedError);
      a.publish('s', event(1));
      await waitFor(() => rc.got.length === 1, 'C still hears A');
      await sleep(20);
      expect(rb.got).toEqual([]);
    });
  });
}
