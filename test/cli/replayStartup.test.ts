// `mmo replay` starts by loading the replay and the simulation only: not the zone server, the
// wire protocol, the bots, the recorders or the other commands. (How fast: bench/replay.ts.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/replay/index.js';
import { DEFAULT_ZONE, generateZone, stateHash, stepZone } from '../../src/sim/index.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const dir = mkdtempSync(join(tmpdir(), 'mmo-replay-start-'));

// A module resolve hook that prints every module the process loads.
writeFileSync(join(dir, 'hooks.mjs'), `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  process.stderr.write('LOADED ' + r.url + '\\n');
  return r;
}\n`);
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);

/** The modules `mmo ARGS` loads, and how it exited. */
function modulesOf(...args: string[]): { code: number | null; out: string; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, MMO, ...args], { encoding: 'utf8', timeout: 60_000 });
  const modules = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
  return { code: r.status, out: r.stdout, modules };
}

describe('mmo replay start-up', () => {
  const file = join(dir, 'short.replay');
  const world = generateZone({ ...DEFAULT_ZONE, npcs: 20, items: 5 }, 3);
  const rec = new Recorder(file, 3, world.config, 'test', { world });
  for (let t = 0; t < 5; t++) {
    stepZone(world, []);
    rec.record(world.tick, [], stateHash(world));
  }
  rec.close();

  it('loads the replay and the simulation, and none of the server, protocol, bots or recorder modules', () => {
    const r = modulesOf('replay', file);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^ok: 5 ticks replayed/);
    const ours = r.modules.filter((u) => u.includes('/src/'));
    for (const needed of ['/src/cli/replay.ts', '/src/replay/replayer.ts', '/src/sim/step.ts']) expect(ours.some((u) => u.endsWith(needed)), needed).toBe(true);
    const unwanted = ['/src/protocol/', '/src/bots/', '/src/zone/', '/src/store/', '/src/cli/main.ts', '/src/cli/zone.ts',
      '/src/replay/recorder.ts', '/src/replay/flight.ts', '/src/runtime/worker.ts',
      'uWebSockets', '/pino', 'prom-client', 'flatbuffers', 'better-sqlite3', '/nats/'];
    expect(r.modules.filter((u) => unwanted.some((w) => u.includes(w)))).toEqual([]);
  });

  it('still lists every command under --help, replay among them', () => {
    const r = modulesOf('--help');
    expect(r.code).toBe(0);
    for (const command of ['sim', 'replay', 'zone', 'bots']) expect(r.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(r.modules.some((u) => u.endsWith('/src/cli/main.ts'))).toBe(true);
  });
});
