import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Recorder, ReplayFileError, parseRecording, readRecording, replay } from '../../src/replay/index.js';
import { Scenario, generateZone, stateHash, stepZone, zoneForEntities } from '../../src/sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-'));

function record(path: string, ticks: number, seed = 5): void {
  const world = generateZone(zoneForEntities(3000, { npcs: 2500, items: 200 }), seed);
  const scenario = new Scenario(world, { players: 300, seed, attackChance: 0.2, pickupChance: 0.2, churnChance: 0.002 });
  const rec = new Recorder(path, seed, world.config, 'test');
  for (let t = 0; t < ticks; t++) {
    const inputs = scenario.next();
    stepZone(world, inputs);
    rec.record(world.tick, inputs, stateHash(world));
  }
  rec.close();
}

const good = join(dir, 'good.replay');
record(good, 1000);
const text = readFileSync(good, 'utf8');
const lines = text.split('\n').slice(0, -1);

function write(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('replay', () => {
  it('re-runs a recording with every tick matching', () => {
    const rec = readRecording(good);
    expect(rec.ticks).toHaveLength(1000);
    const r = replay(rec);
    expect(r.divergence).toBeUndefined();
    expect(r.ticks).toBe(1000);
    expect(r.finalHash).toBe(rec.end.h);
  });

  it('names the tick where one changed input makes it diverge, and which state differs', () => {
    const copy = lines.slice();
    // Change the target of the first move at or after tick 400.
    const i = copy.findIndex((l, n) => n >= 400 && l.includes('"type":"move"'));
    const tick = JSON.parse(copy[i]) as { t: number; in: { type: string; x: number }[] };
    tick.in.find((inp) => inp.type === 'move')!.x += 3;
    copy[i] = JSON.stringify(tick);
    const r = replay(parseRecording(copy.join('\n') + '\n'));
    expect(r.divergence).toBeDefined();
    expect(r.divergence!.tick).toBe(tick.t);
    expect(r.divergence!.parts).toContain('motion');
    expect(r.divergence!.parts).not.toContain('vitals');
  });

  it('reports a changed recorded hash at its own tick', () => {
    const copy = lines.slice();
    const t = JSON.parse(copy[700]) as { t: number; h: string };
    t.h = t.h === '0000000000000000' ? '0000000000000001' : '0000000000000000';
    copy[700] = JSON.stringify(t);
    expect(replay(parseRecording(copy.join('\n') + '\n')).divergence!.tick).toBe(700);
  });

  const bad: [string, () => string, RegExp][] = [
    ['missing file', () => join(dir, 'nope.replay'), /cannot read \(ENOENT\)/],
    ['empty file', () => write('empty', ''), /empty file/],
    ['cut mid-line', () => write('cut1', text.slice(0, Math.floor(text.length / 2))), /truncated: the last line is incomplete/],
    ['cut at a line end (no end record)', () => write('cut2', lines.slice(0, 500).join('\n') + '\n'), /truncated: no end record after 499 ticks/],
    ['foreign JSON', () => write('foreign', '{"hello":"world"}\n'), /not an mmo-replay file/],
    ['binary garbage', () => write('garbage', '\u0000\u0001\u0002PK\u0003\n'), /not a JSON object/],
    ['newer version', () => write('v9', lines[0].replace('"version":1', '"version":9') + '\n'), /version 9 is not supported/],
    ['bad zone config', () => write('zone', lines[0].replace('"capacity":', '"capacity":-') + '\n'), /zone config: capacity/],
    ['a missing tick', () => write('gap', [lines[0], lines[1], lines[3]].join('\n') + '\n'), /expected tick 2, found 3/],
    ['a forged end count', () => write('endcount', [lines[0], lines[1], '{"end":true,"ticks":5,"h":""}'].join('\n') + '\n'), /end record counts 5 ticks, file has 1/],
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
    const r = replay(parseRecording(`${head}\n${body}\n{"end":true,"ticks":1,"h":""}\n`));
    expect(r.divergence?.tick).toBe(1); // the forged hash differs, but the replay ran
  });
});
