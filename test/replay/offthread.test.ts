// Recording on a recording thread (what a live zone does): the same file as recording in the
// tick's thread, byte for byte once decoded; a flight save sees every tick recorded before it;
// the thread's replica of the world resyncs from the live one when they part.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlightRecorder, Recorder, decodeRecording, diffStates, readRecording, recordedState, replay, worldState } from '../../src/replay/index.js';
import { stateHash } from '../../src/sim/index.js';
import { scenarioRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-offthread-'));

describe('recording off the tick thread', () => {
  it('writes the same lines as recording in the tick thread', () => {
    const paths = [join(dir, 'inline.replay.gz'), join(dir, 'thread.replay.gz')];
    const runs = paths.map(() => scenarioRun(13, 600, 60));
    const recorders = paths.map((p, i) => new Recorder(p, 13, runs[i].world.config, 'test', { world: runs[i].world, snapshotEvery: 50, offThread: i === 1 }));
    for (let t = 0; t < 230; t++) {
      runs.forEach((run, i) => {
        const inputs = run.step();
        recorders[i].record(run.world.tick, inputs, stateHash(run.world));
      });
    }
    recorders.forEach((r) => r.close());
    const [inline, thread] = paths.map((p) => decodeRecording(readFileSync(p)));
    expect(thread.split('\n').length).toBeGreaterThan(230);
    expect(thread).toBe(inline);
    expect(replay(readRecording(paths[1])).divergence).toBeUndefined();
  }, 60_000);

  it('a flight save waits for the recording thread: it holds every tick recorded before the call', () => {
    const run = scenarioRun(17, 600, 60);
    const flight = new FlightRecorder(17, run.world, { dir: join(dir, 'flight'), segmentMs: 1000, snapshotEveryMs: 500, keepMs: 3000, offThread: true });
    const hashes = new Map<number, string>();
    for (let t = 0; t < 137; t++) {
      const inputs = run.step();
      const h = stateHash(run.world);
      hashes.set(run.world.tick, h.hex);
      flight.record(run.world.tick, inputs, h);
    }
    const s = flight.save(60_000, join(dir, 'saved.replay.gz'));
    expect(s.toTick).toBe(137);
    const r = replay(readRecording(s.path));
    expect(r.divergence).toBeUndefined();
    expect(r.finalHash).toBe(hashes.get(137));
    expect(readFileSync(s.path).length).toBe(s.bytes);
    // The ring is pruned on the recording thread too: 3 s kept in 1 s segments (the current one and up to 4 before).
    expect(flight.bytes).toBeGreaterThan(0);
    const segments = readdirSync(join(dir, 'flight')).filter((f) => f.startsWith('seg-'));
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(segments.length).toBeLessThanOrEqual(5);
    flight.close();
  }, 60_000);
});

describe('a recording thread that cannot keep up', () => {
  it('fails the recording once it is too many ticks behind, for good, instead of queueing without limit', async () => {
    const run = scenarioRun(23, 600, 60);
    const recorder = new Recorder(join(dir, 'behind.replay.gz'), 23, run.world.config, 'test', { world: run.world, offThread: true, maxBacklogTicks: 10 });
    // A caller that never yields: the thread cannot have taken what is sent, so the backlog grows with each tick.
    let failure: Error | undefined, recorded = 0;
    for (let t = 0; t < 1000 && !failure; t++) {
      const inputs = run.step();
      try {
        recorder.record(run.world.tick, inputs, stateHash(run.world));
        recorded++;
      } catch (e) {
        failure = e as Error;
      }
    }
    expect(failure?.message).toMatch(/^the recording thread fell 11 ticks behind \(at most 10\)/);
    expect(recorded).toBe(10);
    // Once the thread has taken what it had, the recording still refuses: a gap would break every replay of it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const inputs = run.step();
    expect(() => recorder.record(run.world.tick, inputs, stateHash(run.world))).toThrow(/ticks behind/);
    expect(() => recorder.flush()).toThrow(/ticks behind/);
  }, 60_000);
});

describe('the recording thread\'s replica of the world', () => {
  it('resyncs from the live world when it goes another way: later snapshots and the change log are the live world\'s', () => {
    const run = scenarioRun(19, 600, 60);
    const path = join(dir, 'resync.replay.gz');
    const recorder = new Recorder(path, 19, run.world.config, 'test', { world: run.world, snapshotEvery: 100, offThread: true });
    let live: ReturnType<typeof worldState> | undefined;
    for (let t = 1; t <= 290; t++) {
      const inputs = run.step();
      // Something outside the inputs changes the live world (as a nondeterminism bug would): the replica cannot follow.
      if (t === 150) run.world.c.Health.hp[[...run.world.netToEid.values()][5]] += 1;
      recorder.record(run.world.tick, inputs, stateHash(run.world));
      // Ticks come faster than 20 Hz here: let the thread catch up (and notice) once, as it does between a zone's ticks.
      if (t === 160) recorder.flush();
      if (t === 270) live = worldState(run.world);
    }
    recorder.close();
    const rec = readRecording(path);
    const resync = [...rec.snapshots.keys()].find((t) => t > 150 && t % 100 !== 0);
    expect(resync).toBe(161);
    expect(rec.snapshots.has(290)).toBe(true);
    // The file tells the truth: a replay diverges where the world was changed, and runs clean from the live world's snapshot.
    expect(replay(rec).divergence!.tick).toBe(150);
    expect(replay(rec, { from: resync }).divergence).toBeUndefined();
    expect(diffStates(recordedState(rec, 270)!, live!).total).toBe(0);
  }, 60_000);
});
