// The Bus contract on NATS (a real nats-server started here from a generated config with one
// user per contract server, on 127.0.0.1, stopped by pid), the nats-server helper, and a server
// restart under load. The users' permissions are written for namespace `*`, so that each test
// can use a fresh namespace on the one server.
//
// Without nats-server (Debian package `nats-server`) the NATS parts fail when CI is set and
// are skipped, with a message, otherwise.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { statSync } from 'node:fs';
import { dirname } from 'node:path';

import {
  NatsBus,
  NatsServerMissingError,
  NatsTransport,
  natsUser,
  startNatsServer,
  type NatsServer,
  type NatsUser,
} from '../../src/bus/index.js';
import { CONTRACT_SERVERS, busContract, sleep, waitFor } from './contract.js';
import { HAVE_NATS, natsAvailability } from './natsAvailable.js';

natsAvailability('test/bus/nats.test.ts');

describe('startNatsServer without the binary', () => {
  it('fails with a message naming the Debian package', async () => {
    const err = await startNatsServer({ binary: '/nonexistent/nats-server' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatsServerMissingError);
    expect((err as Error).message).toMatch(/Debian package nats-server/);
  });
});

describe.skipIf(!HAVE_NATS)('on a real nats-server', () => {
  let server: NatsServer | undefined;
  let n = 0;
  const users: NatsUser[] = CONTRACT_SERVERS.map((s) => natsUser(s.id, s.subscribe));
  const login = (id: string) => {
    const u = users.find((x) => x.user === id)!;
    return { user: u.user, pass: u.password };
  };

  beforeAll(async () => {
    server = await startNatsServer({ users, namespace: '*' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  busContract('NatsBus', async () => {
    const namespace = `t${process.pid}n${n++}`;
    const url = server!.url;
    return {
      namespace,
      create: (serverId) => NatsBus.connect({ servers: url, serverId, namespace, ...login(serverId) }),
      raw: (serverId) => NatsTransport.connect({ servers: url, ...login(serverId) }),
    };
  });

  describe('nats-server helper', () => {
    it('listens on 127.0.0.1 on a free port, runs from an owner-only config it removes, and stops by its pid', async () => {
      const s = await startNatsServer();
      expect(s.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(statSync(s.configFile).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(s.configFile)).mode & 0o777).toBe(0o700);
      expect(s.port).not.toBe(server!.port);
      expect(s.running).toBe(true);
      expect(() => process.kill(s.pid, 0)).not.toThrow();
      await s.stop();
      expect(s.running).toBe(false);
      expect(() => process.kill(s.pid, 0)).toThrow();
      expect(() => statSync(dirname(s.configFile))).toThrow(); // the passwords are gone with it
      await s.stop(); // no-op
    });

    it('a taken port fails with the server log', async () => {
      await expect(startNatsServer({ port: server!.port })).rejects.toThrow(/exited during start-up[\s\S]*address already in use/);
    });
  });

  it('restart of nats-server under steady load: reconnects by itself, resumes, never duplicates', async () => {
    const restartUsers = [natsUser('pub', []), natsUser('sub', ['load.ticks'])];
    const s1 = await startNatsServer({ users: restartUsers, namespace: '*' });
    const port = s1.port;
    let current: NatsServer = s1;
    const buses: NatsBus[] = [];
    try {
      const opts = { servers: current.url, namespace: `restart${process.pid}` };
      const [pub, sub] = restartUsers;
      const a = await NatsBus.connect({ ...opts, serverId: 'pub', user: pub.user, pass: pub.password });
      const b = await NatsBus.connect({ ...opts, serverId: 'sub', user: sub.user, pass: sub.password });
      buses.push(a, b);
      const got: number[] = [];
      b.subscribe('load.ticks', (m) => {
        if (m.type === 'globalChat') got.push(Number(m.text));
      });
      await b.flush();

      let sent = 0;
      const timer = setInterval(() => {
        a.publish('load.ticks', { type: 'globalChat', channel: 'main', sender: 'pub', text: String(sent++) });
      }, 2);
      try {
        await waitFor(() => got.length >= 50, 'traffic before the restart');
        const killedAt = sent;
        await current.stop({ signal: 'SIGKILL' });
        await sleep(300);
        current = await startNatsServer({ port, users: restartUsers, namespace: '*' });
        const restartedAt = sent;
        await waitFor(() => got.length > 0 && got[got.length - 1] >= restartedAt, 'delivery after the restart', 15_000);
        await sleep(200);
        clearInterval(timer);
        const last = sent - 1;
        await waitFor(() => got[got.length - 1] === last, 'the last message', 5000);

        // Nothing twice, nothing out of order.
        for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
        expect(new Set(got).size).toBe(got.length);
        expect(a.stats().reconnects).toBeGreaterThanOrEqual(1);
        expect(b.stats().reconnects).toBeGreaterThanOrEqual(1);
        expect(a.stats().refused + b.stats().refused).toBe(0);
        const lost = sent - got.length;
        const firstGap = got.findIndex((v, i) => v !== i);
        console.log(
          `nats restart: sent ${sent}, delivered ${got.length}, lost ${lost} (${((100 * lost) / sent).toFixed(1)}%) ` +
            `around the outage (killed at #${killedAt}, back at #${restartedAt}, first gap at #${firstGap}); ` +
            `reconnects pub ${a.stats().reconnects} sub ${b.stats().reconnects}`,
        );
        expect(lost).toBeGreaterThanOrEqual(0);
      } finally {
        clearInterval(timer);
      }
    } finally {
      await Promise.all(buses.map((x) => x.close()));
      await current.stop();
      await s1.stop();
    }
  });
});
