// The writer thread starts however the project runs TypeScript (tsx CLI, node --import tsx),
// from any working directory, and an idle writer thread does not keep the process alive.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { otherConnection, tempStore } from './helpers.js';

const { file, dir } = tempStore('launch');
const child = fileURLToPath(new URL('./fixtures/writerChild.ts', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

const LAUNCHERS: readonly (readonly [string, string[]])[] = [
  ['tsx CLI', [tsxCli]],
  ['node --import tsx', ['--import', tsxLoader]],
];

describe.each(LAUNCHERS)('writer thread under %s', (label, args) => {
  it.each(['close', 'leave-open'])('flushes, adds an item and exits by itself (%s)', (mode) => {
    const path = file(`${label.replace(/\W+/g, '-')}-${mode}.db`);
    const r = spawnSync(process.execPath, [...args, child, path, mode], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ rows: 1, item: 2 });
    const db = otherConnection(path);
    expect(db.prepare("SELECT hp FROM players WHERE name = 'child'").get()).toEqual({ hp: 7 });
    db.close();
  });
});
