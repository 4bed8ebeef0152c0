// Recording on a recording thread (what a live zone does): the same file as recording in the
// tick's thread, byte for byte once decoded; a flight save sees every tick recorded before it.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlightRecorder, Recorder, decodeRecording, readRecording, replay } from '../../src/replay/index.js';
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
