// The HTTP relay of an I/O thread (src/zone/io/httpRelay.ts) against an upstream that drops
// the connection of a request without answering, as an endpoint server does to a kept-alive
// connection it closed as idle just as the relay reuses it: a GET or HEAD is sent once more and
// answered; a POST, which may have been acted on, is not repeated and gets 502 with the cause.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uWS } from '../../src/runtime/index.js';
import { relayHttp } from '../../src/zone/io/httpRelay.js';

describe('the HTTP relay of an I/O thread', () => {
  let upstream: Server;
  let listen: unknown;
  let relayPort = 0;
  /** Requests the upstream saw, and how many of them it dropped. */
  const seen: string[] = [];
  let dropNext = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (dropNext > 0) {
        dropNext--;
        req.socket.destroy();
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end(`answered ${req.method}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const app = uWS.App();
    relayHttp(app, (upstream.address() as AddressInfo).port);
    relayPort = await new Promise<number>((r) => app.listen('127.0.0.1', 0, (s) => { listen = s || undefined; r(uWS.us_socket_local_port(s)); }));
  });

  afterAll(async () => {
    if (listen) uWS.us_listen_socket_close(listen as never);
    await new Promise((r) => upstream.close(r));
  });

  it('sends a GET once more when the upstream dropped it, and answers', async () => {
    seen.length = 0;
    dropNext = 1;
    const r = await fetch(`http://127.0.0.1:${relayPort}/status?x=1`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('answered GET');
    expect(seen).toEqual(['GET /status?x=1', 'GET /status?x=1']);
  });

  it('gives up on a GET dropped twice with 502 naming the cause', async () => {
    seen.length = 0;
    dropNext = 2;
    const r = await fetch(`http://127.0.0.1:${relayPort}/status`);
    expect(r.status).toBe(502);
    expect(await r.text()).toMatch(/^relay failed: fetch failed: /);
    expect(seen).toHaveLength(2);
  });

  it('never repeats a POST', async () => {
    seen.length = 0;
    dropNext = 1;
    const r = await fetch(`http://127.0.0.1:${relayPort}/admin/flight/save`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(502);
    expect(seen).toEqual(['POST /admin/flight/save']);
  });
});
