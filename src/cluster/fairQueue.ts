// Runs async jobs at most `concurrency` at a time, taking turns between keys: each key (a client
// address) has its own FIFO, and a free slot goes to the next key in round-robin order. One key
// with a thousand jobs waiting then delays another key's job by the running jobs and one job per
// key ahead of it in the round, instead of the thousand a single FIFO would put in front of it.

interface Waiting {
  start: () => void;
}

export class FairQueue {
  /** Waiting jobs by key; the map's order is the round-robin order. */
  private readonly queues = new Map<string, Waiting[]>();
  private running = 0;

  constructor(readonly concurrency: number) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1');
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Runs `job` when a slot is free and it is `key`'s turn. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        job().then(resolve, reject).finally(() => {
          this.running--;
          this.next();
        });
      };
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = []));
      q.push({ start });
      this.next();
    });
  }

  /** Starts waiting jobs while slots are free, one per key in turn. */
  private next(): void {
    while (this.running < this.concurrency && this.queues.size > 0) {
      const [key, q] = this.queues.entries().next().value!;
      const w = q.shift()!;
      this.queues.delete(key);
      if (q.length > 0) this.queues.set(key, q); // to the back of the round
      w.start();
    }
  }
}
