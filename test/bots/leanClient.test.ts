import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { LeanWebSocket } from '../../bench/lib/leanWebSocket.js';
import { peekServerFrame, type FramePeek } from '../../bench/lib/serverFramePeek.js';
import {
  decodeServerMessage, encodeHello, encodeSnapshot, encodeWelcome, EventKind, type SnapshotMsg,
} from '../../src/protocol/index.js';
import { ServerBody } from '../../src/protocol/generated/mmo/wire/server-body.js';
import { startZoneServer } from '../../src/zone/index.js';

// The bench's lean bot client (bench/lib): a WebSocket client speaking RFC 6455 to real
// servers (ws and the zone's uWS), and a peek that reads a server frame's tick and emptiness
// exactly as the full decoder does.

const peekOf = (bytes: Uint8Array, start = 0, end = bytes.length): FramePeek | undefined => {
  const out: FramePeek = { body: -1, tick: -1, heartbeat: false };
  return peekServerFrame(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), start, end, out) ? out : undefined;
};

describe('peekServerFrame', () => {
  const entity = { netId: 7, x: 1, y: 2, targetX: 3, targetY: 4, speed: 5, rot: 0, hp: 10, maxHp: 10, mana: 0, maxMana: 0, level: 1, kind: 1, flags: 0 };

  it('reads the tick and tells an empty delta from one with records, removals or events', () => {
    expect(peekOf(encodeSnapshot({ tick: 123456, ackSeq: 42, keyframe: false }))).toEqual({ body: ServerBody.Snapshot, tick: 123456, heartbeat: true });
    expect(peekOf(encodeSnapshot({ tick: 9, ackSeq: 0, keyframe: false, removed: [3] }))).toMatchObject({ tick: 9, heartbeat: false });
    expect(peekOf(encodeSnapshot({ tick: 10, ackSeq: 0, keyframe: true, entities: [entity] }))).toMatchObject({ tick: 10, heartbeat: false });
    const event = { kind: EventKind.Chat, source: 7, target: 0, x: 0, y: 0, value: 0, text: 'hi' };
    expect(peekOf(encodeSnapshot({ tick: 11, ackSeq: 1, keyframe: false, events: [event] }))).toMatchObject({ tick: 11, heartbeat: false });
    expect(peekOf(encodeSnapshot({ tick: 0, ackSeq: 0, keyframe: false }))).toMatchObject({ tick: 0, heartbeat: true });
  });

  it('names other bodies, reads a frame inside a larger buffer, and refuses a cut one', () => {
    const welcome = encodeWelcome({
      sessionId: 'ab', netId: 1, zoneId: 1, zoneName: 'z', bounds: { minX: 0, minY: 0, maxX: 1, maxY: 1 }, tickRate: 20, tick: 5,
    });
    expect(peekOf(welcome)?.body).toBe(ServerBody.Welcome);
    const snap = encodeSnapshot({ tick: 77, ackSeq: 0, keyframe: false });
    const inside = new Uint8Array(snap.length + 16).fill(0xff);
    inside.set(snap, 8);
    expect(peekOf(inside, 8, 8 + snap.length)).toEqual({ body: ServerBody.Snapshot, tick: 77, heartbeat: true });
    expect(peekOf(inside, 8, 8 + snap.length - 8)).toBeUndefined();
    expect(peekOf(new Uint8Array(4))).toBeUndefined();
  });
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('LeanWebSocket', () => {
  let wss: WebSocketServer | undefined;
  let raw: Server | undefined;
  afterEach(async () => {
    wss?.close();
    raw?.close();
    wss = raw = undefined;
  });

  /** A ws server; resolves with its URL and a promise of the first connection. */
  async function wsServer() {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await once(wss, 'listening');
    const conn = once(wss, 'connection').then(([ws]) => ws as WsSocket);
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/path`, conn };
  }

  /** Opens a client to `url` recording what it is told (messages copied out: the views are valid only in the callback). */
  function client(url: string, onOpen?: (ws: LeanWebSocket) => void) {
    const got = { opened: false, messages: [] as Buffer[], closed: undefined as { code: number; reason: string } | undefined };
    let closedNow!: () => void;
    const closed = new Promise<void>((resolve) => { closedNow = resolve; });
    const ws: LeanWebSocket = new LeanWebSocket(url, {
      open: () => { got.opened = true; onOpen?.(ws); },
      message: (data, start, end) => got.messages.push(Buffer.from(data.subarray(start, end))),
      close: (code, reason) => { got.closed = { code, reason }; closedNow(); },
    });
    return { ws, got, closed };
  }

  it('sends masked frames of every length form that a server reads intact, and reads whole, large and fragmented messages', async () => {
    const { url, conn } = await wsServer();
    const payloads = [Buffer.from('hi'), Buffer.alloc(300, 7), Buffer.alloc(70_000, 9)];
    const c = client(url, (ws) => payloads.forEach((p) => ws.send(p)));
    const server = await conn;
    const received: Buffer[] = [];
    server.on('message', (d: Buffer) => received.push(d));
    await until(() => received.length === 3);
    expect(received).toEqual(payloads);

    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    server.send(Buffer.from([1, 2, 3]));
    server.send(big);
    server.send(Buffer.from([4, 5]), { fin: false });
    server.send(Buffer.from([6]), { fin: true });
    await until(() => c.got.messages.length === 3);
    expect(c.got.messages[0]).toEqual(Buffer.from([1, 2, 3]));
    expect(c.got.messages[1].equals(big)).toBe(true);
    expect(c.got.messages[2]).toEqual(Buffer.from([4, 5, 6]));
    c.ws.terminate();
  });

  it('answers a ping with its payload and echoes the close code', async () => {
    const { url, conn } = await wsServer();
    const c = client(url);
    const server = await conn;
    const pong = once(server, 'pong');
    server.ping(Buffer.from('abc'));
    expect((await pong)[0]).toEqual(Buffer.from('abc'));
    const serverClosed = once(server, 'close');
    server.close(4001, 'bye');
    await c.closed;
    expect(c.got.closed).toEqual({ code: 4001, reason: 'bye' });
    expect((await serverClosed)[0]).toBe(4001);
  });

  it('refuses a server that does not answer the handshake right', async () => {
    raw = createServer((s) => s.once('data', () => s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n')));
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const c = client(`ws://127.0.0.1:${(raw.address() as AddressInfo).port}/`);
    await c.closed;
    expect(c.got.opened).toBe(false);
    expect(c.got.closed).toEqual({ code: 1006, reason: 'handshake: wrong Sec-WebSocket-Accept' });
  });

  it('joins a real zone and peeks the same tick from each snapshot as the full decoder', async () => {
    const zone = await startZoneServer({ port: 0, zone: { npcs: 20 } }, () => {});
    try {
      const c = client(`ws://127.0.0.1:${zone.port}/`, (ws) => ws.send(encodeHello({ name: 'lean' })));
      await until(() => c.got.messages.length >= 8);
      c.ws.terminate();
      const [welcome, ...snapshots] = c.got.messages;
      expect(decodeServerMessage(welcome).type).toBe('welcome');
      for (const bytes of snapshots) {
        const full = decodeServerMessage(bytes) as SnapshotMsg;
        expect(full.type).toBe('snapshot');
        expect(peekOf(bytes)).toEqual({
          body: ServerBody.Snapshot, tick: full.tick, heartbeat: full.entities.length + full.moves.length + full.steers.length + full.removed.length + full.events.length === 0,
        });
      }
    } finally {
      await zone.stop();
    }
  });
});
