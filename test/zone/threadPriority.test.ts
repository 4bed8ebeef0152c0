// A zone's helper threads run below its tick thread (src/runtime/threadPriority.ts): on a core
// they share, the tick keeps its schedule and socket writes, recording and the runtime's own
// background work fill the time between ticks. Checked on the kernel's own view of the
// process's threads (/proc, Linux).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority } from 'node:os';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_THREAD_NICENESS } from '../../src/runtime/index.js';
import { startZoneServer } from '../../src/zone/index.js';
import { startAndWait, waitUntil } from '../cli/processes.js';

/** Each thread of process `pid`: its id, nice value and scheduling policy (fields 19 and 41 of /proc/PID/task/TID/stat). */
function threadsOf(pid: number | 'self'): { tid: number; nice: number; policy: number }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 on
      return [{ tid: Number(tid), nice: Number(fields[16]), policy: Number(fields[38]) }];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

const threadNiceValues = () => threadsOf('self').map((t) => t.nice);
const SCHED_OTHER = 0, SCHED_IDLE = 5;

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

  it('`mmo zone --idle-runtime-threads` puts the runtime\'s own threads (V8\'s compiler and GC helpers) below its tick thread, idle where chrt is; plain `mmo zone` leaves them', async () => {
    const chrt = spawnSync('chrt', ['--help'], { stdio: 'ignore' }).status === 0;
    for (const idle of [true, false]) {
      const args = ['zone', '--port', '0', '--no-db', '--no-flight', ...(idle ? ['--idle-runtime-threads'] : [])];
      const zone = await startAndWait(process.execPath, [join(import.meta.dirname, '../../src/cli/mmo.js'), ...args], /listening on/);
      try {
        const pid = zone.proc.pid!;
        const threads = threadsOf(pid), main = threads.find((t) => t.tid === pid)!;
        expect(main).toMatchObject({ policy: SCHED_OTHER, nice: getPriority(0) });
        const lowered = chrt ? threads.filter((t) => t.policy === SCHED_IDLE) : threads.filter((t) => t.nice === Math.min(19, main.nice + HELPER_THREAD_NICENESS));
        if (idle) expect(lowered.length).toBeGreaterThanOrEqual(4); // V8's platform threads at least (4 by default)
        else expect(threads.filter((t) => t.policy === SCHED_IDLE)).toEqual([]);
      } finally {
        zone.proc.kill('SIGTERM');
        expect(await waitUntil(() => zone.proc.exitCode !== null, 30_000)).toBe(true);
      }
    }
  }, 120_000);

  it.runIf(spawnSync('chrt', ['--help'], { stdio: 'ignore' }).status === 0 && process.getuid?.() === 0)(
    'a stopping zone puts the runtime\'s threads back at the normal policy, so that its process can end while other work keeps the cores busy', () => {
      const runtime = pathToFileURL(join(import.meta.dirname, '../../src/runtime/index.ts')).href;
      const script = `
        import { readdirSync, readFileSync } from 'node:fs';
        import { lowerRuntimeThreads, restoreRuntimeThreads } from ${JSON.stringify(runtime)};
        const policies = () => readdirSync('/proc/self/task').map((tid) => {
          const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
        });
        const { idle } = lowerRuntimeThreads(10);
        const lowered = policies();
        const restored = restoreRuntimeThreads(idle);
        console.log(JSON.stringify({ idle: idle.length, restored, lowered, after: policies() }));`;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const r = JSON.parse(run.stdout) as { idle: number; restored: number; lowered: number[]; after: number[] };
      expect(r.idle).toBeGreaterThanOrEqual(4); // V8's platform threads at least
      expect(r.lowered.filter((p) => p === SCHED_IDLE)).toHaveLength(r.idle);
      expect(r.restored).toBe(r.idle);
      expect(r.after.filter((p) => p === SCHED_IDLE)).toEqual([]);
    }, 60_000);
});
