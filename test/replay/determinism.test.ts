import { describe, expect, it } from 'vitest';
import {
  EventKind, Scenario, generateZone, stateHash, stepZone, zoneForEntities, type SimInput, type ZoneWorld,
} from '../../src/sim/index.js';

const TICKS = 1200;

/** A busy zone: thousands of entities, fights to the death, pickups, players leaving and joining. */
function busyZone(seed: number): { world: ZoneWorld; scenario: Scenario } {
  const world = generateZone(zoneForEntities(4000, { npcs: 3000, items: 400 }), seed);
  const scenario = new Scenario(world, {
    players: 600, seed, moveChance: 0.3, attackChance: 0.3, pickupChance: 0.3, chatChance: 0.01, churnChance: 0.002,
  });
  return { world, scenario };
}

function runRecorded(seed: number) {
  const { world, scenario } = busyZone(seed);
  const inputs: SimInput[][] = [];
  const hashes: string[] = [];
  const seen = { deaths: 0, respawns: 0, pickups: 0, leaves: 0, joins: 0, chats: 0 };
  for (let t = 0; t < TICKS; t++) {
    const tickInputs = scenario.next();
    inputs.push(tickInputs);
    stepZone(world, tickInputs);
    hashes.push(stateHash(world).hex);
    for (const ev of world.events) {
      if (ev.kind === EventKind.Death) seen.deaths++;
      if (ev.kind === EventKind.Respawn) seen.respawns++;
      if (ev.kind === EventKind.ItemPickup) seen.pickups++;
      if (ev.kind === EventKind.Chat) seen.chats++;
    }
    seen.leaves += world.left.length;
    seen.joins += world.joined.length;
  }
  return { inputs, hashes, seen };
}

function replayInputs(seed: number, inputs: readonly SimInput[][]): string[] {
  const world = generateZone(zoneForEntities(4000, { npcs: 3000, items: 400 }), seed);
  return inputs.map((tick) => {
    stepZone(world, tick);
    return stateHash(world).hex;
  });
}

describe('determinism', () => {
  const a = runRecorded(11);

  it('exercises spawns, deaths, respawns, pickups and despawns', () => {
    expect(a.seen.deaths).toBeGreaterThan(10);
    expect(a.seen.respawns).toBeGreaterThan(5);
    expect(a.seen.pickups).toBeGreaterThan(25);
    expect(a.seen.leaves).toBeGreaterThan(50);
    expect(a.seen.joins).toBeGreaterThan(600);
    expect(a.seen.chats).toBeGreaterThan(10);
  });

  it('gives the same hash sequence for the same seed and inputs', () => {
    const b = replayInputs(11, a.inputs);
    expect(b).toHaveLength(TICKS);
    const firstDiff = b.findIndex((h, i) => h !== a.hashes[i]);
    expect(firstDiff).toBe(-1);
  });

  it('gives the same sequence when the scenario itself is re-run', () => {
    expect(runRecorded(11).hashes).toEqual(a.hashes);
  });

  it('is not a constant: another seed or one changed input changes the hashes', () => {
    const other = runRecorded(12).hashes;
    expect(other.filter((h, i) => h === a.hashes[i])).toHaveLength(0);
    const changed = a.inputs.map((t) => t.slice());
    const k = changed.findIndex((t, i) => i > 100 && t.some((inp) => inp.type === 'move'));
    const j = changed[k].findIndex((inp) => inp.type === 'move');
    const move = changed[k][j] as Extract<SimInput, { type: 'move' }>;
    changed[k][j] = { ...move, x: move.x + 0.5 };
    const h = replayInputs(11, changed);
    expect(h.slice(0, k)).toEqual(a.hashes.slice(0, k));
    expect(h[k]).not.toBe(a.hashes[k]);
  });

  it('keeps two worlds in one process independent when stepped alternately', () => {
    const x = generateZone(zoneForEntities(4000, { npcs: 3000, items: 400 }), 11);
    const y = generateZone(zoneForEntities(4000, { npcs: 3000, items: 400 }), 99);
    const hx: string[] = [];
    for (let t = 0; t < 300; t++) {
      stepZone(x, a.inputs[t]);
      stepZone(y, []);
      hx.push(stateHash(x).hex);
    }
    expect(hx).toEqual(a.hashes.slice(0, 300));
  });
});
