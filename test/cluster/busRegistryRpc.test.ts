// Registry calls over the bus (serveRegistry + BusRegistryClient), on the in-process hub and
// on a real nats-server (started here on 127.0.0.1, stopped by pid). Without nats-server
// (Debian package `nats-server`) the NATS suite fails when CI is set and is skipped, with a
// message, otherwise.

import { randomBytes } from 'node:crypto';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  InProcessBus,
  InProcessHub,
  
  NatsBus,
  NatsTransport,
  ServerType,
  encodeBusMessage,
  
  startNatsServer,
  type Bus,
  type NatsServer,
  type Transport,
} from '../../src/bus/index.js';
import {
  BusRegistryClient,
  BusRegistryError,
  REGISTRY_REQUEST_SUBJECT,
  Registry,
  bridgeLoadReports,
  publishLoad,
  serveRegistry,
  type RegistryService,
} from '../../src/cluster/index.js';
import { HAVE_NATS, natsAvailability } from '../bus/natsAvailable.js';

const SECRET = 'bus-registry-rpc-test-secret-0123';
const T0 = 1_000_000;

interface Harness {
  namespace: string;
  create(serverId: string, serverType: ServerType): Promise<Bus>;
  raw(): Promise<Transport>;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function registryOverBus(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`registry over the bus: ${name}`, () => {
    let h: Harness;
    let master: Bus;
    let zone1: Bus;
    let zone2: Bus;
    let zone9: Bus;
    let registry: Registry;
    let now: number;
    let service: RegistryService;
    const clients: BusRegistryClient[] = [];
    const raws: Transport[] = [];

    const client = (bus: Bus, timeoutMs = 3000, registryId?: string) => {
      const c = new BusRegistryClient(bus, { timeoutMs, registryId });
      clients.push(c);
      return c;
    };

    beforeEach(async () => {
      h = await makeHarness();
      master = await h.create('master', ServerType.Master);
      zone1 = await h.create('zone-1', ServerType.Zone);
      zone2 = await h.create('zone-2', ServerType.Zone);
      zone9 = await h.create('zone-9', ServerType.Zone);
      const all = [master, zone1, zone2, zone9];
      await Promise.all(all.map((b) => b.waitForPeers(all.map((x) => x.serverId))));
      registry = new Registry();
      now = T0;
      service = serveRegistry(master, registry, () => now);
      await master.flush();
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      service.stop();
      await Promise.all([master, zone1, zone2, zone9].map((b) => b.close()));
      await Promise.all(raws.splice(0).map((r) => r.close()));
    });

    it('register -> query least loaded first -> heartbeat keeps it active past 30 s -> deregister', async () => {
      const c1 = client(zone1);
      const c2 = client(zone2);
      const c9 = client(zone9);

      const r1 = await c1.register({ type: 'zone', host: '10.0.0.1', port: 9001, capacity: 200, region: 'eu' });
      expect(r1).toMatchObject({ type: 'registryReply', ok: true, total: 1 });
      expect(r1.servers).toEqual([
        { id: 'zone-1', serverType: ServerType.Zone, host: '10.0.0.1', port: 9001, region: 'eu', load: 0, capacity: 200, active: true, players: 0 },
      ]);
      await c2.register({ type: ServerType.Zone, host: '10.0.0.2', port: 9002, capacity: 100 });
      expect(registry.server('zone-2', now)).toMatchObject({ id: 'zone-2', type: 'zone', registeredAt: T0 });

      const hb = await c1.heartbeat({ load: 150, players: 150 });
      expect(hb.servers[0]).toMatchObject({ id: 'zone-1', load: 150, players: 150, active: true });
      await c2.heartbeat({ load: 10, players: 10 });

      // Anyone may query; least loaded (load / capacity) first.
      let q = await c9.query('zone');
      expect(q.servers.map((s) => [s.id, s.load])).toEqual([['zone-2', 10], ['zone-1', 150]]);
      expect(q.total).toBe(2);
      expect((await c9.query(ServerType.World)).servers).toEqual([]);

      // 20 s later zone-1 heartbeats, zone-2 does not; at 45 s only zone-1 is active.
      now = T0 + 20_000;
      await c1.heartbeat({ load: 100, players: 100 });
      now = T0 + 45_000;
      q = await c9.query('zone');
      expect(q.servers.map((s) => s.id)).toEqual(['zone-1']);
      expect(registry.servers(now).find((s) => s.id === 'zone-2')?.active).toBe(false);

      // zone-2 comes back (0.1 < 0.5: first again).
      await c2.heartbeat({ load: 10 });
      q = await c1.query('zone');
      expect(q.servers.map((s) => s.id)).toEqual(['zone-2', 'zone-1']);

      const d = await c1.deregister();
      expect(d).toMatchObject({ ok: true, servers: [], total: 0 });
      expect((await c9.query('zone')).servers.map((s) => s.id)).toEqual(['zone-2']);
      await expect(c1.deregister()).rejects.toMatchObject({ name: 'BusRegistryError', code: 'not_found', field: 'id' });

      expect(service.stats()).toMatchObject({ requests: 13, refused: 1, dropped: 0, replyFailures: 0 });
      expect(master.stats().handlerErrors).toBe(0);
      for (const c of [c1, c2, c9]) {
        expect(c.inFlight).toBe(0);
        expect(c.ignoredReplies).toBe(0); // nobody saw another server's replies
      }
    });

    it("a sender cannot register, heartbeat or deregister another server's id", async () => {
      const c1 = client(zone1);
      const c9 = client(zone9);
      await c1.register({ type: 'zone', host: '10.0.0.1', port: 9001, capacity: 200 });
      now = T0 + 1000;

      // Deregister / heartbeat act on the sender only: zone-9 is not registered.
      await expect(c9.deregister()).rejects.toMatchObject({ code: 'not_found', field: 'id', message: expect.stringContaining('zone-9') });
      await expect(c9.heartbeat({ load: 199 })).rejects.toMatchObject({ code: 'not_found', field: 'id' });
      const zone1Record = () => registry.servers(now).find((s) => s.id === 'zone-1');
      expect(zone1Record()).toMatchObject({ port: 9001, capacity: 200, load: 0, lastHeartbeat: T0 });

      // Registering, even at zone-1's endpoint, registers the sender under its bus identity:
      // a record of its own, zone-1's untouched.
      const r9 = await c9.register({ type: 'zone', host: '10.0.0.1', port: 9001, capacity: 5 });
      expect(r9.servers.map((s) => [s.id, s.capacity])).toEqual([['zone-9', 5]]);
      expect(zone1Record()).toMatchObject({ capacity: 200, lastHeartbeat: T0 });
      await c9.heartbeat({ load: 4 });
      expect(zone1Record()).toMatchObject({ load: 0, lastHeartbeat: T0 });
      await c9.deregister(); // its own record only
      expect(registry.servers(now).map((s) => s.id)).toEqual(['zone-1']);
      await c9.register({ type: 'zone', host: '10.0.0.9', port: 9009, capacity: 5 });

      // A message forged to look like zone-1's (wrong MAC) never reaches the registry.
      const raw = await h.raw();
      raws.push(raw);
      const forged = encodeBusMessage({
        from: 'zone-1',
        seq: 1_000_000,
        mac: new Uint8Array(randomBytes(32)),
        body: { type: 'registryDeregister', requestId: 1 },
      });
      const forgedBefore = master.stats().dropped.forged;
      raw.publish(`${h.namespace}.${REGISTRY_REQUEST_SUBJECT}`, forged);
      await waitFor(() => master.stats().dropped.forged > forgedBefore, 'the forged deregister to be dropped');
      expect(registry.servers(now).map((s) => s.id)).toEqual(['zone-1', 'zone-9']);
      expect(service.stats().requests).toBe(7);
    });

    it('malformed fields are answered ok:false naming the field; the handler never throws', async () => {
      const c1 = client(zone1);
      const reg = { type: 'zone' as const, host: '10.0.0.1', port: 9001, capacity: 200 };

      await expect(c1.heartbeat({ load: 1 })).rejects.toMatchObject({ code: 'not_found', field: 'id' });
      // In range on the wire, refused by the registry's own rules.
      await expect(c1.register({ ...reg, type: 'gateway' })).rejects.toMatchObject({ code: 'invalid', field: 'type' });
      await expect(c1.register({ ...reg, host: 'evil.example/x' })).rejects.toMatchObject({ code: 'invalid', field: 'host' });
      await expect(c1.register({ ...reg, host: 'a@b' })).rejects.toMatchObject({ code: 'invalid', field: 'host' });
      await expect(c1.register({ ...reg, capacity: 2_000_000 })).rejects.toMatchObject({ code: 'invalid', field: 'capacity' });
      await expect(c1.query(ServerType.Gateway)).rejects.toMatchObject({ code: 'invalid', field: 'type' });
      expect(registry.size).toBe(0);

      await c1.register({ ...reg, region: '😀'.repeat(64) });
      await expect(c1.heartbeat({ load: 2e9 })).rejects.toMatchObject({ code: 'invalid', field: 'load' });
      await expect(c1.heartbeat({ load: 1, players: 2e9 })).rejects.toMatchObject({ code: 'invalid', field: 'players' });
      expect(registry.server('zone-1', now).load).toBe(0);

      // Out of the wire's range: refused before sending (BusEncodeError as the cause).
      const before = master.stats().received;
      for (const p of [
        c1.register({ ...reg, port: 0 }),
        c1.register({ ...reg, port: 65536 }),
        c1.register({ ...reg, capacity: 0 }),
        c1.register({ ...reg, host: 'a b' }),
        c1.register({ ...reg, region: 'eu\n' }),
        c1.heartbeat({ load: -1 }),
        c1.heartbeat({ load: NaN }),
      ]) {
        await expect(p).rejects.toMatchObject({ name: 'BusRegistryError', code: 'invalid', cause: { name: 'BusEncodeError' } });
      }
      await expect(c1.register({ ...reg, type: 'wizard' as 'zone' })).rejects.toMatchObject({ code: 'invalid', field: 'type' });
      await expect(c1.query(ServerType.None)).rejects.toMatchObject({ code: 'invalid', field: 'type' });

      // A non-request on the request subject is counted, not answered.
      zone1.publish(REGISTRY_REQUEST_SUBJECT, { type: 'globalEvent', kind: 1, text: '', value: 0 });
      await waitFor(() => service.stats().dropped === 1, 'the stray message');
      expect(master.stats().received).toBe(before + 1);
      expect(master.stats().handlerErrors).toBe(0);
      expect(service.stats()).toMatchObject({ requests: 9, refused: 8, replyFailures: 0 });
    });

    it('timeouts reject; replies from anyone but registryId are ignored; close rejects pending calls', async () => {
      service.stop(); // nobody answers now
      const c1 = client(zone1, 150);
      const t = Date.now();
      const err = await c1.register({ type: 'zone', host: 'h', port: 1, capacity: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BusRegistryError);
      expect(err).toMatchObject({ code: 'timeout' });
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
      expect(c1.inFlight).toBe(0);

      // An impostor answers, but the client takes replies from the master only.
      const impostor = serveRegistry(zone9, new Registry(), () => now);
      try {
        await zone9.flush();
        const strict = client(zone2, 300, 'master');
        await expect(strict.query('zone')).rejects.toMatchObject({ code: 'timeout' });
        expect(strict.ignoredReplies).toBe(1);
        expect(impostor.stats().requests).toBeGreaterThanOrEqual(1);
        // A client without registryId takes the first authenticated answer.
        expect((await client(zone1, 3000).query('zone')).ok).toBe(true);
      } finally {
        impostor.stop();
      }

      const c2 = client(zone2, 10_000);
      const pending = c2.deregister();
      expect(c2.inFlight).toBe(1);
      c2.close();
      await expect(pending).rejects.toMatchObject({ code: 'closed' });
      await expect(c2.query('zone')).rejects.toMatchObject({ code: 'closed' });
    });

    it('the LoadReport heartbeat still applies to a server registered over the bus', async () => {
      const bridge = bridgeLoadReports(master, registry, () => now);
      try {
        await master.flush();
        await client(zone1).register({ type: 'zone', host: '10.0.0.1', port: 9001, capacity: 200 });
        now = T0 + 25_000;
        publishLoad(zone1, 50, 200);
        await waitFor(() => registry.server('zone-1', now).lastHeartbeat === now, 'the load report');
        expect(registry.server('zone-1', now).load).toBe(50);
        expect(bridge.dropped()).toBe(0);
      } finally {
        bridge.stop();
      }
    });
  });
}

registryOverBus('InProcessBus', async () => {
  const hub = new InProcessHub();
  const namespace = 'rpc';
  return {
    namespace,
    create: async (serverId, serverType) => new InProcessBus({ hub, serverId, serverType, secret: SECRET, namespace }),
    raw: async () => hub.connect(),
  };
});

natsAvailability('test/cluster/busRegistryRpc.test.ts');

describe.skipIf(!HAVE_NATS)('on a real nats-server', () => {
  let server: NatsServer | undefined;
  let n = 0;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  registryOverBus('NatsBus', async () => {
    const namespace = `reg${process.pid}n${n++}`;
    const servers = server!.url;
    return {
      namespace,
      create: (serverId, serverType) => NatsBus.connect({ servers, serverId, serverType, secret: SECRET, namespace }),
      raw: () => NatsTransport.connect({ servers }),
    };
  });
});
