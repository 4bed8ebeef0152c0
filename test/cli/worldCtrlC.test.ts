// A Ctrl-C on `mmo world --nats auto` in a terminal: the terminal signals the whole foreground
// process group. Only the world may hear it (its roles run in groups of their own), and it
// stops them in order: each zone drains on the world's SIGTERM, then the master, then the
// nats-server. Had every role heard the Ctrl-C too, the world's SIGTERM would have come to each
// zone as a second signal and forced its exit without the drain.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunning, killTree, processTree, waitUntil } from './processes.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');

describe('mmo world --nats auto under a terminal Ctrl-C', () => {
  it('drains every zone, then stops the master and the nats-server, and leaves no process behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmo-ctrlc-'));
    // detached: the world leads a process group of its own, as a shell's foreground job does.
    const world = spawn(process.execPath, [MMO, 'world', '--zones', '2', '--nats', 'auto', '--port', '0', '--db', join(dir, 'world.db')], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir,
    });
    let out = '';
    world.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    world.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(world, 'exit');
    let tree: number[] = [];
    try {
      expect(await waitUntil(() => /world: 2 zone processes/.test(out) || world.exitCode !== null, 120_000)).toBe(true);
      tree = processTree(world.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(4); // the world, its master, two zones, the nats-server
      process.kill(-world.pid!, 'SIGINT'); // the terminal's Ctrl-C
      const [code] = await exited;
      expect(out).not.toContain('forcing exit');
      expect(out.match(/SIGTERM: draining \(health says so; saving players, telling clients\)/g)?.length).toBe(2);
      expect(code).toBe(0);
      expect(await waitUntil(() => tree.every((pid) => !isRunning(pid)), 30_000)).toBe(true);
    } finally {
      killTree(tree.filter(isRunning));
    }
  }, 240_000);
});
