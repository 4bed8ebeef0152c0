// A zone's helper threads run below its tick thread (src/runtime/threadPriority.ts): on a core
// they share, the tick keeps its schedule and socket writes and recording fill the time
// between ticks. Checked on the kernel's own view of the process's threads (/proc, Linux).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_THREAD_NICENESS } from '../../src/runtime/index.js';
import { startZoneServer } from '../../src/zone/index.js';

/** The nice value of every thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

describe.runIf(process.platform === 'linux')('thread priorities of a zone', () => {
  it('runs its I/O threads and its recording thread below the tick thread, which keeps its own', async () => {
    const tick = getPriority(0); // this thread runs the zone's tick
    const helper = Math.min(19, tick + HELPER_THREAD_NICENESS);
    const before = threadNiceValues();
    const dir = mkdtempSync(join(tmpdir(), 'mmo-nice-'));
    const server = await startZoneServer({ port: 0, ioThreads: 2, flight: { dir: join(dir, 'flight') }, zone: { npcs: 5, items: 0 } }, () => {});
    try {
      const during = threadNiceValues();
      const added = (nice: number) => during.filter((n) => n === nice).length - before.filter((n) => n === nice).length;
      expect(getPriority(0)).toBe(tick);
      expect(added(helper)).toBe(3); // two I/O threads and the recording thread
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
