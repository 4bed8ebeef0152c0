// ZoneClient against a small ws-based fake zone on 127.0.0.1 (see fakeZone.ts).

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import {
  ZoneClient,
  ZoneClientError,
  type WebSocketConstructor,
  type ZoneClientEvents,
  type ZoneClientEventType,
  type ZoneClientOptions,
} from '../../src/client/index.js';
import {
  ErrorCode,
  PROTOCOL_VERSION,
  encodeSnapshot,
  encodeWelcome,
  encodeZoneChange,
  type EventObj,
} from '../../src/protocol/index.js';
import { WELCOME, ownRecord, startFakeZone, type FakeZone } from './fakeZone.js';

let zone: FakeZone;
const clients: ZoneClient[] = [];

beforeEach(async () => {
  zone = await startFakeZone();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await zone.close();
});

function client(opts: Partial<ZoneClientOptions> = {}): ZoneClient {
  const c = new ZoneClient({ name: 'ann', WebSocket, ...opts });
  clients.push(c);
  return c;
}

/** Resolves with the listener arguments of the next `type` event. */
function next<K extends ZoneClientEventType>(c: ZoneClient, type: K): Promise<Parameters<ZoneClientEvents[K]>> {
  return new Promise((resolve) => {
    c.once(type, ((...args: Parameters<ZoneClientEvents[K]>) => resolve(args)) as ZoneClientEvents[K]);
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Patches the union type byte of a ServerMessage frame (field 0 of the root table). */
function withBodyType(frame: Uint8Array, type: number): Uint8Array {
  const f = frame.slice();
  const v = new DataView(f.buffer);
  const table = v.getUint32(0, true);
  const vtable = table - v.getInt32(table, true);
  f[table + v.getUint16(vtable + 4, true)] = type;
  return f;
}

describe('ZoneClient handshake', () => {
  it('sends Hello on open and resolves with the Welcome, then applies the keyframe', async () => {
    const c = client({ token: 'tok-1' });
    const snap = next(c, 'snapshot');
    const welcome = next(c, 'welcome');
    expect(c.state).toBe('idle');
    const p = c.connect(zone.url);
    expect(c.state).toBe('connecting');
    const w = await p;
    expect(w).toEqual({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, ...WELCOME });
    expect((await welcome)[0]).toBe(w);
    expect(c.state).toBe('joined');
    expect(c.joined).toBe(true);
    expect(c.netId).toBe(7);
    expect(c.welcomeMsg).toBe(w);
    expect(zone.received[0]).toEqual({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: 'tok-1', name: 'ann' });

    const [s, changes] = await snap;
    expect(s.keyframe).toBe(true);
    expect(s.tick).toBe(1001);
    expect(changes.entered).toEqual([7]);
    expect(c.world.own()!.record).toEqual(ownRecord(10, 20));
    expect(c.world.tick).toBe(1001);
    expect(c.stats.framesReceived).toBe(2);
    expect(c.stats.snapshots).toBe(1);
    expect(c.stats.bytesReceived).toBe(zone.sentBytes[0]);
    expect(c.stats.framesSent).toBe(1);
    expect(c.clock.synced).toBe(true);
    expect(c.sampleEntity(7)).toMatchObject({ x: 10, y: 20 });
  });

  it('static connect resolves with the joined client', async () => {
    const c = await ZoneClient.connect(zone.url, { name: 'bob', WebSocket });
    clients.push(c);
    expect(c.joined).toBe(true);
    expect(zone.received[0]).toMatchObject({ type: 'hello', name: 'bob', token: '' });
  });

  it('an Error before Welcome rejects with the server code and text', async () => {
    const c = client({ token: 'bad' });
    const errors: ZoneClientError[] = [];
    c.on('error', (e) => errors.push(e));
    const closed = next(c, 'close');
    const err = await c.connect(zone.url).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ZoneClientError);
    const e = err as ZoneClientError;
    expect(e.kind).toBe('server');
    expect(e.code).toBe(ErrorCode.BadToken);
    expect(e.codeName).toBe('BadToken');
    expect(e.serverText).toBe('token rejected');
    expect(e.message).toContain('BadToken');
    expect(errors).toEqual([e]);
    await closed;
    expect(c.state).toBe('closed');
    expect(c.move(1, 1)).toBe(0);
  });

  it('a bad protocol version is refused by the server', async () => {
    const c = client({ protocolVersion: PROTOCOL_VERSION + 1 });
    await expect(c.connect(zone.url)).rejects.toMatchObject({ kind: 'server', code: ErrorCode.ProtocolVersion });
  });

  it('a close before Welcome rejects with the close code', async () => {
    const c = client({ token: 'drop' });
    await expect(c.connect(zone.url)).rejects.toMatchObject({ kind: 'closed', closeCode: 4000 });
    expect(c.state).toBe('closed');
  });

  it('no Welcome in time rejects with a timeout', async () => {
    const c = client({ token: 'silent', connectTimeoutMs: 100 });
    await expect(c.connect(zone.url)).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('a refused connection rejects', async () => {
    const port = zone.port;
    await zone.close();
    zone = await startFakeZone(); // afterEach closes this one
    const c = client();
    const err = await c.connect(`ws://127.0.0.1:${port}`).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ZoneClientError);
    expect(['socket', 'closed']).toContain((err as ZoneClientError).kind);
  });

  it('close() while connecting rejects the pending connect', async () => {
    const c = client({ token: 'silent' });
    const p = c.connect(zone.url);
    c.close();
    await expect(p).rejects.toMatchObject({ kind: 'closed' });
  });

  it('without a WebSocket implementation connect rejects', async () => {
    const c = new ZoneClient({ name: 'x', WebSocket: undefined, createSocket: undefined });
    if ((globalThis as { WebSocket?: unknown }).WebSocket === undefined) {
      await expect(c.connect(zone.url)).rejects.toMatchObject({ kind: 'socket' });
    }
    c.close();
  });
});

describe('ZoneClient inputs, pings, frames', () => {
  it('inputs carry increasing seqs and get acknowledged', async () => {
    const c = client();
    expect(c.move(1, 2)).toBe(0); // not joined: nothing sent
    await c.connect(zone.url);
    expect(c.move(100, 50)).toBe(1);
    expect(c.chat('hello there')).toBe(2);
    expect(c.attack(9)).toBe(3);
    expect(c.useItem(11)).toBe(4);
    expect(c.move(0.5, 0.25)).toBe(5);
    expect(c.lastSeq).toBe(5);
    expect(c.unackedInputs).toBeGreaterThan(0);
    expect(() => c.move(NaN, 1)).toThrow(RangeError);
    expect(() => c.attack(0)).toThrow(RangeError);
    expect(() => c.useItem(1.5)).toThrow(RangeError);
    expect(() => c.chat('')).toThrow(RangeError);
    expect(c.lastSeq).toBe(5);
    await until(() => c.world.ackSeq === 5);
    expect(c.unackedInputs).toBe(0);
    expect(zone.received.slice(1)).toEqual([
      { type: 'move', seq: 1, x: 100, y: 50 },
      { type: 'chat', seq: 2, text: 'hello there' },
      { type: 'attack', seq: 3, target: 9 },
      { type: 'useItem', seq: 4, item: 11 },
      { type: 'move', seq: 5, x: 0.5, y: 0.25 },
    ]);
    expect(c.stats.framesSent).toBe(6);
    expect(c.stats.snapshots).toBe(6);
    expect(c.stats.lastSnapshotIntervalMs).toBeGreaterThanOrEqual(0);
  });

  it('measures RTT from Ping/Pong with the injected clock', async () => {
    let t = 1000;
    const c = client({ now: () => t });
    const early = next(c, 'pong');
    const p = c.connect(zone.url);
    await until(() => c.stats.framesSent === 1); // Hello sent: socket open
    expect(c.ping()).toBe(1000); // allowed before Welcome
    t = 1037;
    const [first] = await early;
    expect(first.rttMs).toBe(37);
    expect(first.rttAverageMs).toBe(37);
    await p;

    const pong = next(c, 'pong');
    expect(c.ping()).toBe(1037);
    t = 1117; // 80 ms
    const [second] = await pong;
    expect(second.rttMs).toBe(80);
    expect(second.rttAverageMs).toBe(37 + (80 - 37) / 8);
    expect(second.pong.clientTime).toBe(1037);
    expect(c.rtt.lastMs).toBe(80);
    expect(c.rtt.count).toBe(2);
    // The clock: 10 s later (older observations are out of the 2 s window) tick 3000 arrives.
    t = 11_117;
    const snap = next(c, 'snapshot');
    zone.send(encodeSnapshot({ tick: 3000, ackSeq: 0, keyframe: false }));
    await snap;
    expect(c.clock.offsetMs).toBe(3000 * 50 - 11_117);
    t = 11_127;
    expect(c.serverTimeMs()).toBe(3000 * 50 + 10);
    expect(c.renderTimeMs()).toBe(3000 * 50 - 90);
    // Since the keyframe, which arrived at local 1000 or 1037.
    expect([11_117 - 1000, 11_117 - 1037]).toContain(c.stats.lastSnapshotIntervalMs);
  });

  it('reports undecodable, text and unknown frames without throwing; the connection keeps working', async () => {
    const c = client();
    const errors: ZoneClientError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect(zone.url);
    zone.send(new Uint8Array(16)); // not a FlatBuffer
    zone.send('hello'); // text frame
    const welcome = encodeWelcome(WELCOME);
    zone.send(withBodyType(welcome, 9)); // a message type from the future: ignored
    zone.send(welcome.subarray(0, 12)); // truncated
    const pong = next(c, 'pong');
    c.ping();
    await pong;
    expect(errors.map((e) => e.kind)).toEqual(['decode', 'protocol', 'decode']);
    expect(errors[0].code).toBe(ErrorCode.BadFrame);
    expect(c.stats.decodeErrors).toBe(3);
    expect(c.stats.unknownMessages).toBe(1);
    expect(c.joined).toBe(true);
  });

  it('emits events in order after the snapshot, and survives throwing listeners', async () => {
    const c = client();
    await c.connect(zone.url);
    const seen: Array<[EventObj, number]> = [];
    const errors: ZoneClientError[] = [];
    c.on('event', (e, tick) => seen.push([e, tick]));
    c.on('error', (e) => errors.push(e));
    const off = c.on('snapshot', () => {
      throw new Error('boom');
    });
    const events = [
      { kind: 6, source: 7, target: 0, x: 10, y: 20, value: 0, text: 'hi' },
      { kind: 2, source: 3, target: 7, x: 10, y: 20, value: 12, text: '' },
    ];
    const snap = next(c, 'snapshot');
    zone.send(encodeSnapshot({ tick: 2000, ackSeq: 0, keyframe: false, events }));
    await snap;
    expect(seen).toEqual([[events[0], 2000], [events[1], 2000]]);
    expect(errors).toHaveLength(1);
    expect(errors[0].kind).toBe('listener');
    expect((errors[0].cause as Error).message).toBe('boom');
    off();
  });

  it('ZoneChange is reported; connect() follows it with the new token and a fresh session', async () => {
    const c = client();
    await c.connect(zone.url);
    c.move(1, 1);
    await until(() => c.world.ackSeq === 1);
    const change = next(c, 'zoneChange');
    const closed = next(c, 'close');
    zone.send(encodeZoneChange({ endpoint: zone.url, token: 'handoff-42', zoneId: 4 }));
    zone.sockets[0].close(1000, 'zone change');
    const [zc] = await change;
    expect(zc).toEqual({ type: 'zoneChange', endpoint: zone.url, token: 'handoff-42', zoneId: 4 });
    expect(c.lastZoneChange).toEqual(zc);
    const [info] = await closed;
    expect(info).toEqual({ code: 1000, reason: 'zone change', byClient: false });
    expect(c.state).toBe('closed');

    await c.connect(zc.endpoint, { token: zc.token });
    expect(zone.received.at(-1)).toEqual({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: 'handoff-42', name: 'ann' });
    expect(c.joined).toBe(true);
    expect(c.lastSeq).toBe(0);
    expect(c.world.ackSeq).toBe(0);
    expect(c.move(2, 2)).toBe(1);
  });

  it('close() closes and reports byClient', async () => {
    const c = client();
    await c.connect(zone.url);
    const closed = next(c, 'close');
    c.close(1000, 'bye');
    const [info] = await closed;
    expect(info.byClient).toBe(true);
    expect(info.code).toBe(1000);
    expect(c.state).toBe('closed');
    expect(c.move(1, 1)).toBe(0);
    expect(c.ping()).toBeNaN();
  });

  it('a factory can supply the socket', async () => {
    const urls: string[] = [];
    const c = client({
      WebSocket: undefined,
      createSocket: (url) => {
        urls.push(url);
        return new WebSocket(url, { perMessageDeflate: false });
      },
    });
    await c.connect(zone.url);
    expect(urls).toEqual([zone.url]);
  });
});

describe('client SDK portability', () => {
  it('accepts both the ws and the DOM WebSocket classes (type level)', () => {
    const fromWs: WebSocketConstructor = WebSocket;
    const fromDom = (): WebSocketConstructor => globalThis.WebSocket;
    expect(typeof fromWs).toBe('function');
    expect(typeof fromDom).toBe('function');
  });

  it('src/client imports no node: modules or ws, and its logic reads no clock', () => {
    const dir = fileURLToPath(new URL('../../src/client/', import.meta.url));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(dir + file, 'utf8');
      expect(src, file).not.toMatch(/^(import|export)\b[^;]*?from\s+['"](node:[^'"]*|ws)['"]/m);
      expect(src, file).not.toMatch(/\brequire\(|import\(/);
      expect(src, file).not.toMatch(/Date\.now\(/);
      if (file !== 'connection.ts') expect(src, file).not.toMatch(/performance\.now|setTimeout|setInterval/);
    }
  });
});
