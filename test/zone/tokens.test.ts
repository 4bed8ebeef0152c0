import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ZoneClient, type ZoneClientError } from '../../src/client/index.js';
import { newNonce, signJoinToken, type JoinTokenPayload } from '../../src/cluster/tokens.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';

const SECRET = 'a-test-secret-of-enough-length';
let server: ZoneServer;
let guests: ZoneServer;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  server = await startZoneServer({ port: 0, tokenSecret: SECRET, serverId: 'zone-a', zone: { npcs: 0, items: 0 } }, () => {});
  guests = await startZoneServer({ port: 0, tokenSecret: SECRET, serverId: 'zone-b', allowGuests: true, zone: { npcs: 0, items: 0 } }, () => {});
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
  await guests.stop();
});

function token(over: Partial<JoinTokenPayload> = {}): string {
  return signJoinToken({ accountId: 1, playerId: 7, name: 'Alice', serverId: 'zone-a', expiresAt: Date.now() + 60_000, nonce: newNonce(), ...over }, SECRET);
}

async function hello(s: ZoneServer, name: string, tok: string): Promise<ZoneClient> {
  const c = new ZoneClient({ name, token: tok, WebSocket: WebSocket as never });
  clients.push(c);
  await c.connect(`ws://127.0.0.1:${s.port}/`);
  return c;
}

async function refusal(s: ZoneServer, tok: string): Promise<ZoneClientError> {
  try {
    await hello(s, 'Mallory', tok);
  } catch (e) {
    return e as ZoneClientError;
  }
  throw new Error('joined with a token that should be refused');
}

describe('join tokens', () => {
  it('takes the identity from the token, not from the name the client sends', async () => {
    const c = await hello(server, 'Mallory', token());
    expect(server.world.names.get(c.netId)).toBe('Alice');
  });

  it.each([
    ['expired', () => token({ expiresAt: Date.now() - 1 }), 'expired'],
    ['for another server', () => token({ serverId: 'zone-b' }), 'wrong_server'],
    ['signed with another secret', () => signJoinToken({ accountId: 1, playerId: 7, name: 'Alice', serverId: 'zone-a', expiresAt: Date.now() + 60_000, nonce: newNonce() }, 'some-other-secret-of-length'), 'bad_signature'],
    ['tampered', () => { const t = token(); return t.slice(0, 5) + (t[5] === 'A' ? 'B' : 'A') + t.slice(6); }, ''],
    ['garbage', () => 'not.a.token', ''],
    ['missing (guests not allowed)', () => '', 'requires a join token'],
  ])('refuses a token that is %s with BadToken and a close', async (_what, make, reason) => {
    const e = await refusal(server, make());
    expect(e.code).toBe(ErrorCode.BadToken);
    expect(e.serverText ?? '').toContain(reason);
  });

  it('accepts a token once: a replay is refused', async () => {
    const t = token({ name: 'Bob', playerId: 8 });
    await hello(server, 'Bob', t);
    const e = await refusal(server, t);
    expect(e.serverText).toContain('replayed');
  });

  it('a zone that allows guests takes an empty token, and still checks a given one', async () => {
    const g = await hello(guests, 'Guesty', '');
    expect(guests.world.names.get(g.netId)).toBe('Guesty');
    expect((await refusal(guests, token())).serverText).toContain('wrong_server');
  });
});
