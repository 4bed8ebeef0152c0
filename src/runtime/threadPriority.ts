// A zone's helper threads give way to its tick thread. Where a zone shares a core with its I/O
// and recording threads (`taskset`, a small VM), the kernel would otherwise share the core
// between them evenly and the tick would wait for a batch of socket writes or a gzip; at a
// lower priority they run in the time between ticks instead, which is most of it. On Linux
// each thread has a nice value of its own (setpriority on "process" 0 changes the calling
// thread only), so a worker can lower its own without touching the tick thread. Elsewhere the
// same call would renice the whole process, so there it does nothing. An unprivileged process
// may always lower a priority, never raise one back.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * How many nice levels below the tick thread a helper thread (an I/O thread, the recording
 * thread) runs. Not the lowest level: a thread at 19 starves whenever other processes keep the
 * machine busy, and a recording thread that far behind piles up a backlog, loses more to a
 * crash and makes a graceful stop wait (seen: a loaded zone missing its 5 s SIGTERM deadline).
 */
export const HELPER_THREAD_NICENESS = 10;

/**
 * Lowers the calling thread's priority by `levels` nice levels (to 19 at most). Returns its
 * nice value afterwards, or undefined where threads have no priority of their own.
 */
export function lowerThisThread(levels: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    setPriority(0, Math.min(19, getPriority(0) + levels));
  } catch {
    // A sandbox that forbids it: the thread runs as it is.
  }
  return getPriority(0);
}

/**
 * Puts every other thread the process has now below the tick thread: `mmo zone
 * --idle-runtime-threads`, first thing, for a host whose cores the zone does not share with
 * other busy work. These are the runtime's own: V8's background threads (optimizing compiles,
 * concurrent GC marking and sweeping), and whatever else is there by then (libuv's pool, a
 * module loader's thread). On a core the tick thread shares with them a background job would
 * otherwise hold the core while a tick waits: a kernel with the EEVDF scheduler (Linux 6.6 on)
 * lets a running thread finish its slice, about 3 ms, whatever its nice value (seen at 250
 * bots on one pinned core: 2–6 ms stalls on 1 % of ticks, the tick thread waiting on the run
 * queue while a V8 thread ran, with those threads at nice 10). So they go to SCHED_IDLE
 * (`chrt --idle`, util-linux), which any thread may lower itself to: they run when no other
 * thread wants the core, and a waking tick takes it from them at once. Not by default: while
 * other work keeps every core busy an idle-policy thread gets almost nothing (seen: tsx's
 * loader thread held a zone's start for a minute with both cores busy), and a dns lookup or
 * an fs call through libuv's pool would wait as long. Where chrt is missing they go `levels`
 * nice levels down instead. Linux only, from the main thread; returns the threads that went
 * idle and those that were reniced.
 */
export function lowerRuntimeThreads(levels: number): { idle: number[]; reniced: number[] } {
  const done = { idle: [] as number[], reniced: [] as number[] };
  if (process.platform !== 'linux' || !isMainThread) return done;
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid); // not the main thread: the tick's
  } catch {
    return done; // no /proc: the threads run as they are
  }
  for (const tid of tids) {
    const chrt = spawnSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore' });
    if (chrt.status === 0) {
      done.idle.push(tid);
      continue;
    }
    try {
      setPriority(tid, Math.min(19, getPriority(tid) + levels));
      done.reniced.push(tid);
    } catch {
      // Ended meanwhile, or a sandbox that forbids it.
    }
  }
  return done;
}

/**
 * Puts the threads lowerRuntimeThreads() made idle back at the normal policy, for a zone that
 * is stopping: the process cannot end before the runtime's threads finish the task each is in
 * (a compile, a marking step), and at the idle policy on a host whose cores other work keeps
 * busy that took 28–30 s after the zone had stopped (seen: `mmo zone --idle-runtime-threads`
 * beside four busy loops on two cores). Going back needs CAP_SYS_NICE (or an RLIMIT_NICE of
 * 20); without it the threads stay as they are. Returns how many went back.
 */
export function restoreRuntimeThreads(idle: readonly number[]): number {
  let restored = 0;
  for (const tid of idle) if (spawnSync('chrt', ['--other', '--pid', '0', String(tid)], { stdio: 'ignore' }).status === 0) restored++;
  return restored;
}
