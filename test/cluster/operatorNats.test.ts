// The operator's path (README): `mmo nats-config` writes the server config and the zones'
// credentials, the operator runs nats-server from it, and `mmo world --nats URL
// --nats-credentials DIR` runs the zones on it. Without the credentials the zones cannot join.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findNatsServer, freePort } from '../../src/bus/index.js';
import { startProcessWorld, worldLayout } from '../../src/cli/world.js';
import { writeNatsConfig } from '../../src/cli/worldNats.js';

const NATS = findNatsServer();
const SKIP = NATS === null && !process.env.CI;

describe.skipIf(SKIP)('an operator\'s own nats-server, configured by mmo nats-config', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'mmo-operator-')), 'nats');
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    writeNatsConfig({ layout: worldLayout(2, 500, '127.0.0.1', [0, 0]), out: dir, host: '127.0.0.1', port });
    server = spawn(NATS!, ['-c', join(dir, 'nats-server.conf')], { stdio: 'ignore' });
    let up = false;
    for (let i = 0; i < 100 && !up && server.exitCode === null; i++) {
      up = await new Promise<boolean>((r) => {
        const s = connect({ host: '127.0.0.1', port }, () => r(true)).on('error', () => r(false));
        s.once('connect', () => s.destroy());
      });
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up).toBe(true);
  });
  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM'); // by its own pid
      await once(server, 'exit');
    }
  });

  it('zones with the written credentials join and register; without them they cannot start', async () => {
    const base = { zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 4, npcs: 0, items: 0, nats: url };
    await expect(startProcessWorld(base)).rejects.toThrow(/exited \(\d+\) before it was ready[\s\S]*(AUTHORIZATION_VIOLATION|Authorization Violation)/i);
    const world = await startProcessWorld({ ...base, natsCredentials: dir });
    try {
      let ids: string[] = [];
      for (let i = 0; i < 100 && ids.length < 2; i++) {
        ids = ((await (await fetch(`http://127.0.0.1:${world.port}/servers`)).json()) as { id: string }[]).map((s) => s.id).sort();
        if (ids.length < 2) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ids).toEqual(['zone-1', 'zone-2']);
    } finally {
      await world.stop();
    }
  }, 120_000);
});
