// CPU time of a process from /proc (Linux): what a bench charges a server or a bot process,
// whatever share of a core the machine's other work left it.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds a process (or with `thread`, one of its threads) has used (user + system), from /proc. */
export function cpuSeconds(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime: fields 14 and 15
}

/**
 * A thread's context switches so far, from /proc: `slept` when it gave up the core (waiting for
 * a timer or a message), `preempted` when the scheduler took the core from it while it had work.
 */
export function contextSwitches(pid: number, thread: number): { slept: number; preempted: number } {
  const status = readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(status)?.[1] ?? NaN);
  return { slept: count('voluntary_ctxt_switches'), preempted: count('nonvoluntary_ctxt_switches') };
}

/**
 * What bench bots cost, from their process's CPU time over a window (`coresUsed`: CPU seconds
 * per second): % of a core per bot, µs per frame received (the per-bot figure scales with the
 * frames each bot gets, which fall when a server falls behind) and bots one core would drive.
 */
export function botCost(coresUsed: number, bots: number, framesPerBotPerSec: number) {
  return {
    botCpuPctPerBot: Math.round((coresUsed * 100 * 10_000) / Math.max(1, bots)) / 10_000,
    botCpuUsPerFrame: Math.round((coresUsed * 1e8) / Math.max(1, framesPerBotPerSec * bots)) / 100,
    botsPerCore: Math.round(bots / Math.max(1e-9, coresUsed)),
  };
}
