// Crash-safe recordings: a recording cut at any byte (plain or gzip) replays every complete
// tick it holds and says where it ends; `mmo replay` exits 3 for it. And the real thing: a
// recording `mmo zone` with WebSocket players on it, SIGKILLed at random moments.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { ReplayFileError, decodeRecording, parseRecording, readRecording, replay } from '../../src/replay/index.js';
import { Rng } from '../../src/sim/index.js';
import { mmo, recordScenario, startZone, stopChild } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-crash-'));
const children: Parameters<typeof stopChild>[0][] = [];
afterAll(async () => { for (const c of children) await stopChild(c, 'SIGKILL'); });

/** Every cut point worth trying: the first and last 40 bytes, and 200 spread over the rest. */
function cutPoints(length: number, seed: number): number[] {
  const r = new Rng(seed);
  const points = new Set<number>();
  for (let i = 0; i <= 40; i++) { points.add(i); points.add(length - i); }
  for (let i = 0; i < 200; i++) points.add(r.int(length));
  return [...points].filter((p) => p >= 0 && p <= length).sort((a, b) => a - b);
}

/** Complete tick lines in the first `cut` characters of a plain recording. */
function completeTicks(text: string, cut: number): number {
  const body = text.slice(0, text.lastIndexOf('\n', cut - 1) + 1);
  return body.split('\n').filter((l) => l.startsWith('{"t":')).length;
}

describe('recordings cut short', () => {
  for (const gzip of [false, true]) {
    it(`${gzip ? 'gzip' : 'plain'}: a cut at any byte replays every complete tick and says where it ends`, () => {
      const path = join(dir, gzip ? 'run.replay.gz' : 'run.replay');
      recordScenario(path, 240, 3, { snapshotEvery: 60 }, 400);
      const bytes = readFileSync(path);
      const full = decodeRecording(bytes);
      let previous = -1, refused = 0;
      for (const cut of cutPoints(bytes.length, 7)) {
        let rec;
        const text = decodeRecording(bytes.subarray(0, cut));
        try {
          rec = parseRecording(text, `cut${cut}`);
        } catch (e) {
          // Only a cut inside the header line leaves nothing to go on.
          expect(e, `cut at ${cut}`).toBeInstanceOf(ReplayFileError);
          expect((e as Error).message).toMatch(/empty file|truncated before its header ended/);
          expect(previous, `cut at ${cut}`).toBe(-1);
          refused++;
          continue;
        }
        const r = replay(rec);
        expect(r.divergence, `cut at ${cut}`).toBeUndefined();
        if (rec.end) {
          // Whole, or (gzip) only the last member's closing bytes cut: every line is there.
          expect(text === full, `cut at ${cut}`).toBe(true);
          expect(r.lastTick).toBe(240);
          continue;
        }
        expect(rec.truncated, `cut at ${cut}`).toBeDefined();
        expect(r.lastTick).toBe(rec.truncated!.lastTick);
        if (!gzip) expect(r.lastTick, `cut at ${cut}`).toBe(completeTicks(full, cut));
        expect(r.lastTick, `cut at ${cut}`).toBeGreaterThanOrEqual(previous);
        previous = r.lastTick;
      }
      expect(refused).toBeGreaterThan(0);
      expect(previous).toBeGreaterThanOrEqual(239);
    }, 120_000);
  }

  it('`mmo replay` exits 3 for a cut file whose ticks all match, 1 when one of them does not', async () => {
    const path = join(dir, 'cli.replay');
    recordScenario(path, 120, 4, { snapshotEvery: 50 }, 400);
    const text = readFileSync(path, 'utf8');
    const cut = join(dir, 'cli-cut.replay');
    writeFileSync(cut, text.slice(0, text.indexOf('{"t":90,') + 20));
    const r = await mmo(['replay', cut]);
    expect(r.code, r.out).toBe(3);
    expect(r.out).toMatch(/^truncated: 89 ticks replayed \(1\.\.89\), every state hash matches; the file ends after tick 89, a cut line of 20 bytes dropped/);
    const changed = join(dir, 'cli-cut-changed.replay');
    const lines = readFileSync(cut, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('{"t":40,'));
    const t = JSON.parse(lines[i]) as { h: string };
    t.h = t.h === '0000000000000000' ? '0000000000000001' : '0000000000000000';
    lines[i] = JSON.stringify(t);
    writeFileSync(changed, lines.join('\n'));
    const d = await mmo(['replay', changed]);
    expect(d.code, d.out).toBe(1);
    expect(d.out).toContain('DIVERGED at tick 40');
  }, 60_000);
});

describe('a recording zone killed with SIGKILL', () => {
  it('leaves a file that replays every complete tick (3 kills at random moments, players on it)', async () => {
    const r = new Rng(20261202);
    for (let run = 0; run < 3; run++) {
      const file = join(dir, `zone${run}.replay${run === 2 ? '.gz' : ''}`);
      const { child, port } = await startZone(['--record', file, '--no-db', '--seed', String(run + 1)]);
      children.push(child);
      const clients: ZoneClient[] = [];
      for (let i = 0; i < 2; i++) {
        const c = new ZoneClient({ name: `crash${run}x${i}`, WebSocket: WebSocket as never });
        await c.connect(`ws://127.0.0.1:${port}/`);
        clients.push(c);
      }
      // Walk about for a random while (a count of steps, not a clock), then kill.
      const steps = 5 + r.int(25);
      for (let s = 0; s < steps; s++) {
        for (const c of clients) c.move(500 + r.range(-50, 50), 500 + r.range(-50, 50));
        await new Promise((done) => setTimeout(done, 40 + r.int(60)));
      }
      await stopChild(child, 'SIGKILL');
      for (const c of clients) c.close();
      const rec = readRecording(file);
      expect(rec.end, file).toBeUndefined();
      const result = replay(rec);
      expect(result.divergence, file).toBeUndefined();
      expect(result.lastTick).toBe(rec.truncated!.lastTick);
      const cli = await mmo(['replay', file]);
      expect(cli.code, cli.out).toBe(3);
      expect(cli.out).toContain(`the file ends after tick ${rec.truncated!.lastTick}`);
    }
  }, 180_000);
});
