// Issue 8, abuse: slowloris-style half-open connections. Raw TCP sockets that connect and send
// nothing, or trickle a partial HTTP upgrade request a byte at a time; and WebSocket
// connections that never say Hello. Honest clients keep every tick, and the server closes the
// half-open sockets itself (uWS's HTTP idle timeout for raw TCP, helloTimeoutMs for WebSockets),
// so they never pile up.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient, lateSnapshots, metricValue, waitUntil } from '../zone/wsClient.js';

let s: ZoneServer;
const raw: Socket[] = [];
const honest: TestClient[] = [];
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  s = await startZoneServer({ port: 0, tickRate: 20, helloTimeoutMs: 500, zone: { npcs: 50, items: 0 } }, () => {});
});

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  for (const r of raw) r.destroy();
  await Promise.all(honest.map((c) => c.close()));
  await s.stop();
});

interface Half { socket: Socket; openedAt: number; closedAt?: number; bytesSent: number; got: string }

function halfOpen(trickle: boolean): Half {
  const socket = connect(s.port, '127.0.0.1');
  raw.push(socket);
  const h: Half = { socket, openedAt: performance.now(), bytesSent: 0, got: '' };
  socket.on('error', () => {});
  socket.on('data', (d) => { h.got += d.toString(); });
  socket.on('close', () => { h.closedAt = performance.now(); });
  if (trickle) {
    // A valid upgrade request that never ends: one byte every 400 ms, no final blank line.
    const req = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Padding: ${'a'.repeat(200)}\r\n`;
    const t = setInterval(() => {
      if (h.closedAt !== undefined || h.bytesSent >= req.length) return void clearInterval(t);
      socket.write(req[h.bytesSent++]);
    }, 400);
    timers.push(t);
  }
  return h;
}

const seconds = (h: Half) => ((h.closedAt ?? NaN) - h.openedAt) / 1000;

describe('abuse: slowloris and half-open connections', () => {
  it('closes silent and trickling raw sockets and Hello-less WebSockets by itself; honest clients keep every tick', async () => {
    const clients = await Promise.all([0, 1, 2].map((i) => TestClient.join(`ws://127.0.0.1:${s.port}/`, `honest${i}`, 10_000)));
    honest.push(...clients);
    for (const c of clients) c.keepSnapshots = false;
    const from = clients.map((c) => c.lastTick);
    const t0 = performance.now();

    const silent = Array.from({ length: 200 }, () => halfOpen(false));
    const trickling = Array.from({ length: 50 }, () => halfOpen(true));
    // WebSockets that open and never say Hello, in waves, for 3 s.
    const noHello: TestClient[] = [];
    let maxConns = 0;
    for (let wave = 0; wave < 6; wave++) {
      noHello.push(...(await Promise.all(Array.from({ length: 50 }, () => TestClient.connect(`ws://127.0.0.1:${s.port}/`)))));
      maxConns = Math.max(maxConns, s.status().connections);
      await new Promise((r) => setTimeout(r, 500));
    }
    // helloTimeoutMs (500 ms; the sweep follows the deadlines, at most 250 ms late) closes each within about a second.
    await Promise.all(noHello.map((c) => c.waitFor(() => c.closeInfo, 3000, 'closed for no Hello')));
    const noHelloCodes = new Set(noHello.map((c) => c.closeInfo!.code));
    await waitUntil(() => s.status().connections === 3, 3000, 'only the honest connections left');

    // Raw half-open sockets: uWS's own HTTP idle timeout closes them.
    await waitUntil(() => [...silent, ...trickling].every((h) => h.closedAt !== undefined), 30_000, 'every half-open socket closed by the server');
    const silentS = silent.map(seconds).sort((a, b) => a - b);
    const trickleS = trickling.map(seconds).sort((a, b) => a - b);
    const elapsed = (performance.now() - t0) / 1000;
    console.log(`half-open: silent closed after ${silentS[0].toFixed(1)}..${silentS[silentS.length - 1].toFixed(1)} s; ` +
      `trickling closed after ${trickleS[0].toFixed(1)}..${trickleS[trickleS.length - 1].toFixed(1)} s having sent ${Math.min(...trickling.map((h) => h.bytesSent))}..${Math.max(...trickling.map((h) => h.bytesSent))} bytes; ` +
      `no-Hello WebSockets closed with ${[...noHelloCodes].join(',')}, at most ${maxConns} connections open; run ${elapsed.toFixed(1)} s`);

    // Error{IdleTimeout} then a normal close with the reason.
    expect(noHelloCodes).toEqual(new Set([1000]));
    for (const c of noHello) expect(c.closeInfo!.reason).toContain('no Hello in time');
    expect(maxConns).toBeLessThan(3 + 150); // swept as they came: never all 300 at once
    expect(await metricValue(s.port, 'mmo_connections_closed_total')).toBeGreaterThanOrEqual(300);
    for (const v of [...silentS, ...trickleS]) {
      // Observed: ~11.9 s for every one (uWS's 10 s HTTP idle timeout on its 4 s timer sweep).
      expect(v).toBeGreaterThan(8);
      expect(v).toBeLessThan(16);
    }
    // The trickle does not keep a socket alive (the timeout is not reset by each byte): it is
    // closed long before its request would end, and never upgraded.
    for (const h of trickling) expect(h.bytesSent).toBeLessThan(40);
    for (const h of [...silent, ...trickling]) expect(h.got).not.toContain('101 Switching');

    for (const [i, c] of clients.entries()) {
      expect(c.isOpen).toBe(true);
      expect(c.errors).toEqual([]);
      const ticks = c.snapshotTicks.filter((t) => t >= from[i]);
      expect(lateSnapshots(ticks)).toEqual([]);
      expect(ticks[ticks.length - 1] - ticks[0]).toBeGreaterThan(elapsed * 20 * 0.7);
    }
    expect(s.status().players).toBe(3);
  }, 60_000);
});
