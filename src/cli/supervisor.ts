// Keeping a child process alive (Erlang's one_for_one supervisor, for one child): a child that
// dies unasked (killed by a signal, or exiting with an error) is started again after a backoff
// that doubles while restarts keep failing or the child keeps dying young, and is reset once it
// has run a while. A child that exits cleanly (code 0: it was told to stop) stays stopped.

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface SupervisorOptions {
  /** For the log lines. */
  name: string;
  /** Starts the child and resolves once it is ready; rejects when it could not start. */
  start: () => Promise<ChildProcess>;
  log: (line: string) => void;
  /** First wait before a restart. Default 250 ms. */
  minBackoffMs?: number;
  /** Longest wait. Default 5 s. */
  maxBackoffMs?: number;
  /** A child up this long counts as healthy: the next death waits minBackoffMs again. Default 30 s. */
  stableMs?: number;
}

/** Whether a child's exit means it died (to be restarted) rather than stopped as asked. */
export function diedUnasked(code: number | null, signal: NodeJS.Signals | null): boolean {
  return signal !== null ? signal !== 'SIGTERM' && signal !== 'SIGINT' : code !== 0;
}

export class Supervisor {
  /** Times the child was started again after dying. */
  restarts = 0;
  private current: ChildProcess;
  private startedAt = performance.now();
  private backoffMs: number;
  private stopping = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A restart under way (stop() waits for it, then stops what it started). */
  private starting: Promise<unknown> | undefined;

  /** Starts the child (rejects like `start` when it cannot) and watches it from then on. */
  static async start(o: SupervisorOptions): Promise<Supervisor> {
    return new Supervisor(o, await o.start());
  }

  private constructor(private readonly o: SupervisorOptions, child: ChildProcess) {
    this.backoffMs = o.minBackoffMs ?? 250;
    this.current = child;
    this.watch(child);
  }

  /** The child process running now (a new one after each restart). */
  get child(): ChildProcess {
    return this.current;
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (this.stopping || child !== this.current || !diedUnasked(code, signal)) return;
      const min = this.o.minBackoffMs ?? 250;
      if (performance.now() - this.startedAt >= (this.o.stableMs ?? 30_000)) this.backoffMs = min;
      this.o.log(`${this.o.name} died (${signal ?? `exit ${code}`}); starting it again in ${Math.round(this.backoffMs)} ms`);
      this.schedule();
    });
  }

  /** One restart after the current backoff; a failed start waits longer and tries again. */
  private schedule(): void {
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.o.maxBackoffMs ?? 5000, this.backoffMs * 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping) return;
      this.starting = this.o.start().then((child) => {
        this.current = child;
        if (this.stopping) return; // stop() stops it
        this.startedAt = performance.now();
        this.restarts++;
        this.o.log(`${this.o.name} is back (pid ${child.pid}, restart ${this.restarts})`);
        this.watch(child);
      }, (e: Error) => {
        this.o.log(`${this.o.name} did not start again: ${e.message.slice(0, 200)}`);
        if (!this.stopping) this.schedule();
      }).finally(() => (this.starting = undefined));
    }, wait);
  }

  /** Stops supervising and stops the child (SIGTERM, by its pid); resolves once it exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.starting;
    const c = this.current;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    await exited;
  }
}
