// A zone that dies of an uncaught error keeps a flight recording of the minutes before it:
// a real process throws, saves, logs the path and exits 1; `mmo replay` accepts the file.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, mmo } from './helpers.js';

describe('an uncaught error in a zone', () => {
  it('saves the flight recording, logs where, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmo-flight-crash-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crashingZone.ts'), dir, '40'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 60_000);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearTimeout(timer);
    expect(code, out).toBe(1);
    expect(out).toContain('uncaught error: Error: a bug in the tick');
    const path = /flight recording of the crash saved to (\S+)/.exec(out)?.[1];
    expect(path, out).toMatch(new RegExp(`^${dir}/saved/flight-\\d+\\.replay\\.gz$`));
    expect(existsSync(path!)).toBe(true);
    const replayed = await mmo(['replay', path!]);
    expect([0, 3], replayed.out).toContain(replayed.code);
  }, 120_000);
});
