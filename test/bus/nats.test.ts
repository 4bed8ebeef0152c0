// The Bus contract on NATS (a real nats-server started here, on 127.0.0.1, stopped by pid),
// the nats-server helper, and a server restart under load.
//
// Without nats-server (Debian package `nats-server`) the NATS parts fail when CI is set and
// are skipped, with a message, otherwise.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  
  NatsBus,
  NatsServerMissingError,
  NatsTransport,
  ServerType,
  
  startNatsServer,
  type NatsServer,
} from '../../src/bus/index.js';
import { SECRET, busContract, sleep, waitFor } from './contract.js';
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

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  busContract('NatsBus', async () => {
    const namespace = `t${process.pid}n${n++}`;
    const url = server!.url;
    return {
      namespace,
      create: (serverId, opts) =>
        NatsBus.connect({
          servers: url,
          serverId,
          serverType: opts?.serverType ?? ServerType.Zone,
          secret: opts?.secret ?? SECRET,
          namespace,
        }),
      raw: () => NatsTransport.connect({ servers: url }),
    };
  });

  describe('nats-server helper', () => {
    it('listens on 127.0.0.1 on a free port and stops by its pid', async () => {
      const s = await startNatsServer();
      expect(s.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(s.port).not.toBe(server!.port);
      expect(s.running).toBe(true);
      expect(() => process.kill(s.pid, 0)).not.toThrow();
      await s.stop();
      expect(s.running).toBe(false);
      expect(() => process.kill(s.pid, 0)).toThrow();
      await s.stop(); // no-op
    });

    it('a taken port fails with the server log', async () => {
      await expect(startNatsServer({ port: server!.port })).rejects.toThrow(/exited during start-up[\s\S]*address already in use/);
    });
  });

  it('restart of nats-server under steady load: reconnects by itself, resumes, never duplicates', async () => {
    const s1 = await startNatsServer();
    const port = s1.port;
    let current: NatsServer = s1;
    const buses: NatsBus[] = [];
    try {
      const opts = { servers: current.url, secret: SECRET, namespace: `restart${process.pid}` };
      const a = await NatsBus.connect({ ...opts, serverId: 'pub', serverType: ServerType.Zone });
      const b = await NatsBus.connect({ ...opts, serverId: 'sub', serverType: ServerType.World });
      buses.push(a, b);
      await Promise.all([a.waitForPeers(['sub']), b.waitForPeers(['pub'])]);
      const got: number[] = [];
      b.subscribe('load.ticks', (m) => {
        if (m.type === 'globalEvent') got.push(m.value);
      });
      await b.flush();

      let sent = 0;
      const timer = setInterval(() => {
        a.publish('load.ticks', { type: 'globalEvent', kind: 1, text: '', value: sent++ });
      }, 2);
      try {
        await waitFor(() => got.length >= 50, 'traffic before the restart');
        const killedAt = sent;
        await current.stop({ signal: 'SIGKILL' });
        await sleep(300);
        current = await startNatsServer({ port });
        const restartedAt = sent;
        await waitFor(() => got.length > 0 && got[got.length - 1] >= restartedAt, 'delivery after the restart', 15_000);
        await sleep(200);
        clearInterval(timer);
        const last = sent - 1;
        await waitFor(() => got[got.length - 1] === last, 'the last message', 5000);

        // Nothing twice, nothing out of order.
        for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
        expect(new Set(got).size).toBe(got.length);
        expect(b.stats().dropped.duplicate).toBe(0);
        expect(a.stats().reconnects).toBeGreaterThanOrEqual(1);
        expect(b.stats().reconnects).toBeGreaterThanOrEqual(1);
        expect(a.peers().map((p) => p.serverId)).toEqual(['sub']);
        const lost = sent - got.length;
        const firstGap = got.findIndex((v, i) => v !== i);
        console.log(
          `nats restart: sent ${sent}, delivered ${got.length}, lost ${lost} (${((100 * lost) / sent).toFixed(1)}%) ` +
            `around the outage (killed at #${killedAt}, back at #${restartedAt}, first gap at #${firstGap}); ` +
            `duplicates dropped ${b.stats().dropped.duplicate}, reconnects pub ${a.stats().reconnects} sub ${b.stats().reconnects}`,
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
