// Helpers for tests that start `mmo` (or npm) as real processes: wait for a line, list a
// process tree by pid, wait (bounded, polling) for processes to be gone and ports to close.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Started {
  proc: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output: () => string;
}

/** Spawns and resolves once the output matches `ready`; rejects if it exits first or `limitMs` passes. */
export async function startAndWait(cmd: string, args: string[], ready: RegExp, opts: SpawnOptions = {}, limitMs = 90_000): Promise<Started> {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const output = () => out;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within ${limitMs} ms: ${out.slice(-800)}`)), limitMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before it was ready: ${out.slice(-800)}`));
    });
  });
  return { proc, output };
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid` and every process below it, now. */
export function processTree(pid: number): number[] {
  const all = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const p of all) if (parentOf(p) === tree[i]) tree.push(p);
  return tree;
}

/** Alive and not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` every 100 ms until true; false once `limitMs` passed. */
export async function waitUntil(check: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
  const polls = Math.ceil(limitMs / 100);
  for (let i = 0; i < polls; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** True when nothing answers HTTP on the port. */
export async function portClosed(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

/** Last resort after a failed assertion: nothing a test started outlives it. */
export function killTree(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
