import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const dir = mkdtempSync(join(tmpdir(), 'mmo-cli-'));

function mmo(...args: string[]) {
  const r = spawnSync(process.execPath, [MMO, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mmo sim / mmo replay', () => {
  const file = join(dir, 'run.replay');
  const first = mmo('sim', '--entities', '3000', '--ticks', '150', '--seed', '9', '--record', file, '--json');

  it('prints one JSON line with tick figures, per-system times, heap and the final hash', () => {
    expect(first.code).toBe(0);
    const lines = first.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]);
    expect(r.ticks).toBe(150);
    for (const k of ['p50', 'p99', 'max']) expect(r.tickMs[k]).toBeGreaterThan(0);
    expect(r.tickMs.p50).toBeLessThanOrEqual(r.tickMs.p99);
    expect(Object.keys(r.systemsMs)).toEqual(['inputs', 'movement', 'patrol', 'combat', 'items', 'boundary', 'interest', 'history']);
    expect(r.heapMB).toBeGreaterThan(0);
    expect(r.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives the same final hash for the same seed, recorded or not, and another for another seed', () => {
    const again = JSON.parse(mmo('sim', '--entities', '3000', '--ticks', '150', '--seed', '9', '--json').out);
    const other = JSON.parse(mmo('sim', '--entities', '3000', '--ticks', '150', '--seed', '10', '--json').out);
    const hash = JSON.parse(first.out).hash;
    expect(again.hash).toBe(hash);
    expect(other.hash).not.toBe(hash);
  });

  it('replays the recording: exit 0, every tick confirmed', () => {
    const r = mmo('replay', file, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ ok: true, ticks: 150, recordedTicks: 150, hash: JSON.parse(first.out).hash });
  });

  it('exit 1 naming the first diverging tick', () => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l, n) => n > 60 && l.includes('"type":"move"'));
    const tick = JSON.parse(lines[i]);
    tick.in.find((inp: { type: string }) => inp.type === 'move').y += 1;
    lines[i] = JSON.stringify(tick);
    const bad = join(dir, 'changed.replay');
    writeFileSync(bad, lines.join('\n'));
    const r = mmo('replay', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`DIVERGED at tick ${tick.t} of 150`);
  });

  it('exit 2 for a missing or foreign file, 3 for a truncated one', () => {
    expect(mmo('replay', join(dir, 'missing')).code).toBe(2);
    const cut = join(dir, 'cut.replay');
    writeFileSync(cut, readFileSync(file, 'utf8').slice(0, 5000));
    const r = mmo('replay', cut);
    expect(r.code).toBe(3);
    expect(r.out).toContain('truncated');
    expect(mmo('replay', join(import.meta.dirname, '../../package.json')).code).toBe(2);
  });

  it('has --help and refuses bad arguments with exit 2', () => {
    const help = mmo('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('sim');
    expect(help.out).toContain('replay');
    const bad = mmo('sim', '--entities', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--entities');
    expect(mmo('nonsense').code).toBe(2);
  });

  it('prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = mmo(flag);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(version);
    }
  });
});
