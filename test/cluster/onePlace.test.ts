// One login, one live copy: racing joins of one account across zone processes (real
// nats-server, a shared SQLite file) never put the player in two zones; the database says which
// zone holds it, and the gateway routes a second login there (where it is refused).

import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient, ZoneClientError } from '../../src/client/index.js';
import { startProcessWorld, type ProcessWorld } from '../../src/cli/world.js';
import { newNonce, signJoinToken } from '../../src/cluster/tokens.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { tempDb, waitFor } from '../persistence/helpers.js';
import { playing } from '../../bench/lib/worldProbe.js';
import { gatewayPost, skipWithoutNats } from './worldProbe.js';

const SKIP = skipWithoutNats(import.meta.filename);

let world: ProcessWorld;
let db: string;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  if (SKIP) return;
  db = tempDb('oneplace');
  world = await startProcessWorld({ zones: 4, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 3, nats: 'auto', db, npcs: 0, items: 0 });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await world?.stop();
});

/** Joins `endpoint` with `token`: the client once welcomed, or the refusal's error code. */
async function join(endpoint: string, token: string): Promise<ZoneClient | ErrorCode> {
  const c = new ZoneClient({ name: 'ignored', token, WebSocket: WebSocket as never });
  clients.push(c);
  try {
    await c.connect(endpoint);
    return c;
  } catch (e) {
    if (e instanceof ZoneClientError && e.kind === 'server') return e.code;
    throw e;
  }
}

function leaseOf(playerId: number): { online_zone: string | null; zone: string } {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT online_zone, zone FROM players WHERE id = ?').get(playerId) as { online_zone: string | null; zone: string };
  } finally {
    d.close();
  }
}

describe.skipIf(SKIP)('one player, one place, across zone processes', () => {
  it('two routes and two joins at once for one login: one plays, the other is refused', async () => {
    const login = await gatewayPost(world.port, '/login', { name: 'twin', password: 'correct horse battery' });
    const routes = await Promise.all([1, 2].map(() => gatewayPost(world.port, '/route', { type: 'zone' }, String(login.token))));
    const joins = await Promise.all(routes.map((r) => join(String(r.endpoint), String(r.token))));
    expect(joins.filter((j) => j instanceof ZoneClient)).toHaveLength(1);
    expect(joins.filter((j) => j === ErrorCode.AlreadyJoined)).toHaveLength(1);
    const where = await playing(world.layout);
    expect(where.get('twin')).toHaveLength(1);
    // A third login while it plays is routed to the zone it plays in, and refused there.
    const again = await gatewayPost(world.port, '/login', { name: 'twin', password: 'correct horse battery' });
    const route = await gatewayPost(world.port, '/route', { type: 'zone' }, String(again.token));
    expect(route.serverId).toBe(where.get('twin')![0]);
    expect(await join(String(route.endpoint), String(route.token))).toBe(ErrorCode.AlreadyJoined);
    expect(leaseOf(Number(login.playerId)).online_zone).toBe(where.get('twin')![0]);
  }, 60_000);

  it('joins racing into all four zones at once (tokens as if routed to each): exactly one wins, the row is that zone\'s', async () => {
    const login = await gatewayPost(world.port, '/login', { name: 'racer', password: 'correct horse battery' });
    const playerId = Number(login.playerId), accountId = Number(login.accountId);
    let worst = 0, samples = 0, sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const where = await playing(world.layout);
        worst = Math.max(worst, where.get('racer')?.length ?? 0);
        samples++;
      }
    })();
    const tokens = world.layout.zones.map((z) => ({
      endpoint: z.endpoint,
      token: signJoinToken({ accountId, playerId, name: 'racer', serverId: z.serverId, expiresAt: Date.now() + 30_000, nonce: newNonce() }, world.joinKey),
    }));
    const joins = await Promise.all(tokens.map((t) => join(t.endpoint, t.token)));
    const winners = joins.filter((j): j is ZoneClient => j instanceof ZoneClient);
    expect(winners).toHaveLength(1);
    expect(joins.filter((j) => j === ErrorCode.AlreadyJoined)).toHaveLength(3);
    const zone = world.layout.zones.find((z) => z.zoneId === winners[0].welcomeMsg!.zoneId)!.serverId;
    await waitFor('a few samples', () => samples >= 5, 30_000);
    sampling = false;
    await sampler;
    expect(worst).toBe(1);
    expect(leaseOf(playerId).online_zone).toBe(zone);
    // It leaves: the lease is free and another zone may take the player.
    winners[0].close();
    await waitFor('lease released', () => leaseOf(playerId).online_zone === null, 15_000);
    expect(leaseOf(playerId).zone).toBe(zone); // the last write was the winner's
    const other = tokens.find((t) => t.endpoint !== world.layout.zones.find((z) => z.serverId === zone)!.endpoint)!;
    const fresh = signJoinToken({
      accountId, playerId, name: 'racer', serverId: world.layout.zones.find((z) => z.endpoint === other.endpoint)!.serverId,
      expiresAt: Date.now() + 30_000, nonce: newNonce(),
    }, world.joinKey);
    expect(await join(other.endpoint, fresh)).toBeInstanceOf(ZoneClient);
  }, 60_000);
});
