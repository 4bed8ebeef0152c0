// Replays a long recording on several threads: the stretch between two snapshots replays on its
// own, starting from the first one, and every stretch ends by checking the whole world against
// the next one, the one the following stretch starts from. So the chain is checked end to end
// and the answer is the one a single thread gives, in a fraction of the time.

import { availableParallelism } from 'node:os';
import { ReplayFileError, type Recording } from './format.js';
import { lastTickOf, replay, snapshotBefore, type ReplayResult } from './replayer.js';

/** Below this many ticks, starting threads costs more than it saves. */
const MIN_PARALLEL_TICKS = 4000;

/** Threads worth using for a replay of this stretch (1 = in this thread). */
export function defaultWorkers(rec: Recording, from: number, to: number): number {
  const snaps = [...rec.snapshots.keys()].filter((t) => t > from && t < to).length;
  const cores = availableParallelism();
  // Threads start by loading the code again: on a machine of 2-3 cores that costs more than it saves.
  if (to - from < MIN_PARALLEL_TICKS || snaps === 0 || cores < 4) return 1;
  return Math.min(cores, 8, snaps + 1);
}

/** The part of a recording from snapshot `a` to tick `b`, as a recording of its own. */
function slice(rec: Recording, a: number, b: number, last: boolean): Recording {
  const s = rec.header.start;
  return {
    header: { ...rec.header, start: a },
    ticks: rec.ticks.slice(a - s, b - s),
    snapshots: new Map([...rec.snapshots].filter(([t]) => t >= a && t <= b)),
    ...(rec.changes ? { changes: new Map([...rec.changes].filter(([t]) => t > a && t <= b)) } : {}),
    ...(last && rec.truncated ? { truncated: rec.truncated } : {}),
  };
}

/** Cut points at snapshots, about `parts` stretches of equal length between start and to. */
function cuts(rec: Recording, start: number, to: number, parts: number): number[] {
  const snaps = [...rec.snapshots.keys()].filter((t) => t > start && t < to).sort((x, y) => x - y);
  const out = [start];
  for (let i = 1; i < parts; i++) {
    const want = start + ((to - start) * i) / parts;
    const t = snaps.find((x) => x >= want && x > out[out.length - 1]);
    if (t !== undefined && !out.includes(t)) out.push(t);
  }
  out.push(to);
  return out;
}

// The thread machinery loads only when threads are used: most replays run in this thread.
async function runWorker(rec: Recording, to: number, checkEvery: number | undefined): Promise<ReplayResult> {
  const { startTsWorker } = await import('../runtime/worker.js');
  const worker = startTsWorker(new URL('./segmentWorker.ts', import.meta.url), { rec, to, checkEvery });
  return new Promise((done, fail) => {
    worker.once('message', (m: { result?: ReplayResult; fileError?: string }) => {
      if (m.result) done(m.result);
      else fail(new ReplayFileError(m.fileError ?? 'replay worker failed'));
      void worker.terminate();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => { if (code !== 0) fail(new Error(`replay worker exited with ${code}`)); });
  });
}

/** The stretches' results as one: the first divergence in tick order, or all of them. */
function merge(parts: ReplayResult[], workers: number): ReplayResult {
  let ticks = 0, snapshotsChecked = 0;
  for (const p of parts) {
    ticks += p.ticks;
    snapshotsChecked += p.snapshotsChecked;
    if (p.divergence) return { ...p, startTick: parts[0].startTick, ticks, snapshotsChecked, workers };
  }
  const last = parts[parts.length - 1];
  return { ...last, startTick: parts[0].startTick, ticks, snapshotsChecked, workers };
}

/** Replays on up to `workers` threads (1: in this thread). Same answer as replay(). */
export async function replayParallel(rec: Recording, o: { from?: number; to?: number; workers?: number; checkEvery?: number } = {}): Promise<ReplayResult> {
  const end = lastTickOf(rec);
  const to = Math.min(o.to ?? end, end);
  const start = snapshotBefore(rec, Math.max(o.from ?? rec.header.start, rec.header.start));
  const workers = o.workers ?? defaultWorkers(rec, start, to);
  const points = start < 0 ? [] : cuts(rec, start, to, workers);
  if (workers <= 1 || points.length <= 2) return replay(rec, { from: start, to, checkEvery: o.checkEvery });
  const results = await Promise.all(points.slice(0, -1).map((a, i) =>
    runWorker(slice(rec, a, points[i + 1], points[i + 1] === end), points[i + 1], o.checkEvery)));
  return merge(results, points.length - 1);
}
