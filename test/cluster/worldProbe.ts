// Test helpers for a multi-process world: the gateway's /login and /route, and whether the NATS
// tests run here. (Where each name plays is bench/lib/worldProbe.ts, shared with the chaos rig.)

import { NATS_SERVER_PACKAGE, findNatsServer } from '../../src/bus/index.js';

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
