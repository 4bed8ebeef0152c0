// Fast paths to bitECS's answers. query() builds a string key from its terms on every call (about
// a microsecond with a Not term) and hasComponent() looks the component up in a Map on every call;
// a replay runs thousands of ticks a second, so both are looked up once here and then read from
// bitECS's own live structures: the same arrays, the same answers, in the same order.

import { $internal, commitRemovals, query, type QueryTerm, type World } from 'bitecs';
import type { Components } from './components.js';
import type { ZoneWorld } from './world.js';

interface EcsRegistry {
  componentMap: Map<object, { generationId: number; bitflag: number }>;
  entityMasks: number[][];
}

/**
 * A query run as `query(world.ecs, terms(world.c))` does: pending removals committed, then the
 * members in bitECS's order. The member list is bitECS's own array (it never replaces it), kept per world.
 */
export function cachedQuery(terms: (c: Components) => QueryTerm[]): (world: ZoneWorld) => readonly number[] {
  const members = new WeakMap<World, readonly number[]>();
  return (world) => {
    const known = members.get(world.ecs);
    if (known === undefined) {
      const list = query(world.ecs, terms(world.c)) as readonly number[];
      members.set(world.ecs, list);
      return list;
    }
    commitRemovals(world.ecs);
    return known;
  };
}

/**
 * hasComponent(world.ecs, eid, component) with the component's look-up done once, for a loop
 * over many entities. A component bitECS has not registered yet is on no entity; the test looks
 * again whenever bitECS registers one (even in the middle of the loop).
 */
export function componentTest(world: ZoneWorld, component: object): (eid: number) => boolean {
  const { componentMap, entityMasks } = (world.ecs as unknown as Record<symbol, EcsRegistry>)[$internal];
  let registered = -1, masks: number[] = [], bit = 0;
  return (eid) => {
    if (registered !== componentMap.size) {
      registered = componentMap.size;
      const reg = componentMap.get(component);
      if (reg !== undefined) {
        masks = entityMasks[reg.generationId];
        bit = reg.bitflag;
      }
    }
    return bit !== 0 && (masks[eid] & bit) === bit;
  };
}
