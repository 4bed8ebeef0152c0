import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ZoneClient, type ZoneClientError } from '../../src/client/index.js';
import { newJoinKeyPair, newNonce, signJoinToken, type JoinTokenPayload } from '../../src/cluster/tokens.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';

// The gateway's key pair: zones get only the public half.
const GATEWAY = newJoinKeyPair();
let server: ZoneServer;
let guests: ZoneServer;
const clients: ZoneClient[] = [];

beforeAll(async () => {
  server = await startZoneServer({ port: 0, joinKey: GATEWAY.publicKey, serverId: 'zone-a', zone: { npcs: 0, items: 0 } }, () => {});
  guests = await startZoneServer({ port: 0, joinKey: GATEWAY.publicKey, serverId: 'zone-b', allowGuests: true, zone: { npcs: 0, items: 0 } }, () => {});
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
  await guests.stop();
});

function token(over: Partial<JoinTokenPayload> = {}, key = GATEWAY.privateKey as Parameters<typeof signJoinToken>[1]): string {
  return signJoinToken({ accountId: 1, playerId: 7, name: 'Alice', serverId: 'zone-a', expiresAt: Date.now() + 60_000, nonce: newNonce(), ...over }, key);
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
    ['signed with another key', () => token({}, newJoinKeyPair().privateKey), 'bad_signature'],
    // What a zone holding a shared secret could have made: an HMAC join token counts for nothing.
    ['an HMAC under a shared secret', () => { const body = token().split('.')[0]; return `${body}.${createHmac('sha256', 'a-shared-secret-every-zone-knew').update(`mmo.join.v1.${body}`).digest('base64url')}`; }, 'bad_signature'],
    ['a handoff ticket of no transfer here', () => `handoff:zone-b-${newNonce()}`, 'no transfer of that id is waiting here'],
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

  it('a zone is given only a public key: a private key or a secret in its place is refused at start', async () => {
    await expect(startZoneServer({ port: 0, joinKey: GATEWAY.privateKey, zone: { npcs: 0, items: 0 } }, () => {})).rejects.toThrow(/Ed25519 public key .*never signs/);
    await expect(startZoneServer({ port: 0, joinKey: 'a-shared-secret-every-zone-knew' as never, zone: { npcs: 0, items: 0 } }, () => {})).rejects.toThrow(/Ed25519 public key/);
  });

  it('a zone that allows guests takes an empty token, and still checks a given one', async () => {
    const g = await hello(guests, 'Guesty', '');
    expect(guests.world.names.get(g.netId)).toBe('Guesty');
    expect((await refusal(guests, token())).serverText).toContain('wrong_server');
  });
});
