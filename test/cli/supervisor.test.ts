// The supervisor over real child processes: a killed child is started again, a child that
// exits cleanly stays stopped, stop() stops the child and any restart under way.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Supervisor, diedUnasked } from '../../src/cli/supervisor.js';
import { waitFor } from '../persistence/helpers.js';

/** A child that waits to be killed, or exits with `code` when given. */
async function startChild(code?: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', code === undefined ? 'setInterval(() => {}, 1000)' : `setTimeout(() => process.exit(${code}), 200)`], { stdio: 'ignore' });
  await once(p, 'spawn');
  return p;
}

describe('Supervisor', () => {
  it('tells a death from a stop', () => {
    expect(diedUnasked(null, 'SIGKILL')).toBe(true);
    expect(diedUnasked(1, null)).toBe(true);
    expect(diedUnasked(0, null)).toBe(false);
    expect(diedUnasked(null, 'SIGTERM')).toBe(false);
  });

  it('starts a SIGKILLed child again, with a new pid, and stops it on stop()', async () => {
    const lines: string[] = [];
    const s = await Supervisor.start({ name: 'kid', start: () => startChild(), log: (l) => lines.push(l), minBackoffMs: 50 });
    const first = s.child;
    first.kill('SIGKILL');
    await waitFor('a restart', () => s.restarts === 1, 15_000);
    expect(s.child.pid).not.toBe(first.pid);
    expect(lines.join('\n')).toMatch(/kid died \(SIGKILL\)/);
    const second = s.child;
    await s.stop();
    expect(second.signalCode).toBe('SIGTERM');
    expect(s.restarts).toBe(1);
  });

  it('leaves a child that exited cleanly stopped, and restarts one that failed', async () => {
    let code = 0;
    const s = await Supervisor.start({ name: 'kid', start: () => startChild(code), log: () => {}, minBackoffMs: 50 });
    await once(s.child, 'exit');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.restarts).toBe(0);
    code = 3;
    const t = await Supervisor.start({ name: 'kid', start: () => startChild(code), log: () => {}, minBackoffMs: 50 });
    await waitFor('restarts after failures', () => t.restarts >= 2, 15_000);
    await t.stop();
    await s.stop();
  });
});
