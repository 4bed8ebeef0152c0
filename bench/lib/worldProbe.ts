// Reading a multi-process world from outside, as an operator would: where each name plays,
// from every zone's /players over HTTP (the chaos rig and the world tests watch it).

import type { WorldLayout } from '../../src/cli/world.js';

/**
 * Where each name plays (joined sessions) across every zone of the world, read over HTTP; a
 * zone that does not answer counts nobody. (A player being handed over is frozen in its
 * source, 'transferring', until it joins the target.)
 */
export async function playing(layout: WorldLayout): Promise<Map<string, string[]>> {
  const where = new Map<string, string[]>();
  await Promise.all(layout.zones.map(async (z) => {
    const url = z.endpoint.replace('ws://', 'http://') + 'players';
    let stages: Record<string, string[]>;
    try {
      stages = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, string[]>;
    } catch {
      return; // down (being killed or restarted): nobody plays there
    }
    for (const n of stages.joined ?? []) where.set(n, [...(where.get(n) ?? []), z.serverId]);
  }));
  return where;
}

/** Names online in more than one zone at once (must stay empty). */
export function twice(where: Map<string, string[]>): string[] {
  return [...where].filter(([, zones]) => zones.length > 1).map(([n, zones]) => `${n} in ${zones.join(' and ')}`);
}
