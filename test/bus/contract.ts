// The Bus contract: one suite, run against every implementation (inProcess.test.ts,
// nats.test.ts). A harness makes buses and raw byte connections on one medium, each holding the
// credentials (broker permissions) of one of CONTRACT_SERVERS; each test gets a fresh harness
// (fresh hub / fresh subject namespace) and every bus is closed afterwards.

import { randomBytes } from 'node:crypto';

import * as flatbuffers from 'flatbuffers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  BusClosedError,
  BusEncodeError,
  encodeBusMessage,
  wireSubject,
  type Bus,
  type BusPayload,
  type MessageMeta,
  type PlayerTransferBody,
  type Transport,
} from '../../src/bus/index.js';
import { BusMessage } from '../../src/protocol/generated/cluster_generated.js';

/** The servers a harness knows, with the application patterns each may subscribe to. */
export const CONTRACT_SERVERS: readonly { id: string; subscribe: readonly string[] }[] = [
  { id: 'A', subscribe: ['>'] },
  { id: 'B', subscribe: ['>'] },
  { id: 'C', subscribe: ['>'] },
  { id: 'Z2', subscribe: ['zone.2.>', 'chat.global.*'] },
];

export interface BusHarness {
  /** Subject namespace the buses of this harness use. */
  readonly namespace: string;
  /** A bus for one of CONTRACT_SERVERS, connected with its credentials. */
  create(serverId: string): Promise<Bus>;
  /** A raw byte connection with that server's credentials (to inject and sniff wire bytes). */
  raw(serverId: string): Promise<Transport>;
  dispose?(): Promise<void>;
}

/** Polls `cond` until it holds; throws naming `what` after timeoutMs. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const chat = (text: string, channel = 'main'): BusPayload => ({ type: 'globalChat', channel, sender: 'Bob', text });

interface Got {
  msg: BusPayload;
  meta: MessageMeta;
}

function recorder(): { got: Got[]; handler: (msg: BusPayload, meta: MessageMeta) => void } {
  const got: Got[] = [];
  return { got, handler: (msg, meta) => got.push({ msg, meta }) };
}

const textOf = (g: Got) => (g.msg as { text: string }).text;

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

    async function bus(id: string): Promise<Bus> {
      const b = await h.create(id);
      buses.push(b);
      return b;
    }
    async function raw(id: string): Promise<Transport> {
      const r = await h.raw(id);
      raws.push(r);
      return r;
    }
    const wire = (from: string, subject: string) => wireSubject(h.namespace, from, subject);
    /** Publishes a marker and waits until `on` delivered it: everything `from` sent earlier on `subject`'s path has arrived. */
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

    it('publish/subscribe: decoded message, sender from the subject, subject; the publisher also hears itself', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const rb = recorder();
      const ra = recorder();
      b.subscribe('chat.global.main', rb.handler);
      a.subscribe('chat.global.main', ra.handler);
      await Promise.all([a.flush(), b.flush()]);
      const transfer: PlayerTransferBody = {
        type: 'playerTransfer', transferId: 'A-1', playerId: 42, name: 'Åsa', fromZone: 1, toZone: 2,
        state: { level: 3, hp: 90, maxHp: 100, mana: 10, maxMana: 50, x: 12.5, y: -3.25 }, inventory: [{ itemType: 3, quantity: 100 }],
      };
      a.publish('chat.global.main', chat('hello 😀'));
      a.publish('chat.global.main', transfer);
      await waitFor(() => rb.got.length === 2 && ra.got.length === 2, 'two deliveries each');
      expect(rb.got[0].msg).toEqual(chat('hello 😀'));
      expect(rb.got[1].msg).toEqual(transfer);
      expect(rb.got[0].meta).toEqual({ from: 'A', subject: 'chat.global.main' });
      expect(ra.got.map((g) => g.meta.from)).toEqual(['A', 'A']);
      expect(a.stats().published).toBe(2);
      expect(a.stats().refused + b.stats().refused).toBe(0);
    });

    it('delivery is asynchronous: never inside publish, never re-entrant', async () => {
      const a = await bus('A');
      let inPublish = false;
      let reentered = false;
      let count = 0;
      a.subscribe('ping', (m) => {
        if (inPublish) reentered = true;
        count++;
        if (m.type === 'globalChat' && m.text.length < 4) {
          inPublish = true;
          a.publish('ping', chat(`${m.text}x`));
          inPublish = false;
        }
      });
      await a.flush();
      inPublish = true;
      a.publish('ping', chat('x'));
      inPublish = false;
      expect(count).toBe(0);
      await waitFor(() => count === 4, 'the chain of four');
      expect(reentered).toBe(false);
    });

    it('ordering per publisher and subject, with interleaved subjects', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const xs: number[] = [];
      const ys: number[] = [];
      b.subscribe('ev.x', (m) => m.type === 'globalChat' && xs.push(Number(m.text)));
      b.subscribe('ev.y', (m) => m.type === 'globalChat' && ys.push(Number(m.text)));
      await b.flush();
      const N = 400;
      for (let i = 0; i < N; i++) {
        a.publish('ev.x', chat(String(i)));
        if (i % 2 === 0) a.publish('ev.y', chat(String(i)));
      }
      await waitFor(() => xs.length === N && ys.length === N / 2, 'all events');
      expect(xs).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(ys).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i));
    });

    it('several subscribers: other servers, two handlers on one subject, wildcards; each message names its sender', async () => {
      const [a, b, c] = [await bus('A'), await bus('B'), await bus('C')];
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
      b.publish('chat.guild.7', chat('three'));
      await waitFor(() => tail.got.length === 3, 'the > subscriber');
      await barrier(a, b);
      await barrier(a, c);
      for (const r of [r1, r2, rc]) expect(r.got.map(textOf)).toEqual(['one']);
      expect(star.got.map((g) => g.meta.subject)).toEqual(['chat.global.main', 'chat.global.trade']);
      expect(tail.got.map((g) => [g.meta.from, g.meta.subject]).sort()).toEqual([['A', 'chat.global.main'], ['A', 'chat.global.trade'], ['B', 'chat.guild.7']]);
    });

    it('unsubscribe stops one handler (idempotently) and leaves the others', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const r1 = recorder();
      const r2 = recorder();
      const off1 = b.subscribe('s', r1.handler);
      const off2 = b.subscribe('s', r2.handler);
      await b.flush();
      a.publish('s', chat('1'));
      await waitFor(() => r1.got.length === 1 && r2.got.length === 1, 'first');
      off1();
      off1();
      a.publish('s', chat('2'));
      await waitFor(() => r2.got.length === 2, 'second');
      off2();
      await b.flush();
      a.publish('s', chat('3'));
      await barrier(a, b);
      expect(r1.got.map(textOf)).toEqual(['1']);
      expect(r2.got.map(textOf)).toEqual(['1', '2']);
      // Subscribing again works.
      const r3 = recorder();
      b.subscribe('s', r3.handler);
      await b.flush();
      a.publish('s', chat('4'));
      await waitFor(() => r3.got.length === 1, 'resubscribed');
    });

    it('a throwing handler is counted and does not stop the others', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
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
        a.publish('s', chat('1'));
        a.publish('s', chat('2'));
        await waitFor(() => r.got.length === 2, 'both');
      } finally {
        console.error = origError;
      }
      expect(b.stats().handlerErrors).toBe(2);
    });

    it('a server speaks only as itself: publishing under another server\'s prefix is refused by the broker, and the impostor leaving changes nothing', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const rb = recorder();
      b.subscribe('chat.global.main', rb.handler);
      await b.flush();
      // B's credentials, a well-formed message, A's subject.
      const impostor = await raw('B');
      impostor.publish(wire('A', 'chat.global.main'), encodeBusMessage(chat('I am A')));
      await impostor.flush();
      await waitFor(() => impostor.counters().refused >= 1, 'the broker to refuse the impostor');
      // Under its own prefix the same credentials are heard, as B.
      impostor.publish(wire('B', 'chat.global.main'), encodeBusMessage(chat('I am B')));
      await waitFor(() => rb.got.length === 1, 'the honest raw message');
      await impostor.close();
      raws.splice(raws.indexOf(impostor), 1);
      // The real A is not cut off by any of it.
      a.publish('chat.global.main', chat('the real A'));
      await waitFor(() => rb.got.length === 2, 'the real A');
      expect(rb.got.map((g) => [g.meta.from, textOf(g)])).toEqual([['B', 'I am B'], ['A', 'the real A']]);
      expect(b.stats().dropped).toEqual({ oversized: 0, malformed: 0, unknownType: 0, invalid: 0 });
    });

    it('a server subscribes only where allowed: another zone\'s transfers and `>` are refused, its own arrive', async () => {
      const [a, z2] = [await bus('A'), await bus('Z2')];
      const mine = recorder();
      const theirs = recorder();
      const everything = recorder();
      z2.subscribe('zone.2.transfer', mine.handler);
      z2.subscribe('zone.1.transfer', theirs.handler);
      z2.subscribe('>', everything.handler);
      await z2.flush();
      await waitFor(() => z2.stats().refused >= 2, 'both refusals');
      // A raw connection with the same credentials cannot sniff either.
      const sniffer = await raw('Z2');
      const sniffed: string[] = [];
      sniffer.subscribe(`${h.namespace}.from.*.zone.1.>`, (s) => sniffed.push(s));
      await sniffer.flush();
      await waitFor(() => sniffer.counters().refused >= 1, 'the sniffer refused');
      a.publish('zone.1.transfer', chat('for zone 1'));
      a.publish('zone.2.transfer', chat('for zone 2'));
      await waitFor(() => mine.got.length === 1, 'its own transfer');
      a.publish('zone.2.transfer', chat('again'));
      await waitFor(() => mine.got.length === 2, 'a second one, after the other zone\'s');
      expect(theirs.got).toEqual([]);
      expect(everything.got).toEqual([]);
      expect(sniffed).toEqual([]);
    });

    it('garbage, malformed and oversized bytes on an allowed subject are dropped and counted without crashing', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const rb = recorder();
      b.subscribe('junk', rb.handler);
      await b.flush();
      const r = await raw('A');
      const good = encodeBusMessage(chat('x'));
      const unknownType = good.slice();
      const bb = new flatbuffers.ByteBuffer(unknownType);
      const root = BusMessage.getRootAsBusMessage(bb);
      unknownType[root.bb_pos + bb.__offset(root.bb_pos, 4)] = 200; // body_type
      const lenForged = good.slice();
      new DataView(lenForged.buffer).setUint32(0, 0x7ffffff0, true); // root offset far past the end
      for (const bytes of [new Uint8Array(0), randomBytes(64), Buffer.from('definitely not a flatbuffer!'),
        good.subarray(0, good.length - 8), new Uint8Array(200_000), lenForged, unknownType]) {
        r.publish(wire('A', 'junk'), bytes);
      }
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
    });

    it('publish refuses bad subjects and out-of-range messages synchronously', async () => {
      const a = await bus('A');
      expect(() => a.publish('chat.*', chat('x'))).toThrow(RangeError);
      expect(() => a.publish('a..b', chat('x'))).toThrow(RangeError);
      expect(() => a.publish('ok', chat('x'.repeat(257)))).toThrow(BusEncodeError);
      expect(() => a.publish('ok', { type: 'hello' } as unknown as BusPayload)).toThrow(BusEncodeError);
      expect(() => a.subscribe('a.>.b', () => {})).toThrow(RangeError);
      expect(a.stats().published).toBe(0);
    });

    it('a restarted server (same id) is heard again at once', async () => {
      const [a, b] = [await bus('A'), await bus('B')];
      const rb = recorder();
      b.subscribe('s', rb.handler);
      await b.flush();
      a.publish('s', chat('first life'));
      await waitFor(() => rb.got.length === 1, 'first life');
      await a.close();
      buses.splice(buses.indexOf(a), 1);
      const a2 = await bus('A');
      a2.publish('s', chat('second life'));
      await waitFor(() => rb.got.length === 2, 'second life');
      expect(rb.got.map((g) => [g.meta.from, textOf(g)])).toEqual([['A', 'first life'], ['A', 'second life']]);
    });

    it('close: idempotent, publish/subscribe throw, no more deliveries, the others carry on', async () => {
      const [a, b, c] = [await bus('A'), await bus('B'), await bus('C')];
      const rb = recorder();
      const rc = recorder();
      b.subscribe('s', rb.handler);
      c.subscribe('s', rc.handler);
      await Promise.all([b.flush(), c.flush()]);
      await b.close();
      await b.close();
      expect(() => b.publish('s', chat('1'))).toThrow(BusClosedError);
      expect(() => b.subscribe('s', () => {})).toThrow(BusClosedError);
      await expect(b.flush()).rejects.toBeInstanceOf(BusClosedError);
      a.publish('s', chat('1'));
      await waitFor(() => rc.got.length === 1, 'C still hears A');
      await sleep(20);
      expect(rb.got).toEqual([]);
    });
  });
}
