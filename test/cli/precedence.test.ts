// `mmo zone`: where each option's value comes from. default < config file < environment
// (MMO_HOST, MMO_PORT, MMO_DB, MMO_BANDWIDTH) < flag, for every option, through the real argument parser;
// and end to end, a config file's port is the port the server listens on.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { ZONE_COMMAND_DEFAULTS, zoneInit, type ZoneCommandOptions } from '../../src/cli/zone.js';
import { freePort } from '../../src/bus/index.js';
import { DEFAULT_OPTIONS, resolveOptions, type ZoneServerOptions } from '../../src/zone/index.js';
import { startAndWait, waitUntil } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'mmo-precedence-'));
let files = 0;

/** The options `mmo zone ARGV` would start the server with, under this environment and config file. */
function resolvedZone(argv: string[], env: Record<string, string> = {}, config?: object): ZoneServerOptions {
  const program = buildProgram(() => {});
  let given: ZoneCommandOptions | undefined;
  const zone = program.commands.find((c) => c.name() === 'zone')!;
  zone.action((o: ZoneCommandOptions) => { given = o; }).configureOutput({ writeErr: () => {} });
  const configArgs: string[] = [];
  if (config) {
    const file = join(dir, `config-${files++}.json`);
    writeFileSync(file, JSON.stringify(config));
    configArgs.push('--config', file);
  }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    program.parse(['node', 'mmo', 'zone', ...configArgs, ...argv]);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return resolveOptions(zoneInit(given!));
}

interface Case {
  option: string;
  read: (o: ZoneServerOptions) => unknown;
  fallback: unknown;
  file: object;
  fromFile: unknown;
  flag: string[];
  fromFlag: unknown;
  env?: [string, string, unknown];
}

const CASES: Case[] = [
  { option: 'host', read: (o) => o.host, fallback: '127.0.0.1', file: { host: '127.0.0.2' }, fromFile: '127.0.0.2', flag: ['--host', '127.0.0.3'], fromFlag: '127.0.0.3', env: ['MMO_HOST', '127.0.0.4', '127.0.0.4'] },
  { option: 'port', read: (o) => o.port, fallback: 7777, file: { port: 17900 }, fromFile: 17900, flag: ['--port', '17901'], fromFlag: 17901, env: ['MMO_PORT', '17902', 17902] },
  { option: 'db', read: (o) => o.db, fallback: ZONE_COMMAND_DEFAULTS.db, file: { db: 'file.db' }, fromFile: 'file.db', flag: ['--db', 'flag.db'], fromFlag: 'flag.db', env: ['MMO_DB', 'env.db', 'env.db'] },
  { option: 'seed', read: (o) => o.seed, fallback: DEFAULT_OPTIONS.seed, file: { seed: 11 }, fromFile: 11, flag: ['--seed', '12'], fromFlag: 12 },
  { option: 'tick rate', read: (o) => o.tickRate, fallback: DEFAULT_OPTIONS.tickRate, file: { tickRate: 25 }, fromFile: 25, flag: ['--tick-rate', '30'], fromFlag: 30 },
  { option: 'npcs', read: (o) => o.zone.npcs, fallback: resolveOptions().zone.npcs, file: { zone: { npcs: 3 } }, fromFile: 3, flag: ['--npcs', '4'], fromFlag: 4 },
  { option: 'items', read: (o) => o.zone.items, fallback: resolveOptions().zone.items, file: { zone: { items: 5 } }, fromFile: 5, flag: ['--items', '6'], fromFlag: 6 },
  { option: 'size', read: (o) => o.zone.bounds.maxX, fallback: resolveOptions().zone.bounds.maxX, file: { zone: { bounds: { minX: 0, minY: 0, maxX: 400, maxY: 400 }, spawn: { x: 200, y: 200 } } }, fromFile: 400, flag: ['--size', '300'], fromFlag: 300 },
  { option: 'spawn radius', read: (o) => o.zone.spawnRadius, fallback: resolveOptions().zone.spawnRadius, file: { zone: { spawnRadius: 7 } }, fromFile: 7, flag: ['--spawn-radius', '8'], fromFlag: 8 },
  { option: 'idle timeout', read: (o) => o.idleTimeoutMs, fallback: DEFAULT_OPTIONS.idleTimeoutMs, file: { idleTimeoutMs: 8000 }, fromFile: 8000, flag: ['--idle-timeout', '9'], fromFlag: 9000 },
  { option: 'record', read: (o) => o.record, fallback: undefined, file: { record: 'file.replay' }, fromFile: 'file.replay', flag: ['--record', 'flag.replay'], fromFlag: 'flag.replay' },
  { option: 'bandwidth', read: (o) => o.bandwidthBytesPerSec, fallback: 0, file: { bandwidthBytesPerSec: 4096 }, fromFile: 4096, flag: ['--bandwidth', '2048'], fromFlag: 2048, env: ['MMO_BANDWIDTH', '3000', 3000] },
  { option: 'flush ticks', read: (o) => o.flushTicks, fallback: DEFAULT_OPTIONS.flushTicks, file: { flushTicks: 13 }, fromFile: 13, flag: ['--flush-ticks', '14'], fromFlag: 14 },
  { option: 'io threads', read: (o) => o.ioThreads, fallback: 0, file: { ioThreads: 1 }, fromFile: 1, flag: ['--io-threads', '2'], fromFlag: 2, env: ['MMO_IO_THREADS', '3', 3] },
];

describe.each(CASES)('mmo zone: $option', (c) => {
  it('default when nothing sets it', () => {
    expect(c.read(resolvedZone([]))).toEqual(c.fallback);
  });

  it('the config file over the default', () => {
    expect(c.fromFile).not.toEqual(c.fallback);
    expect(c.read(resolvedZone([], {}, c.file))).toEqual(c.fromFile);
  });

  it('a flag over the config file', () => {
    expect(c.read(resolvedZone(c.flag, {}, c.file))).toEqual(c.fromFlag);
    expect(c.read(resolvedZone(c.flag))).toEqual(c.fromFlag);
  });

});

// Only the options an environment variable sets (MMO_HOST, MMO_PORT, MMO_DB, MMO_BANDWIDTH).
describe.each(CASES.filter((c) => c.env !== undefined))('mmo zone: $option from the environment', (c) => {
  it('the environment over the file, a flag over the environment', () => {
    const [name, value, expected] = c.env!;
    expect(c.read(resolvedZone([], { [name]: value }))).toEqual(expected);
    expect(c.read(resolvedZone([], { [name]: value }, c.file))).toEqual(expected);
    expect(c.read(resolvedZone(c.flag, { [name]: value }, c.file))).toEqual(c.fromFlag);
  });
});

describe('mmo zone: keeping nothing', () => {
  it('--no-db wins over the file, the environment and the default', () => {
    expect(resolvedZone(['--no-db'], { MMO_DB: 'env.db' }, { db: 'file.db' }).db).toBeUndefined();
  });

  it('"db": null in the file keeps nothing (the command default does not come back)', () => {
    expect(resolvedZone([], {}, { db: null }).db).toBeUndefined();
    expect(resolvedZone(['--db', 'flag.db'], {}, { db: null }).db).toBe('flag.db');
  });

  it('refuses a bad MMO_PORT as it refuses a bad --port', () => {
    expect(() => resolvedZone([], { MMO_PORT: 'lots' })).toThrow(/MMO_PORT|port/);
  });

  it('takes the switches a config file may set (lag compensation, guests, observers), and only as true or false', () => {
    expect(resolvedZone([]).lagCompensation).toBe(true);
    const off = resolvedZone([], {}, { lagCompensation: false, allowGuests: false, allowObservers: false });
    expect([off.lagCompensation, off.allowGuests, off.allowObservers]).toEqual([false, false, false]);
    expect(() => resolvedZone([], {}, { lagCompensation: 'no' })).toThrow(/lagCompensation: must be true or false/);
  });

  it('refuses a bandwidth cap too small to carry a frame, from a flag or a file', () => {
    expect(() => resolvedZone(['--bandwidth', '100'])).toThrow(/bandwidthBytesPerSec/);
    expect(() => resolvedZone([], {}, { bandwidthBytesPerSec: -1 })).toThrow(/bandwidthBytesPerSec/);
  });
});

describe('mmo zone --config, end to end', () => {
  it('listens on the port the file names', async () => {
    const port = await freePort();
    const file = join(dir, 'port.json');
    writeFileSync(file, JSON.stringify({ port, db: null }));
    const zone = await startAndWait(process.execPath, [join(import.meta.dirname, '../../src/cli/mmo.js'), 'zone', '--config', file], /metrics http:\S+/);
    try {
      expect(zone.output()).toContain(`listening on ws://127.0.0.1:${port}/`);
      expect(zone.output()).toContain('no database');
      expect(((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string }).status).toBe('ok');
    } finally {
      zone.proc.kill('SIGTERM');
      expect(await waitUntil(() => zone.proc.exitCode !== null, 30_000)).toBe(true);
    }
  }, 120_000);
});
