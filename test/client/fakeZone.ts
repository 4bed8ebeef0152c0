// A tiny protocol-speaking zone for the client tests, on the `ws` package (not the real uWS
// ZoneServer). Hello → Welcome + keyframe Snapshot; Ping → Pong; each input → a delta
// Snapshot acking it. Tokens steer the handshake: 'bad' → Error{BadToken} + close 1008,
// 'drop' → close 4000 without a reply, 'silent' → no reply at all.

import { WebSocketServer, type WebSocket } from 'ws';

import {
  EntityKind,
  ErrorCode,
  PROTOCOL_VERSION,
  decodeClientMessage,
  encodeError,
  encodePong,
  encodeSnapshot,
  encodeWelcome,
  type ClientMsg,
  type EntityStateObj,
  type WelcomeInit,
} from '../../src/protocol/index.js';

export interface FakeZone {
  readonly url: string;
  readonly port: number;
  /** Every decoded client message, in arrival order. */
  readonly received: ClientMsg[];
  /** Bytes of every frame sent to clients, per connection index. */
  readonly sentBytes: number[];
  /** Open server-side sockets, newest last. */
  readonly sockets: WebSocket[];
  /** Current server tick (advanced by each snapshot sent). */
  tick: number;
  /** Sends raw bytes (or text) to the newest connection. */
  send(data: Uint8Array | string): void;
  close(): Promise<void>;
}

export const WELCOME: WelcomeInit = {
  sessionId: '0123abcd',
  netId: 7,
  zoneId: 3,
  zoneName: 'meadow',
  bounds: { minX: 0, minY: 0, maxX: 512, maxY: 256 },
  tickRate: 20,
  tick: 1000,
};

export function ownRecord(x: number, y: number): EntityStateObj {
  return {
    netId: WELCOME.netId, x, y, targetX: x, targetY: y, speed: 0, rot: 0,
    hp: 100, maxHp: 100, mana: 50, maxMana: 50, level: 1, kind: EntityKind.Player, flags: 0,
  };
}

export async function startFakeZone(): Promise<FakeZone> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as { port: number }).port;

  const zone: FakeZone = {
    url: `ws://127.0.0.1:${port}`,
    port,
    received: [],
    sentBytes: [],
    sockets: [],
    tick: WELCOME.tick,
    send(data) {
      const ws = zone.sockets[zone.sockets.length - 1];
      if (typeof data !== 'string') zone.sentBytes[zone.sentBytes.length - 1] += data.byteLength;
      ws.send(data, { binary: typeof data !== 'string' });
    },
    close() {
      for (const ws of zone.sockets) ws.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };

  wss.on('connection', (ws) => {
    zone.sockets.push(ws);
    const index = zone.sentBytes.push(0) - 1;
    let joined = false;
    const out = (bytes: Uint8Array): void => {
      zone.sentBytes[index] += bytes.byteLength;
      ws.send(bytes, { binary: true });
    };
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const r = decodeClientMessage(new Uint8Array(data as Buffer));
      if (!r.ok) {
        out(encodeError({ code: r.code, text: r.reason }));
        return;
      }
      const msg = r.msg;
      zone.received.push(msg);
      switch (msg.type) {
        case 'hello':
          if (msg.protocolVersion !== PROTOCOL_VERSION) {
            out(encodeError({ code: ErrorCode.ProtocolVersion, text: `want ${PROTOCOL_VERSION}` }));
            ws.close(1002, 'ProtocolVersion');
          } else if (msg.token === 'bad') {
            out(encodeError({ code: ErrorCode.BadToken, text: 'token rejected' }));
            ws.close(1008, 'BadToken');
          } else if (msg.token === 'drop') {
            ws.close(4000, 'dropped');
          } else if (msg.token === 'silent') {
            // never answers
          } else {
            joined = true;
            out(encodeWelcome({ ...WELCOME, tick: zone.tick }));
            zone.tick++;
            out(encodeSnapshot({ tick: zone.tick, ackSeq: 0, keyframe: true, entities: [ownRecord(10, 20)] }));
          }
          return;
        case 'ping':
          out(encodePong({ clientTime: msg.clientTime, serverTick: zone.tick }));
          return;
        default:
          if (!joined) {
            out(encodeError({ code: ErrorCode.NotJoined }));
            return;
          }
          zone.tick++;
          out(encodeSnapshot({ tick: zone.tick, ackSeq: msg.seq, keyframe: false }));
      }
    });
  });
  return zone;
}
