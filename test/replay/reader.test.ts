// Snapshot lines as the recorder writes them are read without JSON.parse; any other shape of
// the same JSON (escapes, more keys) reads the same, and damaged base64 is refused either way.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayFileError, parseRecording } from '../../src/replay/index.js';
import { recordScenario } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-reader-'));
const file = join(dir, 'r.replay');
recordScenario(file, 120, 3, { snapshotEvery: 50 }, 400);
const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
const snapAt = lines.findIndex((l) => l.startsWith('{"snap":50,'));

/** The file with its snapshot line of tick 50 replaced. */
const withSnapshotLine = (line: string) => parseRecording([...lines.slice(0, snapAt), line, ...lines.slice(snapAt + 1)].join('\n') + '\n');

describe('reading snapshot lines', () => {
  const b64 = (JSON.parse(lines[snapAt]) as { b64: string }).b64;

  it('reads the recorder\'s lines and the same JSON written another way alike', () => {
    const plain = parseRecording(lines.join('\n') + '\n');
    expect([...plain.snapshots.keys()]).toEqual([0, 50, 100, 120]);
    expect(plain.snapshots.get(50)).toBe(b64);
    for (const other of [`{"snap":50,"b64":"${b64}","note":"x"}`, `{"snap":50,"b64":"${b64.replace(/\//g, '\\/')}"}`]) {
      expect(withSnapshotLine(other).snapshots).toEqual(plain.snapshots);
    }
  });

  it('refuses base64 with a foreign character or padding before its end, and a snapshot of another tick', () => {
    const bad = [`{"snap":50,"b64":"${b64.slice(0, 10)}*${b64.slice(11)}"}`, `{"snap":50,"b64":"${b64.slice(0, 10)}=${b64.slice(11)}"}`,
      `{"snap":50,"b64":"${b64}==="}`, `{"snap":49,"b64":"${b64}"}`, `{"snap":50,"b64":"${b64}\\u002a"}`];
    for (const line of bad) expect(() => withSnapshotLine(line), line.slice(-20)).toThrow(ReplayFileError);
  });
});
