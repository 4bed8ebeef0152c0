// Attacks on a world's bus, against a real nats-server running the config `mmo world --nats auto`
// generates (one user per zone, worldNats.ts), as an outsider and as a local user holding one
// zone's credentials would try them. Every attack is performed and shown to fail:
// no credentials or a wrong password: no connection; `>`: refused; zone-2's credentials cannot
// publish as zone-1 nor read zone-1's transfers; an impostor leaving does not cut the real
// server off; garbage on an allowed subject is dropped and counted.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { NatsBus, NatsTransport, encodeBusMessage, startNatsServer, wireSubject, type Bus, type BusPayload, type MessageMeta, type NatsServer, type NatsUser, type Transport } from '../../src/bus/index.js';
import { worldLayout } from '../../src/cli/world.js';
import { credentialsOf, worldNatsUsers } from '../../src/cli/worldNats.js';
import { waitFor } from './contract.js';
import { HAVE_NATS, natsAvailability } from './natsAvailable.js';

natsAvailability('test/bus/natsAttack.test.ts');

const transfer = (from: number, to: number, id: string): BusPayload => ({
  type: 'playerTransfer', transferId: id, playerId: 7, name: 'victim', fromZone: from, toZone: to,
  state: { x: 150, y: 50, level: 9, hp: 80, maxHp: 100, mana: 5, maxMana: 10 }, inventory: [{ itemType: 3, quantity: 5000 }],
});

describe.skipIf(!HAVE_NATS)('attacks on a world\'s nats-server (3 zones, generated config)', () => {
  let server: NatsServer;
  let users: NatsUser[];
  const open: (Bus | Transport)[] = [];

  beforeAll(async () => {
    users = worldNatsUsers(worldLayout(3, 100, '127.0.0.1', [1, 2, 3]));
    server = await startNatsServer({ users });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function zone(id: string): Promise<NatsBus> {
    const b = await NatsBus.connect({ servers: server.url, serverId: id, ...credentialsOf(users, id) });
    open.push(b);
    return b;
  }
  async function rawAs(id: string): Promise<NatsTransport> {
    const t = await NatsTransport.connect({ servers: server.url, ...credentialsOf(users, id) });
    open.push(t);
    return t;
  }
  function record(bus: Bus, subject: string): { msg: BusPayload; meta: MessageMeta }[] {
    const got: { msg: BusPayload; meta: MessageMeta }[] = [];
    bus.subscribe(subject, (msg, meta) => got.push({ msg, meta }));
    return got;
  }

  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a client without credentials, or with a wrong password, cannot connect', async () => {
    await expect(NatsTransport.connect({ servers: server.url, connectTimeoutMs: 2000 })).rejects.toThrow(/AUTHORIZATION_VIOLATION|Authorization Violation/i);
    await expect(NatsTransport.connect({ servers: server.url, user: 'zone-1', pass: 'guess', connectTimeoutMs: 2000 })).rejects.toThrow(/AUTHORIZATION_VIOLATION|Authorization Violation/i);
    await expect(NatsTransport.connect({ servers: server.url, user: 'master', pass: credentialsOf(users, 'zone-1').pass, connectTimeoutMs: 2000 })).rejects.toThrow(/AUTHORIZATION_VIOLATION|Authorization Violation/i);
  });

  it('a local client holding a zone\'s credentials cannot subscribe to `>` (and so reads no transfer in clear)', async () => {
    const [z1, z2] = [await zone('zone-1'), await zone('zone-2')];
    const mine = record(z1, 'zone.1.transfer');
    await z1.flush();
    const spy = await rawAs('zone-3');
    const sniffed: string[] = [];
    spy.subscribe('>', (s) => sniffed.push(s));
    spy.subscribe('mmo.>', (s) => sniffed.push(s));
    await spy.flush();
    await waitFor(() => spy.counters().refused >= 2, 'both subscriptions refused');
    z2.publish('zone.1.transfer', transfer(2, 1, 'zone-2-a'));
    await waitFor(() => mine.length === 1, 'the real transfer');
    await spy.flush();
    expect(sniffed).toEqual([]);
  });

  it('zone-2\'s credentials cannot publish as zone-1: PERMISSIONS_VIOLATION, the message dropped', async () => {
    const z3 = await zone('zone-3');
    const got = record(z3, 'zone.3.>');
    await z3.flush(); // subscribed at the server before any attack
    const impostor = await rawAs('zone-2');
    // A forged transfer "from zone-1", and a forged ack for a transfer zone-3 might have sent to zone-1.
    impostor.publish(wireSubject('mmo', 'zone-1', 'zone.3.transfer'), encodeBusMessage(transfer(1, 3, 'zone-1-forged')));
    impostor.publish(wireSubject('mmo', 'zone-1', 'zone.3.transferAck'), encodeBusMessage({ type: 'transferAck', transferId: 'zone-3-x', accepted: true, reason: '' }));
    await impostor.flush();
    await waitFor(() => impostor.counters().refused === 2, 'two permission violations');
    // As itself it is heard, and named as itself.
    impostor.publish(wireSubject('mmo', 'zone-2', 'zone.3.transfer'), encodeBusMessage(transfer(2, 3, 'zone-2-b')));
    await waitFor(() => got.length === 1, 'the honest one');
    expect(got.map((g) => g.meta)).toEqual([{ from: 'zone-2', subject: 'zone.3.transfer' }]);
  });

  it('zone-2\'s credentials cannot read zone-1\'s transfers', async () => {
    const [z1, z3] = [await zone('zone-1'), await zone('zone-3')];
    const real = record(z1, 'zone.1.transfer');
    await z1.flush();
    const spy = await zone('zone-2');
    const stolen = record(spy, 'zone.1.transfer');
    const stolenAll = record(spy, 'zone.*.transfer');
    await spy.flush();
    await waitFor(() => spy.stats().refused >= 2, 'both subscriptions refused');
    const raw = await rawAs('zone-2');
    const rawStolen: string[] = [];
    raw.subscribe('mmo.from.zone-3.zone.1.transfer', (s) => rawStolen.push(s));
    await raw.flush();
    await waitFor(() => raw.counters().refused >= 1, 'the raw subscription refused');
    z3.publish('zone.1.transfer', transfer(3, 1, 'zone-3-c'));
    await waitFor(() => real.length === 1, 'zone-1 gets it');
    await spy.flush();
    expect([stolen, stolenAll, rawStolen]).toEqual([[], [], []]);
  });

  it('an impostor leaving does not cut the real server off', async () => {
    const [z1, z2] = [await zone('zone-1'), await zone('zone-2')];
    const at2 = record(z2, 'zone.2.>');
    await z2.flush();
    z1.publish('zone.2.transfer', transfer(1, 2, 'zone-1-before'));
    await waitFor(() => at2.length === 1, 'before');
    // Someone with zone-3's credentials tries to be zone-1, and a second connection with zone-1's own
    // credentials (a restarted duplicate, a leaked password) comes and goes: no session to hijack.
    const impostor = await rawAs('zone-3');
    impostor.publish(wireSubject('mmo', 'zone-1', 'zone.2.transfer'), encodeBusMessage(transfer(1, 2, 'zone-1-fake')));
    await impostor.flush();
    await waitFor(() => impostor.counters().refused === 1, 'refused');
    const twin = await zone('zone-1');
    await twin.close();
    await impostor.close();
    z1.publish('zone.2.transferAck', { type: 'transferAck', transferId: 'zone-2-x', accepted: true, reason: '' });
    z1.publish('zone.2.transfer', transfer(1, 2, 'zone-1-after'));
    await waitFor(() => at2.length === 3, 'after');
    expect(at2.map((g) => [g.meta.from, g.msg.type === 'playerTransfer' ? g.msg.transferId : g.msg.type])).toEqual([
      ['zone-1', 'zone-1-before'], ['zone-1', 'transferAck'], ['zone-1', 'zone-1-after'],
    ]);
  });

  it('garbage on an allowed subject is dropped and counted; the receiver carries on', async () => {
    const z1 = await zone('zone-1');
    const got = record(z1, 'zone.1.transfer');
    await z1.flush();
    const z2raw = await rawAs('zone-2');
    const junk = [new Uint8Array(0), Buffer.from('PUB mmo.> 0'), new Uint8Array(70_000), encodeBusMessage(transfer(2, 1, 'zone-2-d')).subarray(0, 40)];
    for (const j of junk) z2raw.publish(wireSubject('mmo', 'zone-2', 'zone.1.transfer'), j);
    await waitFor(() => Object.values(z1.stats().dropped).reduce((a, b) => a + b, 0) === junk.length, 'four drops');
    expect(z1.stats().dropped.oversized).toBe(1);
    z2raw.publish(wireSubject('mmo', 'zone-2', 'zone.1.transfer'), encodeBusMessage(transfer(2, 1, 'zone-2-e')));
    await waitFor(() => got.length === 1, 'a valid one after the junk');
    expect(z2raw.counters().refused).toBe(0);
  });
});
