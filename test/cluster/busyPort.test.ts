// `mmo master` and `mmo world` on a port another process holds: one clear line, exit 2, and
// nothing left listening (before, SO_REUSEPORT let two servers share the port silently).
// Real processes, each stopped by its pid if it outlives the test.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortInUseError, joinKeyPem, listen, newApp, newJoinKeyPair } from '../../src/cluster/index.js';
import { worldLayout } from '../../src/cli/world.js';
import { tempDir } from './helpers.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const dir = tempDir('busy');
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); // by its own pid
});

/** Another program holding a loopback port. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  afterAll(() => server.close());
  return { port: (server.address() as { port: number }).port, server };
}

/** Runs `mmo ...args` to its exit (bounded) and returns its code and output. */
async function mmo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawn(process.execPath, [MMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(p);
  let out = '', err = '';
  p.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  p.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const timer = setTimeout(() => p.kill('SIGKILL'), 50_000);
  const [code] = await once(p, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, out, err };
}

describe('a busy port', () => {
  it('listen() refuses a port another server of this process holds (no silent sharing)', async () => {
    const first = await listen(newApp(), '127.0.0.1', 0);
    try {
      await expect(listen(newApp(), '127.0.0.1', first.port)).rejects.toBeInstanceOf(PortInUseError);
    } finally {
      first.close();
    }
    const { port } = await holdPort();
    await expect(listen(newApp(), '127.0.0.1', port)).rejects.toThrow(`cannot listen on 127.0.0.1:${port}`);
  });

  it('mmo master: one line naming the port, exit 2', async () => {
    const { port } = await holdPort();
    const layout = join(dir, 'world.json');
    writeFileSync(layout, JSON.stringify(worldLayout(1, 100, '127.0.0.1', [1])));
    const r = await mmo(['master', '--port', String(port), '--world', layout, '--db', join(dir, 'master.db')], { MMO_SECRET: 'busy-port-secret-0123456789', MMO_JOIN_KEY: joinKeyPem(newJoinKeyPair().privateKey) });
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([`error: cannot listen on 127.0.0.1:${port}: the port is in use (or the address is not this machine's)`]);
    expect(r.out).not.toMatch(/listening/);
  }, 60_000);

  it('mmo world: one line naming the port, exit 2, its zones stopped', async () => {
    const { port } = await holdPort();
    const r = await mmo(['world', '--port', String(port), '--zones', '2', '--db', join(dir, 'world.db')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([`error: cannot listen on 127.0.0.1:${port}: the port is in use (or the address is not this machine's)`]);
  }, 60_000);
});
