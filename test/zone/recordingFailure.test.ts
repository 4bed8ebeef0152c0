// A flight recorder that fails (a full disk, a dead recording thread) must not take the zone
// down: the zone says why, records on without it, and a save then says the recorder is off and
// why. The failed recorder is ended, not dropped: its thread ends, its file is closed with what
// it had recorded, and the cut segment replays every tick it holds.

import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateZone, stepZone, DEFAULT_ZONE } from '../../src/sim/index.js';
import { readRecording } from '../../src/replay/index.js';
import { TICKS_TAKEN } from '../../src/replay/syncState.js';
import { FlightOffError, ZoneRecording } from '../../src/zone/recording.js';
import { waitFor } from '../persistence/helpers.js';

/** Files under `dir` this process holds open (from /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile (the fd of readdir itself)
    }
  }
  return out;
}

describe('zone recording', () => {
  it('turns a failing flight recorder off with a warning instead of throwing into the tick, and ends it', async () => {
    const world = generateZone({ ...DEFAULT_ZONE, npcs: 5, items: 0 }, 3);
    const warnings: string[] = [];
    const dir = join(mkdtempSync(join(tmpdir(), 'mmo-recfail-')), 'flight');
    const recording = new ZoneRecording(world, { flight: { dir }, seed: 3, tickRate: 20 }, (m) => warnings.push(m));
    const flight = (recording as unknown as { flight: { record: () => void; recorder: { sink: { worker: import('node:worker_threads').Worker; state: Int32Array } } } }).flight;
    // Four ticks reach the recording thread (a batch), which holds them unwritten (it writes every 16).
    for (let i = 0; i < 4; i++) {
      stepZone(world, []);
      recording.record([]);
    }
    expect(recording.flightDir).toBeDefined();
    await waitFor('four ticks taken by the recording thread', () => Atomics.load(flight.recorder.sink.state, TICKS_TAKEN) === 4);
    expect(openFilesUnder(dir)).toHaveLength(1);
    // What a dead recording thread or a full disk does to the next record().
    const ended = new Promise((r) => flight.recorder.sink.worker.once('exit', r));
    flight.record = () => { throw new Error('the recording thread failed: ENOSPC'); };
    stepZone(world, []);
    expect(() => recording.record([])).not.toThrow();
    expect(warnings).toEqual(['flight recorder off: the recording thread failed: ENOSPC']);
    expect(recording.flightDir).toBeUndefined();
    expect(() => recording.save(1000)).toThrow(/the flight recorder is off \(it failed: the recording thread failed: ENOSPC\)/);
    expect(() => recording.save(1000)).toThrow(FlightOffError);
    await ended;
    expect(openFilesUnder(dir)).toEqual([]);
    // Closed, not cut off: the ticks it had taken are written, with no end line.
    const segment = readRecording(join(dir, readdirSync(dir).find((f) => f.startsWith('seg-'))!));
    expect(segment.ticks.map((t) => t.t)).toEqual([1, 2, 3, 4]);
    expect(segment.end).toBeUndefined();
    stepZone(world, []);
    recording.record([]);
    expect(warnings).toHaveLength(1);
    recording.close();
  });
});
