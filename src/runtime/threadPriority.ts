// A zone's helper threads give way to its tick thread. Where a zone shares a core with its I/O
// and recording threads (`taskset`, a small VM), the kernel would otherwise share the core
// between them evenly and the tick would wait for a batch of socket writes or a gzip; at a
// lower priority they run in the time between ticks instead, which is most of it. On Linux
// each thread has a nice value of its own (setpriority on "process" 0 changes the calling
// thread only), so a worker can lower its own without touching the tick thread. Elsewhere the
// same call would renice the whole process, so there it does nothing. An unprivileged process
// may always lower a priority, never raise one back.

import { getPriority, setPriority } from 'node:os';

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
