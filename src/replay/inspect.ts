// Reading a world the way a person debugging it wants to: one entity's components by name,
// and what differs between two worlds (entity by NetId, component, field, both values).

import { hasComponent } from 'bitecs';
import { EntityKind, type ZoneWorld } from '../sim/index.js';

export type KindName = 'player' | 'npc' | 'item' | 'unknown';

export interface EntityState {
  netId: number;
  kind: KindName;
  /** Player name, for players. */
  name?: string;
  /** Every component the entity has, with its fields (tags as empty objects). */
  components: Record<string, Record<string, number>>;
}

/** One difference between an expected and an actual world. */
export interface FieldDiff {
  /** 0 for the world's own fields. */
  netId: number;
  kind: KindName | 'world';
  component: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

const KIND_NAMES: Record<number, KindName> = { [EntityKind.Player]: 'player', [EntityKind.Npc]: 'npc', [EntityKind.Item]: 'item' };

export function kindName(kind: number): KindName {
  return KIND_NAMES[kind] ?? 'unknown';
}

/** An entity's state by NetId, or undefined when no live entity has it. */
export function entityState(world: ZoneWorld, netId: number): EntityState | undefined {
  const eid = world.netToEid.get(netId);
  if (eid === undefined) return undefined;
  const components: EntityState['components'] = {};
  for (const [name, comp] of Object.entries(world.c)) {
    if (!hasComponent(world.ecs, eid, comp) && name !== 'Kind') continue;
    const fields: Record<string, number> = {};
    for (const [field, arr] of Object.entries(comp as Record<string, ArrayLike<number>>)) fields[field] = arr[eid];
    components[name] = fields;
  }
  const state: EntityState = { netId, kind: kindName(world.c.Kind.value[eid]), components };
  const name = world.names.get(netId);
  if (name !== undefined) state.name = name;
  return state;
}

/** A world as inspect.ts compares it: its own fields, and every live entity by NetId. */
export interface WorldState {
  fields: Record<string, unknown>;
  entities: Map<number, EntityState>;
}

/** The state of a live world, for diffStates (the expected side may be a change-log model). */
export function worldState(w: ZoneWorld): WorldState {
  const entities = new Map<number, EntityState>();
  for (const netId of w.netToEid.keys()) entities.set(netId, entityState(w, netId)!);
  return {
    fields: {
      tick: w.tick, nextNetId: w.nextNetId, rng: [...w.rng.state], entities: w.netToEid.size,
      sessions: JSON.stringify([...w.sessions].map(([s, e]) => [s, w.c.NetId.id[e]])),
      itemRespawns: JSON.stringify(w.itemRespawns),
    },
    entities,
  };
}

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

/** Every difference, world fields first, then entities in NetId order; at most `limit` listed. */
export function diffWorlds(expected: ZoneWorld, actual: ZoneWorld, limit = 20): { diffs: FieldDiff[]; total: number } {
  return diffStates(worldState(expected), worldState(actual), limit);
}

/** diffWorlds on world states. */
export function diffStates(expected: WorldState, actual: WorldState, limit = 20): { diffs: FieldDiff[]; total: number } {
  const diffs: FieldDiff[] = [];
  let total = 0;
  const add = (d: FieldDiff) => {
    total++;
    if (diffs.length < limit) diffs.push(d);
  };
  const we = expected.fields, wa = actual.fields;
  for (const k of Object.keys(we)) {
    if (!same(we[k], wa[k])) add({ netId: 0, kind: 'world', component: 'world', field: k, expected: we[k], actual: wa[k] });
  }
  const ids = [...new Set([...expected.entities.keys(), ...actual.entities.keys()])].sort((a, b) => a - b);
  for (const id of ids) {
    const e = expected.entities.get(id), a = actual.entities.get(id);
    const kind = (e ?? a)!.kind;
    if (!e || !a) {
      add({ netId: id, kind, component: 'entity', field: 'exists', expected: !!e, actual: !!a });
      continue;
    }
    if (e.name !== a.name) add({ netId: id, kind, component: 'Player', field: 'name', expected: e.name, actual: a.name });
    for (const comp of new Set([...Object.keys(e.components), ...Object.keys(a.components)])) {
      const ce = e.components[comp], ca = a.components[comp];
      if (!ce || !ca) {
        add({ netId: id, kind, component: comp, field: '(present)', expected: !!ce, actual: !!ca });
        continue;
      }
      for (const f of Object.keys(ce)) if (!Object.is(ce[f], ca[f])) add({ netId: id, kind, component: comp, field: f, expected: ce[f], actual: ca[f] });
    }
  }
  return { diffs, total };
}
