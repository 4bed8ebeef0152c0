import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient, type ZoneClientError } from '../../src/client/index.js';
import { newJoinKeyPair } from '../../src/cluster/tokens.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { waitFor } from '../persistence/helpers.js';

let server: ZoneServer;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  server = await startZoneServer({ port: 0, zone: { npcs: 40, items: 0, bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, spawn: { x: 100, y: 100 } } }, () => {});
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
});

async function observer(): Promise<ZoneClient> {
  const c = new ZoneClient({ name: 'eye', WebSocket: WebSocket as never });
  clients.push(c);
  await c.connect(`ws://127.0.0.1:${server.port}/?observer=1`);
  return c;
}

describe('observers (?observer=1)', () => {
  it('watch without an entity: NetId 0, no player counted, snapshots every tick', async () => {
    const c = await observer();
    expect(c.netId).toBe(0);
    await waitFor('snapshots', () => c.stats.snapshots > 5, 5000);
    expect(server.status().players).toBe(0);
    expect([...c.world.netIds()].every((id) => server.world.netToEid.has(id))).toBe(true);
  });

  it('move their view with Move, and may do nothing else', async () => {
    const c = await observer();
    const errors: ZoneClientError[] = [];
    c.on('error', (e) => errors.push(e));
    c.move(900, 900);
    // Everything the observer knows is now around (900, 900).
    await waitFor('the far view', () => {
      const ids = [...c.world.netIds()];
      return ids.length > 0 && ids.every((id) => {
        const r = c.world.get(id)!.record;
        return Math.abs(r.x - 900) <= 150 && Math.abs(r.y - 900) <= 150;
      });
    }, 5000);
    c.chat('hello');
    await waitFor('a refusal', () => errors.length > 0, 2000);
    expect(errors[0].code).toBe(ErrorCode.InputRejected);
    expect(server.status().players).toBe(0);
  });

  it('see the whole zone with ?scope=zone, and the zone lists its players\' names and itself', async () => {
    const c = new ZoneClient({ name: 'eye', WebSocket: WebSocket as never });
    clients.push(c);
    await c.connect(`ws://127.0.0.1:${server.port}/?observer=1&scope=zone`);
    // 40 NPCs spread over 1000 × 1000: a 5 × 5-cell view around (100, 100) would hold few of them.
    await waitFor('every NPC', () => c.world.size === server.status().entities, 5000);
    const ann = new ZoneClient({ name: 'ann', WebSocket: WebSocket as never });
    clients.push(ann);
    await ann.connect(`ws://127.0.0.1:${server.port}/`);
    const names = await (await fetch(`http://127.0.0.1:${server.port}/names`)).json();
    expect(names).toEqual({ [ann.netId]: 'ann' });
    expect(await (await fetch(`http://127.0.0.1:${server.port}/zones`)).json()).toEqual({
      zones: [{ zoneId: server.world.config.id, name: server.world.config.name, prefix: '', bounds: server.world.config.bounds }],
    });
  });

  it('are allowed where the zone says so, even where players need a join token', async () => {
    const open = await startZoneServer({ port: 0, joinKey: newJoinKeyPair().publicKey, allowObservers: true, zone: { npcs: 0, items: 0 } }, () => {});
    const c = new ZoneClient({ name: 'eye', WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${open.port}/?observer=1`);
    expect(c.netId).toBe(0);
    c.close();
    await open.stop();
  });

  it('are capped: one past maxObservers is refused as ServerFull', async () => {
    const small = await startZoneServer({ port: 0, maxObservers: 1, zone: { npcs: 0, items: 0 } }, () => {});
    const first = new ZoneClient({ name: 'eye1', WebSocket: WebSocket as never });
    const second = new ZoneClient({ name: 'eye2', WebSocket: WebSocket as never });
    await first.connect(`ws://127.0.0.1:${small.port}/?observer=1&scope=zone`);
    await expect(second.connect(`ws://127.0.0.1:${small.port}/?observer=1`)).rejects.toMatchObject({ code: ErrorCode.ServerFull });
    first.close();
    second.close();
    await small.stop();
  });

  it('are refused where guests are (zones that need a join token)', async () => {
    const strict = await startZoneServer({ port: 0, joinKey: newJoinKeyPair().publicKey, zone: { npcs: 0, items: 0 } }, () => {});
    const c = new ZoneClient({ name: 'eye', WebSocket: WebSocket as never });
    await expect(c.connect(`ws://127.0.0.1:${strict.port}/?observer=1`)).rejects.toMatchObject({ code: ErrorCode.BadToken });
    await strict.stop();
  });
});
