// The build as a user runs it: `npm run build` (what `npm install`'s prepare does), then
// `npm start` and `npx mmo zone` run the compiled JS (no TypeScript at run time, worker threads
// included), and SIGTERM to the pid the user holds (npm's, npx's) drains the server and leaves
// no process behind.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bus/index.js';
import { isRunning, killTree, portClosed, processTree, startAndWait, waitUntil, type Started } from './processes.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'mmo-build-'));
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 240_000 });
}, 300_000);

/** SIGTERM to the launcher's pid: the server drains, its port closes, every process of the tree is gone. */
async function stopByLauncher(started: Started, port: number): Promise<void> {
  const tree = processTree(started.proc.pid!);
  expect(tree.length).toBeGreaterThan(1); // the launcher and the server under it
  try {
    process.kill(started.proc.pid!, 'SIGTERM');
    expect(await waitUntil(() => portClosed(port), 30_000)).toBe(true);
    expect(await waitUntil(() => tree.every((pid) => !isRunning(pid)), 30_000)).toBe(true);
    expect(started.output()).toMatch(/draining/);
  } finally {
    killTree(tree.filter(isRunning));
  }
}

describe('the build', () => {
  it('is in dist/, with the bin the package names, executable', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { mmo: string }; scripts: Record<string, string> };
    expect(existsSync(join(ROOT, pkg.bin.mmo))).toBe(true);
    expect(statSync(join(ROOT, pkg.bin.mmo)).mode & 0o111).toBe(0o111); // a fresh clone's tsc output is not executable: the build makes it so
    expect(pkg.scripts.prepare).toContain('build');
    const r = spawnSync(process.execPath, [join(ROOT, pkg.bin.mmo), '--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('`npm start` serves from the build, prints every URL, and drains on SIGTERM to npm', async () => {
    const port = await freePort();
    const started = await startAndWait('npm', ['start'], /metrics http:\S+/, {
      cwd: ROOT, env: { ...process.env, MMO_PORT: String(port), MMO_DB: join(dir, 'start.db') },
    });
    try {
      for (const path of ['viewer', 'health', 'status', 'metrics']) expect(started.output()).toContain(`http://127.0.0.1:${port}/${path}`);
      expect(started.output()).not.toMatch(/tsx/);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // The viewer's browser bundle is built from the compiled modules.
      const js = await fetch(`http://127.0.0.1:${port}/viewer.js`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(1000);
    } finally {
      await stopByLauncher(started, port);
    }
  }, 180_000);

  it('`npx mmo zone` drains on SIGTERM to npx, whose shell does not pass the signal on', async () => {
    const port = await freePort();
    const started = await startAndWait('npx', ['--no-install', 'mmo', 'zone', '--port', String(port), '--db', join(dir, 'npx.db')], /listening on/, { cwd: ROOT });
    await stopByLauncher(started, port);
  }, 180_000);

  it('runs the bots (worker threads) from the build against a zone from the build', async () => {
    const port = await freePort();
    const zone = await startAndWait(process.execPath, [join(ROOT, 'dist/cli/bin.js'), 'zone', '--port', String(port), '--no-db'], /listening on/);
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/bin.js'), 'bots', '--url', `ws://127.0.0.1:${port}/`, '--count', '3', '--duration', '1', '--ramp', '10'],
        { encoding: 'utf8', timeout: 90_000 });
      expect(r.stdout).toContain('connected 3, failed 0');
      expect(r.status).toBe(0);
    } finally {
      zone.proc.kill('SIGTERM');
      await waitUntil(() => zone.proc.exitCode !== null || zone.proc.signalCode !== null, 30_000);
    }
  }, 180_000);
});
