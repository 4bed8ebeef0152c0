// A zone refuses a port that is already taken instead of sharing it (uWS would listen with
// SO_REUSEPORT and split the clients between two worlds): `mmo zone` prints one line and
// exits 2; in process, the server and a shared front reject with PortInUseError.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortInUseError } from '../../src/runtime/index.js';
import { SharedFront, startZoneServer } from '../../src/zone/index.js';
import { waitFor } from '../persistence/helpers.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
});

/** `mmo zone` in a child process; its output so far. */
function mmoZone(args: string[]) {
  const child = spawn(process.execPath, [MMO, 'zone', '--no-db', '--npcs', '0', '--items', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out.stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out.stderr += d; });
  return { child, out };
}

describe('a busy port', () => {
  it('`mmo zone --port P` on a taken port prints one line and exits 2; the first zone keeps its port alone', async () => {
    const first = mmoZone(['--port', '0']);
    const port = await waitFor('the first zone listening', () => Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(first.out.stdout)?.[1] ?? 0), 30_000);
    const before = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { uptimeS: number };

    const second = mmoZone(['--port', String(port)]);
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(2);
    expect(second.out.stderr.trimEnd().split('\n')).toEqual([`error: port ${port} on 127.0.0.1 is already in use`]);
    expect(second.out.stdout).not.toContain('listening');

    // Still the first world answering, every time (two listeners would alternate).
    for (let i = 0; i < 10; i++) {
      const s = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { uptimeS: number };
      expect(s.uptimeS).toBeGreaterThanOrEqual(before.uptimeS);
    }
    first.child.kill('SIGTERM');
    const [firstCode] = await once(first.child, 'exit');
    expect(firstCode).toBe(0);
  });

  it('in process: a zone server and a shared front reject a taken port with PortInUseError', async () => {
    const taken = await startZoneServer({ port: 0, zone: { npcs: 0, items: 0 } }, () => {});
    try {
      const refused = await startZoneServer({ port: taken.port, zone: { npcs: 0, items: 0 } }, () => {}).then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(PortInUseError);
      expect((refused as Error).message).toBe(`port ${taken.port} on 127.0.0.1 is already in use`);
      const front = new SharedFront();
      await expect(front.listen('127.0.0.1', taken.port)).rejects.toBeInstanceOf(PortInUseError);
      // Its own port is still its own.
      expect((await fetch(`http://127.0.0.1:${taken.port}/health`)).status).toBe(200);
    } finally {
      await taken.stop();
    }
  });
});
