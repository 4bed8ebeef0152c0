// A zone whose sockets live on I/O threads (ioThreads: 2): real uWS apps on worker threads
// sharing the zone's port, real WebSocket clients. Everything a client sees must be what it
// sees from a zone that does its own I/O: joins, moves in the tick they happen, each other,
// backpressure skips, errors and closes from either side, HTTP on the port, and a drain that
// tells everyone and ends every thread cleanly.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneClient, type CloseInfo } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { listenExclusive, uWS } from '../../src/runtime/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import type { TickDriver } from '../../src/zone/driver.js';
import { waitFor } from '../persistence/helpers.js';
import { TestClient, closeAll, httpJson, lateSnapshots, metricValue, waitUntil } from './wsClient.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
/** A small crowded zone: every player within view of every other. */
const SMALL = { bounds: { minX: 0, minY: 0, maxX: 300, maxY: 300 }, spawn: { x: 150, y: 150 }, spawnRadius: 20, npcs: 20, items: 0 };

describe('a zone on two I/O threads', () => {
  let server: ZoneServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startZoneServer({ port: 0, ioThreads: 2, zone: SMALL }, () => {});
  });

  afterAll(async () => {
    await closeAll(clients);
    await server.stop();
  });

  it('many clients join on both threads, see each other, and get every move in its tick', async () => {
    const url = `ws://127.0.0.1:${server.port}/`;
    clients.push(...await Promise.all(Array.from({ length: 40 }, (_, i) => TestClient.join(url, `p${i}`, 20_000))));
    const perThread = server.ioConnections();
    expect(perThread).toHaveLength(2);
    expect(perThread[0] + perThread[1]).toBe(40);
    expect(Math.min(...perThread)).toBeGreaterThan(0); // the kernel spread them (all on one: 2^-39)
    const netIds = clients.map((c) => c.netId);
    expect(new Set(netIds).size).toBe(40);
    // Everyone knows everyone (all within view).
    await Promise.all(clients.map((c) => c.waitFor(() => netIds.every((n) => c.known.has(n)), 10_000, `${c.label} seeing all 40`)));

    // A move lands in the world and reaches the mover and a watcher on the other thread alike.
    const [mover, watcher] = [clients[0], clients[clients.length - 1]];
    const from = mover.lastTick;
    await mover.moveTo(160, 140);
    await watcher.waitFor(() => {
      const k = watcher.known.get(mover.netId);
      return k !== undefined && k.rec.x === 160 && k.rec.y === 140;
    }, 10_000, 'the watcher seeing the move');
    expect(mover.lastTick).toBeGreaterThan(from);
    // Nobody missed a tick's news: a frame at least every heartbeat, ticks in order, nothing undecodable.
    for (const c of clients) {
      expect(lateSnapshots(c.snapshotTicks)).toEqual([]);
      expect(c.decodeFailures).toEqual([]);
      expect(c.unknownMoves).toBe(0);
      expect(c.errors).toEqual([]);
    }
    expect((await httpJson<{ players: number; connections: number }>(server.port, '/status'))).toMatchObject({ players: 40, connections: 40 });

    // What the upgrade URL says crosses the thread too: a whole-zone observer (no entity).
    const observer = await TestClient.join(`${url}?observer=1&scope=zone`, 'watcher');
    expect(observer.netId).toBe(0);
    await observer.waitFor(() => netIds.every((n) => observer.known.has(n)), 5000, 'the observer seeing every player');
    await observer.close();
  }, 60_000);

  it('a client that leaves is gone; one the server closes gets its Error and close code', async () => {
    const leaver = clients.pop()!;
    await leaver.close();
    await waitUntil(() => server.status().players === clients.length, 5000, 'the leaver gone from the world');

    const bad = await TestClient.join(`ws://127.0.0.1:${server.port}/`, 'texter');
    bad.sendText('not a binary frame');
    const closed = await bad.waitClosed();
    expect(bad.errors.map((e) => e.code)).toEqual([ErrorCode.BadFrame]);
    expect(closed.code).toBe(1002);
    await waitUntil(() => server.status().connections === clients.length && server.status().players === clients.length, 5000, 'the closed one gone');
    expect(server.ioConnections().reduce((a, b) => a + b, 0)).toBe(clients.length);
  }, 30_000);

  it('answers HTTP on the port whichever thread takes the connection', async () => {
    for (let i = 0; i < 8; i++) { // fresh connections: both threads relay
      const res = await fetch(`http://127.0.0.1:${server.port}/status`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(((await res.json()) as { players: number }).players).toBe(clients.length);
    }
    expect(await metricValue(server.port, 'mmo_players')).toBe(clients.length);
    const head = await fetch(`http://127.0.0.1:${server.port}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(JSON.stringify({ status: 'ok' }).length);
    expect((await fetch(`http://127.0.0.1:${server.port}/nowhere`)).status).toBe(404);
    // A POST with a body: the admin route answers (here: no admin token, so it is off).
    const admin = await fetch(`http://127.0.0.1:${server.port}/admin/flight/save`, { method: 'POST', body: '{"lastMs":1000}' });
    expect(admin.status).toBe(404);
    expect(((await admin.json()) as { error: string }).error).toMatch(/admin routes are off/);
  });
});

describe('inputs wait for their tick on an I/O thread', () => {
  it('with ticking paused, a Ping is answered at once while a Move waits, and the first tick after applies it', async () => {
    // The thread wakes the tick thread only for what wants an answer (the Ping); a step's inputs
    // wait for the drain that begins each tick. Ticking is paused by hand so that no tick can
    // answer for the thread.
    const server = await startZoneServer({ port: 0, ioThreads: 1, zone: SMALL }, () => {});
    const c = await TestClient.join(`ws://127.0.0.1:${server.port}/`, 'pinger', 20_000);
    const driver = (server as unknown as { driver: TickDriver }).driver;
    try {
      await c.waitTick(c.lastTick + 1);
      driver.stop();
      const tick = server.status().tick;
      const seq = c.move(160, 150);
      c.ping(42);
      await c.waitFor(() => c.pongs.length === 1, 10_000, 'the Pong');
      expect(c.pongs[0]).toMatchObject({ clientTime: 42, serverTick: tick });
      expect(server.status().tick).toBe(tick); // no tick ran meanwhile
      expect(c.ackSeq).toBeLessThan(seq);
      driver.start();
      await c.waitFor(() => c.ackSeq === seq, 10_000, 'the ack');
      expect(c.lastTick).toBe(tick + 1); // the first tick after took it
      expect(c.errors).toEqual([]);
    } finally {
      driver.start();
      await c.close();
      await server.stop();
    }
  }, 30_000);
});

describe('backpressure across threads', () => {
  it('skips a client that stops reading, resyncs it with a keyframe, and closes one stuck past the limit (TooSlow)', async () => {
    // At 100 Hz with many turning NPCs in view: an unread socket fills its buffers within seconds.
    const server = await startZoneServer({
      port: 0, ioThreads: 2, tickRate: 100, sendBudgetBytes: 32 * 1024, laggardMs: 4000,
      zone: { bounds: { minX: 0, minY: 0, maxX: 200, maxY: 200 }, spawn: { x: 100, y: 100 }, npcs: 3000, items: 0, patrolRadius: 2, guardShare: 0, capacity: 4096 },
    }, () => {});
    const url = `ws://127.0.0.1:${server.port}/`;
    const [honest, slow, stuck] = await Promise.all(['honest', 'slow', 'stuck'].map((n) => TestClient.join(url, n, 10_000)));
    try {
      slow.ws.pause();
      await waitUntil(async () => (await metricValue(server.port, 'mmo_snapshots_skipped_total')) > 0, 15_000, 'a skipped snapshot');
      const seen = slow.snapshots.length;
      slow.ws.resume();
      await slow.waitFor(() => slow.snapshots.slice(seen).some((s) => s.keyframe), 10_000, 'a keyframe after resuming');

      stuck.ws.pause();
      await waitUntil(async () => (await metricValue(server.port, 'mmo_connections_closed_total', { reason: 'TooSlow' })) >= 1, 20_000, 'the stuck client closed');
      await waitUntil(() => server.status().players === 2, 2000, 'the stuck player gone');
      expect(slow.errors).toEqual([]);
      expect(honest.errors).toEqual([]);
      expect(lateSnapshots(honest.snapshotTicks, 100, honest.keyframeTicks)).toEqual([]); // skipped only if it fell behind itself
    } finally {
      stuck.ws.terminate();
      await closeAll([honest, slow]);
      await server.stop();
    }
  }, 60_000);
});

describe('stopping a zone with I/O threads', () => {
  it('drains: health says so, new sockets are refused, players are told; then the port is free', async () => {
    const server = await startZoneServer({ port: 0, ioThreads: 2, zone: { npcs: 0, items: 0 } }, () => {});
    const port = server.port;
    const players = await Promise.all(['a', 'b', 'c', 'd'].map(async (name) => {
      const c = new ZoneClient({ name, WebSocket: WebSocket as never });
      const errors: number[] = [];
      c.on('error', (e) => errors.push(e.code));
      const closed = new Promise<CloseInfo>((r) => c.on('close', r));
      await c.connect(`ws://127.0.0.1:${port}/`);
      return { errors, closed };
    }));
    let health = '', lateCode = 0;
    await server.stop(async () => {
      health = (await httpJson<{ status: string }>(port, '/health')).status;
      const late = new WebSocket(`ws://127.0.0.1:${port}/`);
      lateCode = await new Promise<number>((r) => late.on('close', (code) => r(code)));
    });
    expect(health).toBe('draining');
    expect(lateCode).toBe(1001);
    for (const p of players) {
      expect((await p.closed).code).toBe(1001);
      expect(p.errors).toEqual([ErrorCode.ShuttingDown]);
    }
    // Every thread closed its listen socket: the port can be taken exclusively again.
    const again = await listenExclusive(uWS.App(), '127.0.0.1', port);
    uWS.us_listen_socket_close(again.socket);
  }, 30_000);

  it('`mmo zone --io-threads 2`: SIGTERM tells the clients and exits 0; a second zone on its port exits 2 with one line', async () => {
    const spawnZone = (args: string[]) => {
      const child = spawn(process.execPath, [MMO, 'zone', '--no-db', '--no-flight', '--npcs', '0', '--items', '0', '--io-threads', '2', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { out.stdout += d; });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { out.stderr += d; });
      return { child, out };
    };
    const zone = spawnZone(['--port', '0']);
    try {
      const port = await waitFor('listening', () => Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(zone.out.stdout)?.[1] ?? 0), 120_000);
      const second = spawnZone(['--port', String(port)]);
      const [code] = await once(second.child, 'exit');
      expect(code).toBe(2);
      expect(second.out.stderr.trimEnd().split('\n')).toEqual([`error: port ${port} on 127.0.0.1 is already in use`]);

      const c = new ZoneClient({ name: 'stayer', WebSocket: WebSocket as never });
      await c.connect(`ws://127.0.0.1:${port}/`);
      const closed = new Promise<CloseInfo>((r) => c.on('close', r));
      zone.child.kill('SIGTERM');
      const [exitCode, signal] = await once(zone.child, 'exit');
      expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null }); // no abort
      expect((await closed).code).toBe(1001);
    } finally {
      if (zone.child.exitCode === null && zone.child.signalCode === null) zone.child.kill('SIGKILL');
    }
  }, 240_000);
});
