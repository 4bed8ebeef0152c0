// Reading a multi-process world from outside, as an operator would: every zone's /players over
// HTTP, and the gateway's /login and /route.

import { NATS_SERVER_PACKAGE, findNatsServer } from '../../src/bus/index.js';
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

/** POSTs JSON to the gateway; throws with the status on a refusal. */
export async function gatewayPost(port: number, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path} ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * Whether a test needing Debian's nats-server is skipped: only where it is missing and CI does
 * not require it, with a warning naming `file`.
 */
export function skipWithoutNats(file: string): boolean {
  const skip = findNatsServer() === null && !process.env.CI;
  if (skip) console.warn(`${file}: skipped, no nats-server (apt-get install ${NATS_SERVER_PACKAGE})`);
  return skip;
}
