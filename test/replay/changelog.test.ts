// The change log (format version 3): the file alone rebuilds the recorded world at every tick
// (checked against every snapshot of a run with spawns, deaths, leaves and handoffs), and a
// divergence between snapshots is named at its own tick: entity, component, field, both values.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ExpectedWorld, Recorder, ReplaySession, diffStates, readRecording, recordedState, worldState, type Recording,
} from '../../src/replay/index.js';
import { restoreSnapshot, stateHash, stepZone } from '../../src/sim/index.js';
import { handoffDriver, handoffWorld, recordScenario } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-changelog-'));
const snapshotWorld = (rec: Recording, t: number) => restoreSnapshot(Buffer.from(rec.snapshots.get(t)!, 'base64'));

describe('the change log', () => {
  it('rebuilds the recorded world exactly at every snapshot tick over 3,000 ticks of spawns, deaths, leaves and handoffs', () => {
    const world = handoffWorld(11);
    const next = handoffDriver(world, 11);
    const path = join(dir, 'handoffs.replay.gz');
    const recorder = new Recorder(path, 11, world.config, 'test', { world, snapshotEvery: 100 });
    let handoffs = 0, deaths = 0, joins = 0, gone = 0;
    for (let t = 1; t <= 3000; t++) {
      const inputs = next();
      stepZone(world, inputs);
      recorder.record(world.tick, inputs, stateHash(world));
      handoffs += world.handoffs.length;
      joins += world.joined.length;
      gone += world.removed.length;
      deaths += world.events.filter((e) => e.kind === 2 /* Death */).length;
    }
    recorder.close();
    expect(handoffs).toBeGreaterThan(50);
    expect(joins).toBeGreaterThan(200);
    expect(gone).toBeGreaterThan(50);
    expect(deaths).toBeGreaterThan(0);
    const rec = readRecording(path);
    const table = rec.header.entities!;
    let checked = 0;
    for (let s = 100; s <= 3000; s += 100) {
      // From the snapshot 100 ticks before, by the rule and the log alone, to this snapshot.
      const model = ExpectedWorld.of(snapshotWorld(rec, s - 100), table);
      while (model.tick < s) model.step(rec.changes!.get(model.tick + 1));
      const { diffs, total } = diffStates(model.state(), worldState(snapshotWorld(rec, s)));
      expect(total, `tick ${s}: ${JSON.stringify(diffs)}`).toBe(0);
      checked++;
    }
    expect(checked).toBe(30);
    // Movers that follow the rule are not logged: far fewer entity entries than entities × ticks.
    const entries = [...rec.changes!.values()].reduce((n, l) => n + (JSON.parse(l) as { e?: unknown[] }).e!.length, 0);
    expect(entries).toBeLessThan(world.netToEid.size * 3000 / 10);
  }, 120_000);

  it('names the exact entity, field and both values of a sim value perturbed between snapshots, at its tick', () => {
    const path = join(dir, 'perturbed.replay');
    recordScenario(path, 300, 8);
    const rec = readRecording(path);
    const T = 237; // between the snapshots of 200 and 300
    const truth = new ReplaySession(rec);
    truth.stepTo(T);
    const session = new ReplaySession(rec);
    session.stepTo(T - 1);
    // A walking NPC gets a slightly different speed just before tick T: the replay's sim is not the recorder's.
    const npc = session.entities('npc').find((e) => e.components.Motion.active === 1 && !e.components.Dead)!;
    const eid = session.world.netToEid.get(npc.netId)!;
    session.world.c.Speed.value[eid] *= 1.5;
    expect(session.step()).toBe(false);
    const d = session.divergence!;
    expect(d.tick).toBe(T);
    expect(d.parts).toContain('position');
    expect(d.detail).toMatchObject({ atTick: T, basis: 'changes' });
    const expected = truth.entity(npc.netId)!.components, actual = session.entity(npc.netId)!.components;
    expect(d.detail!.diffs).toEqual([
      { netId: npc.netId, kind: 'npc', component: 'Position', field: 'x', expected: expected.Position.x, actual: actual.Position.x },
      { netId: npc.netId, kind: 'npc', component: 'Position', field: 'y', expected: expected.Position.y, actual: actual.Position.y },
      { netId: npc.netId, kind: 'npc', component: 'Speed', field: 'value', expected: expected.Speed.value, actual: actual.Speed.value },
    ].filter((f) => f.expected !== f.actual));
    expect(d.detail!.diffs.some((f) => f.component === 'Position')).toBe(true);
    // The expected world at T is the one a faithful replay reaches.
    expect(diffStates(recordedState(rec, T)!, worldState(truth.world)).total).toBe(0);
  });
});
