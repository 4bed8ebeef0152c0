// A flight recorder that fails (a full disk, a dead recording thread) must not take the zone
// down: the zone says why, records on without it, and a save then says the recorder is off.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateZone, stepZone, DEFAULT_ZONE } from '../../src/sim/index.js';
import { FlightOffError, ZoneRecording } from '../../src/zone/recording.js';

describe('zone recording', () => {
  it('turns a failing flight recorder off with a warning instead of throwing into the tick', () => {
    const world = generateZone({ ...DEFAULT_ZONE, npcs: 5, items: 0 }, 3);
    const warnings: string[] = [];
    const recording = new ZoneRecording(world, { flight: { dir: join(mkdtempSync(join(tmpdir(), 'mmo-recfail-')), 'flight') }, seed: 3, tickRate: 20 }, (m) => warnings.push(m));
    stepZone(world, []);
    recording.record([]);
    expect(recording.flightDir).toBeDefined();
    // What a dead recording thread or a full disk does to the next record().
    const flight = (recording as unknown as { flight: { record: () => void } }).flight;
    flight.record = () => { throw new Error('the recording thread failed: ENOSPC'); };
    stepZone(world, []);
    expect(() => recording.record([])).not.toThrow();
    expect(warnings).toEqual(['flight recorder off: the recording thread failed: ENOSPC']);
    expect(recording.flightDir).toBeUndefined();
    expect(() => recording.save(1000)).toThrow(FlightOffError);
    stepZone(world, []);
    recording.record([]);
    expect(warnings).toHaveLength(1);
    recording.close();
  });
});
