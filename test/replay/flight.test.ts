// The flight recorder on its own: a bounded ring of segment files, saves of the last N ms as
// normal replay files that replay bit for bit from a snapshot, and what a crash leaves behind.

import { mkdtempSync, readdirSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlightRecorder, readRecording, replay } from '../../src/replay/index.js';
import { stateHash } from '../../src/sim/index.js';
import { scenarioRun } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'mmo-flight-'));

/** A scenario zone recorded by a flight recorder with short segments: 20-tick segments, a snapshot every 10. */
function flying(dir: string, ticks: number, extra: Partial<ConstructorParameters<typeof FlightRecorder>[2]> = {}) {
  const run = scenarioRun(21, 600, 60);
  const flight = new FlightRecorder(21, run.world, { dir, segmentMs: 1000, snapshotEveryMs: 500, keepMs: 3000, ...extra });
  const hashes = new Map<number, string>();
  for (let t = 0; t < ticks; t++) {
    const inputs = run.step();
    const h = stateHash(run.world);
    hashes.set(run.world.tick, h.hex);
    flight.record(run.world.tick, inputs, h);
  }
  return { run, flight, hashes };
}

const segments = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();

describe('flight recorder', () => {
  it('keeps a bounded ring: only the segments covering the last keepMs', () => {
    const dir = join(base, 'ring');
    const { flight } = flying(dir, 400);
    const segs = segments(dir);
    // keep 60 ticks in 20-tick segments: the current one plus the three before it at most.
    expect(segs.length).toBeGreaterThanOrEqual(3);
    expect(segs.length).toBeLessThanOrEqual(5);
    expect(Number(segs[0].slice(4, 14))).toBeGreaterThanOrEqual(400 - 60 - 20);
    expect(flight.bytes).toBe(segs.reduce((n, f) => n + statSync(join(dir, f)).size, 0));
    flight.close();
  });

  it('turns and prunes a ring given as a ./relative directory (the default ./data/flight is one)', () => {
    const dir = `./${relative(process.cwd(), join(base, 'relative'))}`;
    const { flight } = flying(dir, 400);
    expect(segments(dir).length).toBeGreaterThanOrEqual(3);
    expect(segments(dir).length).toBeLessThanOrEqual(5);
    flight.close();
  });

  it('also bounds the ring by bytes', () => {
    const dir = join(base, 'bytes');
    const { flight } = flying(dir, 300, { keepMs: 600_000, maxBytes: 1 });
    expect(segments(dir).length).toBeLessThanOrEqual(2);
    flight.close();
  });

  it('saves the last N ms as a replay file that starts from a snapshot and replays bit for bit', () => {
    const dir = join(base, 'save');
    const { flight, hashes } = flying(dir, 333);
    for (const out of [join(base, 'last2s.replay'), join(base, 'last2s.replay.gz')]) {
      const s = flight.save(2000, out);
      // 2 s = 40 ticks back from 333 is 293; the snapshot before it is 290.
      expect(s).toMatchObject({ fromTick: 290, toTick: 333, ticks: 43 });
      const rec = readRecording(out);
      expect(rec.header.start).toBe(290);
      expect(rec.end).toBeDefined();
      const r = replay(rec);
      expect(r.divergence).toBeUndefined();
      expect(r).toMatchObject({ startTick: 290, lastTick: 333 });
      expect(r.finalHash).toBe(hashes.get(333));
    }
    // More than the ring holds: it saves what it has.
    const all = flight.save(3_600_000, join(base, 'all.replay.gz'));
    expect(all.fromTick).toBe(Number(segments(dir)[0].slice(4, 14)));
    expect(replay(readRecording(all.path)).divergence).toBeUndefined();
    flight.close();
  });

  it('what a crash leaves (no close, the last segment cut anywhere) is moved aside at the next start and still saves', () => {
    const dir = join(base, 'crash');
    const { hashes } = flying(dir, 250); // never closed: as if the process died
    const segs = segments(dir);
    const last = join(dir, segs[segs.length - 1]);
    truncateSync(last, Math.floor(statSync(last).size * 0.6));
    // The next run's recorder moves the ring aside before it starts its own.
    const next = flying(dir, 5);
    expect(readdirSync(join(dir, 'previous')).sort()).toEqual(segs);
    const s = FlightRecorder.saveFrom(join(dir, 'previous'), 60_000, join(base, 'crashed.replay.gz'));
    expect(s.toTick).toBeLessThanOrEqual(250);
    expect(s.toTick).toBeGreaterThan(200);
    const r = replay(readRecording(s.path));
    expect(r.divergence).toBeUndefined();
    expect(r.finalHash).toBe(hashes.get(s.toTick));
    next.flight.close();
    expect(readFileSync(s.path).length).toBe(s.bytes);
  });
});
