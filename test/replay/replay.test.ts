// Replays of recordings made here: matching runs, divergences named to the tick and the field,
// replays from the middle, snapshots checked, and every kind of bad file refused clearly.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayFileError, ReplaySession, parseRecording, readRecording, replay } from '../../src/replay/index.js';
import { replayParallel } from '../../src/replay/parallel.js';
import { walkGridTarget } from '../../src/sim/motion.js';
import { restoreSnapshot, rules, serializeSnapshot } from '../../src/sim/index.js';
import { recordScenario } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-'));
const good = join(dir, 'good.replay');
const finalHash = recordScenario(good, 1000);
const text = readFileSync(good, 'utf8');
const lines = text.split('\n').slice(0, -1);
const tickLine = (t: number) => lines.findIndex((l) => l.startsWith(`{"t":${t},`));

function write(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('replay', () => {
  it('re-runs a recording with every tick and every snapshot matching', () => {
    const rec = readRecording(good);
    expect(rec.ticks).toHaveLength(1000);
    expect([...rec.snapshots.keys()]).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    const r = replay(rec);
    expect(r.divergence).toBeUndefined();
    expect(r.truncated).toBeUndefined();
    expect(r).toMatchObject({ startTick: 0, lastTick: 1000, ticks: 1000, finalHash, snapshotsChecked: 10 });
    expect(rec.end!.h).toBe(finalHash);
  });

  it('starts from the nearest snapshot before --from and stops at --to', () => {
    const r = replay(readRecording(good), { from: 450, to: 720 });
    expect(r).toMatchObject({ startTick: 400, lastTick: 720, ticks: 320 });
    expect(r.divergence).toBeUndefined();
  });

  it('names the tick, its inputs, and the entity, component, field and both values where a changed input makes it diverge', () => {
    const copy = lines.slice();
    // A move between two snapshots (not on one): the expected values come from the change log.
    const i = copy.findIndex((l, n) => n > tickLine(400) && l.includes('"type":"move"') && !l.startsWith('{"t":500,'));
    const tick = JSON.parse(copy[i]) as { t: number; in: { type: string; session: number; x: number }[] };
    expect(tick.t % 100).not.toBe(0);
    const move = tick.in.find((inp) => inp.type === 'move')!;
    const original = move.x;
    move.x = Math.max(1, move.x - 30);
    copy[i] = JSON.stringify(tick);
    const changed = parseRecording(copy.join('\n') + '\n');
    const before = new ReplaySession(changed);
    before.stepTo(tick.t - 1);
    const eid = before.world.sessions.get(move.session)!;
    const netId = before.world.c.NetId.id[eid], fromX = before.world.c.Position.x[eid];
    const r = replay(changed);
    const d = r.divergence!;
    expect(d.tick).toBe(tick.t);
    expect(d.parts).toContain('motion');
    expect(d.parts).not.toContain('vitals');
    expect(d.inputs).toEqual(tick.in);
    expect(d.detail).toMatchObject({ atTick: tick.t, basis: 'changes' });
    // Only the moved player differs, and its target is the recorded one against the changed one.
    expect(d.detail!.diffs.length).toBeGreaterThan(0);
    for (const f of d.detail!.diffs) expect(f).toMatchObject({ netId, kind: 'player' });
    expect(d.detail!.diffs).toContainEqual({ netId, kind: 'player', component: 'Motion', field: 'tx', expected: walkGridTarget(fromX, original), actual: walkGridTarget(fromX, move.x) });
  });

  it('gives the same answer on two threads (stretches between snapshots), divergence included', async () => {
    const rec = readRecording(good);
    const two = await replayParallel(rec, { workers: 2 });
    expect(two.workers).toBe(2);
    expect({ ...two, workers: 1 }).toEqual(replay(rec));
    const copy = lines.slice();
    const i = tickLine(777);
    const t = JSON.parse(copy[i]) as { h: string };
    t.h = t.h === '0000000000000000' ? '0000000000000001' : '0000000000000000';
    copy[i] = JSON.stringify(t);
    const changed = parseRecording(copy.join('\n') + '\n');
    const d2 = await replayParallel(changed, { workers: 2 });
    expect(d2.divergence!.tick).toBe(777);
    expect(d2.divergence).toEqual(replay(changed).divergence);
  }, 120_000);

  it('reports a changed recorded hash at its own tick', () => {
    const copy = lines.slice();
    const i = tickLine(700);
    const t = JSON.parse(copy[i]) as { t: number; h: string };
    t.h = t.h === '0000000000000000' ? '0000000000000001' : '0000000000000000';
    copy[i] = JSON.stringify(t);
    expect(replay(parseRecording(copy.join('\n') + '\n')).divergence!.tick).toBe(700);
  });

  it('checks the whole world at each snapshot, not only the hash', () => {
    const copy = lines.slice();
    const i = copy.findIndex((l) => l.startsWith('{"snap":600,'));
    const world = restoreSnapshot(Buffer.from((JSON.parse(copy[i]) as { b64: string }).b64, 'base64'));
    const npc = world.netToEid.get(3)!;
    world.c.Patrol.slot[npc] += 1; // not hashed: only the snapshot comparison sees it
    copy[i] = JSON.stringify({ snap: 600, b64: Buffer.from(serializeSnapshot(world)).toString('base64') });
    const d = replay(parseRecording(copy.join('\n') + '\n')).divergence!;
    expect(d.tick).toBe(600);
    expect(d.parts).toEqual([]);
    expect(d.detail!.diffs).toEqual([{ netId: 3, kind: 'npc', component: 'Patrol', field: 'slot', expected: world.c.Patrol.slot[npc], actual: world.c.Patrol.slot[npc] - 1 }]);
  });

  it('reads version 1 files (no snapshots, no start)', () => {
    const v1 = join(dir, 'v1.replay');
    recordScenario(v1, 50, 9, { world: undefined });
    const [head, ...rest] = readFileSync(v1, 'utf8').split('\n');
    const h = JSON.parse(head) as Record<string, unknown>;
    delete h.tickRate;
    delete h.start;
    h.version = 1;
    const r = replay(parseRecording([JSON.stringify(h), ...rest].join('\n')));
    expect(r).toMatchObject({ lastTick: 50, ticks: 50 });
    expect(r.divergence).toBeUndefined();
  });

  const bad: [string, () => string, RegExp][] = [
    ['missing file', () => join(dir, 'nope.replay'), /cannot read \(ENOENT\)/],
    ['empty file', () => write('empty', ''), /empty file/],
    ['a cut header', () => write('cuthead', text.slice(0, 40)), /truncated before its header ended/],
    ['foreign JSON', () => write('foreign', '{"hello":"world"}\n'), /not an mmo-replay file/],
    ['binary garbage', () => write('garbage', '\u0000\u0001\u0002PK\u0003\n'), /not a JSON object/],
    ['damaged gzip', () => write('gz', '\u001f\u008bxxxxxxxxxxxxxxxxxxxxxxxx'), /damaged gzip data|not a JSON object|truncated before/],
    ['newer version', () => write('v9', lines[0].replace('"version":3', '"version":9') + '\n'), /version 9 is not supported/],
    // Made by an older build (no "rules": rules 1) or a newer one: the same inputs step to other worlds.
    ['other simulation rules', () => write('rules1', lines[0].replace(`"rules":${rules.SIM_RULES},`, '') + '\n'), /recorded under the simulation's rules 1; this build steps by rules 2/],
    ['newer simulation rules', () => write('rules9', lines[0].replace(`"rules":${rules.SIM_RULES}`, '"rules":9') + '\n'), /rules 9; this build steps by rules 2/],
    ['bad zone config', () => write('zone', lines[0].replace('"capacity":', '"capacity":-') + '\n'), /zone config: capacity/],
    ['a missing tick', () => write('gap', [lines[0], lines[tickLine(1)], lines[tickLine(3)]].join('\n') + '\n'), /expected tick 2, found 3/],
    ['a damaged middle line', () => write('mid', [lines[0], lines[tickLine(1)], '{"t":2,"in":[', lines[tickLine(3)]].join('\n') + '\n'), /:3: not a JSON object/],
    ['a snapshot of the wrong tick', () => write('snap', [lines[0], lines[tickLine(1)], '{"snap":7,"b64":""}'].join('\n') + '\n'), /not of tick 1/],
    ['a forged end count', () => write('endcount', [lines[0], lines[tickLine(1)], '{"end":true,"ticks":5,"h":""}'].join('\n') + '\n'), /end record counts 5 ticks, file has 1/],
    ['a mid-run start without its snapshot', () => write('start', [lines[0].replace('"start":0', '"start":5'), lines[tickLine(1)].replace('"t":1,', '"t":6,')].join('\n') + '\n'), /starts at tick 5 but has no snapshot/],
  ];
  for (const [name, make, message] of bad) {
    it(`refuses ${name} with a clear error`, () => {
      const p = make();
      expect(() => readRecording(p)).toThrow(ReplayFileError);
      expect(() => readRecording(p)).toThrow(message);
    });
  }

  it('survives forged inputs in a well-formed file: they are rejected, not crashed on', () => {
    const head = lines[0];
    const forged = [
      { type: 'move', session: 1, seq: 1, x: null, y: 'a' },
      { type: 'join', session: -1, name: 'x' },
      { type: 'join', session: 1, name: 'x'.repeat(100000) },
      { type: 'nuke' },
      null, 5, [], 'move',
    ];
    const body = JSON.stringify({ t: 1, in: forged, h: '0000000000000000', p: [0, 0, 0, 0, 0, 0, 0] });
    const r = replay(parseRecording(`${head}\n${lines[1]}\n${body}\n{"end":true,"ticks":1,"h":""}\n`));
    expect(r.divergence?.tick).toBe(1); // the forged hash differs, but the replay ran
  });
});
