// How long the calling thread has waited, runnable, for a CPU: Linux's
// /proc/thread-self/schedstat, its second field (ns). A one-core zone's tick thread shares its
// core with its I/O thread, so the wall time of a part of the tick holds the time the thread
// waited while the other ran; less this wait, it is what the part itself took. The kernel adds
// a wait when the thread gets the CPU back, so a reading taken on the CPU after a stretch of
// work holds every wait within it (the first field, time run, lags by up to a scheduler tick:
// not used). One read is one small procfs file (a few µs): meant for once or twice a tick.

import { readFileSync } from 'node:fs';

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** Milliseconds this thread has waited on a run queue so far; NaN where the kernel does not say. */
export function threadRunDelayMs(): number {
  try {
    const fields = readFileSync(SCHEDSTAT, 'latin1').split(' ');
    return Number(fields[1]) / 1e6;
  } catch {
    return NaN;
  }
}
