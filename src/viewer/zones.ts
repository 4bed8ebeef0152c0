// Which zones the viewer can show. A server with several zones behind one port (`mmo world`)
// lists them at GET /zones:
//   {"zones":[{"zoneId":1,"name":"zone-1","prefix":"/zone-1","bounds":{"minX":0,...}}, ...]}
// (a lone zone may list itself with prefix ""). Without that route the page shows the zone
// whose page it is and offers no choice.

import type { RectObj } from '../protocol/index.js';

export interface ZoneListing {
  zoneId: number;
  name: string;
  /** Path prefix of the zone's routes ('' at the root). */
  prefix: string;
  bounds: RectObj | null;
}

function isRect(v: unknown): v is RectObj {
  const r = v as Record<string, unknown> | null;
  return r !== null && typeof r === 'object' && ['minX', 'minY', 'maxX', 'maxY'].every((k) => typeof r[k] === 'number');
}

/** The zones of a /zones body; entries that are not well-formed are left out. */
export function parseZones(body: unknown): ZoneListing[] {
  const list = (body as { zones?: unknown } | null)?.zones;
  if (!Array.isArray(list)) return [];
  const out: ZoneListing[] = [];
  for (const z of list as Array<Record<string, unknown>>) {
    if (z === null || typeof z !== 'object') continue;
    const { zoneId, name, prefix, bounds } = z;
    if (typeof zoneId !== 'number' || typeof prefix !== 'string' || !/^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(prefix)) continue;
    out.push({ zoneId, name: typeof name === 'string' ? name : `zone ${zoneId}`, prefix, bounds: isRect(bounds) ? bounds : null });
  }
  return out;
}

/** GET /zones on the page's origin; [] when the server lists none (a lone zone, an old server). */
export async function fetchZones(url = '/zones'): Promise<ZoneListing[]> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.ok ? parseZones(await res.json()) : [];
  } catch {
    return [];
  }
}

/**
 * The zone to show: the one asked for with ?zone=N, else the one whose page this is (by its
 * prefix). `problem` says why ?zone=N could not be honoured.
 */
export function chooseZone(zones: readonly ZoneListing[], pagePrefix: string, zoneId: number | null): { prefix: string; zone: ZoneListing | null; problem?: string } {
  const own = zones.find((z) => z.prefix === pagePrefix) ?? null;
  if (zoneId === null) return { prefix: pagePrefix, zone: own };
  const asked = zones.find((z) => z.zoneId === zoneId);
  if (asked !== undefined) return { prefix: asked.prefix, zone: asked };
  const problem = zones.length === 0 ? `?zone=${zoneId} ignored: this server lists no zones` : `?zone=${zoneId} ignored: no such zone here`;
  return { prefix: pagePrefix, zone: own, problem };
}

/**
 * Where a player who left zone `from` at (x, y) went: the zone `toId` names, or else (the
 * ZoneExit event carries 0 while the destination is not known yet) the listed zone whose
 * bounds hold the point it left at, which is already outside its old zone.
 */
export function destinationOf(zones: readonly ZoneListing[], from: string, toId: number, x: number, y: number): ZoneListing | undefined {
  if (toId !== 0) return zones.find((z) => z.zoneId === toId);
  return zones.find((z) => z.prefix !== from && z.bounds !== null
    && x >= z.bounds.minX && x < z.bounds.maxX && y >= z.bounds.minY && y < z.bounds.maxY);
}
