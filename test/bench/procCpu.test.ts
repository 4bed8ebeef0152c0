// What the benches read of a process from /proc: its CPU seconds, and a thread's context
// switches, split into sleeps and preemptions. A child that sleeps on a timer 30 times has
// slept at least 30 times.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { contextSwitches, cpuSeconds } from '../../bench/lib/procCpu.js';

describe.runIf(process.platform === 'linux')('process figures from /proc', () => {
  it("counts a thread's sleeps and preemptions, and a process's CPU seconds", async () => {
    const child = spawn(process.execPath, ['-e', `
      let n = 0;
      const t = setInterval(() => { if (++n === 30) { clearInterval(t); console.log('slept'); process.stdin.resume(); } }, 2);
    `], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(child.stdout!, 'data');
      const switches = contextSwitches(child.pid!, child.pid!);
      expect(switches.slept).toBeGreaterThanOrEqual(30);
      expect(Number.isInteger(switches.preempted) && switches.preempted >= 0).toBe(true);
      const cpu = cpuSeconds(child.pid!);
      expect(cpu).toBeGreaterThan(0); // starting Node takes some
      expect(cpuSeconds(child.pid!, child.pid!)).toBeLessThanOrEqual(cpu);
    } finally {
      child.kill();
    }
  });
});
