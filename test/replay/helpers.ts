// Shared by the replay tests: in-process recordings of a scripted scenario, the real `mmo`
// command, and real zone server processes (stopped by pid).

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Recorder, type RecorderOptions } from '../../src/replay/index.js';
import { Scenario, generateZone, stateHash, stepZone, zoneForEntities, type SimInput, type ZoneWorld } from '../../src/sim/index.js';

export const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
export const ROOT = join(import.meta.dirname, '../..');

export interface ScenarioRun {
  world: ZoneWorld;
  /** Steps one tick with the scenario's inputs; returns them. */
  step(): ReturnType<Scenario['next']>;
}

/** A small generated zone with a busy seeded scenario (fights, pickups, churn). */
export function scenarioRun(seed: number, entities = 1200, players = 120): ScenarioRun {
  const world = generateZone(zoneForEntities(entities, { npcs: entities - players - 60, items: 60 }), seed);
  const scenario = new Scenario(world, { players, seed, attackChance: 0.2, pickupChance: 0.2, churnChance: 0.003 });
  return {
    world,
    step() {
      const inputs = scenario.next();
      stepZone(world, inputs);
      return inputs;
    },
  };
}

/** Records `ticks` ticks of scenarioRun to `path` (snapshots every `snapshotEvery` ticks); returns the final hash. */
export function recordScenario(path: string, ticks: number, seed = 5, o: RecorderOptions = {}, entities = 1200): string {
  const run = scenarioRun(seed, entities, Math.round(entities / 10));
  const rec = new Recorder(path, seed, run.world.config, 'test', { world: run.world, snapshotEvery: 100, ...o });
  let hash = '';
  for (let t = 0; t < ticks; t++) {
    const inputs = run.step();
    const h = stateHash(run.world);
    hash = h.hex;
    rec.record(run.world.tick, inputs, h);
  }
  rec.close();
  return hash;
}

/** A busy scenario's inputs (200 players) plus the driver's answers to last tick's handoffs: mostly recalls, some leaves. */
export function handoffDriver(world: ZoneWorld, seed: number) {
  const scenario = new Scenario(world, { players: 200, seed, moveChance: 0.5, attackChance: 0.1, pickupChance: 0.2, churnChance: 0.003 });
  let n = 0;
  return (): SimInput[] => {
    const inputs = scenario.next();
    for (const h of world.handoffs) {
      const b = world.config.bounds;
      if (n++ % 5 === 4) inputs.push({ type: 'leave', session: h.session });
      else inputs.push({ type: 'recall', session: h.session, x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2 });
    }
    return inputs;
  };
}

/** A 160 × 160 zone of 1,000 entities whose players can walk far out of it: handoffs all the time. */
export function handoffWorld(seed: number): ZoneWorld {
  const b = { minX: 0, minY: 0, maxX: 160, maxY: 160 };
  const zone = zoneForEntities(1000, { npcs: 600, items: 100, bounds: b, spawn: { x: 80, y: 80 } });
  // The scenario walks players anywhere in worldBounds, so they keep leaving the zone.
  return generateZone({ ...zone, worldBounds: { minX: -200, minY: -200, maxX: 360, maxY: 360 } }, seed);
}

/** Runs `mmo ARGS` to its end; kills it by pid after `ms`. */
export function mmo(args: string[], ms = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MMO, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { if (child.pid) process.kill(child.pid, 'SIGKILL'); fail(new Error(`mmo ${args.join(' ')}: timed out`)); }, ms);
    child.on('close', (code) => { clearTimeout(timer); done({ code, out }); });
  });
}

/**
 * A real `mmo zone` on a free port with extra flags (and environment); resolves once it listens.
 * Its flight recorder is off unless the flags name its directory (tests keep out of ./data).
 * `output()` is everything it printed so far.
 */
export async function startZone(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const flight = args.includes('--flight-dir') ? [] : ['--no-flight'];
  const child = spawn(process.execPath, [MMO, 'zone', '--port', '0', ...flight, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zone did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`zone exited with ${code}: ${out}`)); });
  });
  return { child, port, output: () => out };
}

/** Stops a child by its pid with `signal` and waits for it to be gone. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid!, signal);
  await gone;
}
