// The soak bench, short (30 s, 100 bots), as a standing check; `npm run bench -- soak
// --seconds 3600` is the long run.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('soak (short)', () => {
  it('keeps every bot connected on every tick, with a flat heap, and stops cleanly', async () => {
    const root = join(import.meta.dirname, '../..');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'bench/soak.ts'), '--seconds', '30', '--bots', '100'], { cwd: root, timeout: 120_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r).toMatchObject({ connected: 100, disconnected: 0, failed: 0, tickGaps: 0, exitCode: 0, leak: false });
    expect(r.steadySamples).toBeGreaterThanOrEqual(4);
    expect(r.heapMB.growth).toBeLessThan(20);
  }, 150_000);
});
