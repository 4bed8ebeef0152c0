// The viewer behind a front that serves several zones under /zone-N (as `mmo world` does):
// two real lone zones behind a small node:http + ws proxy that lists them at /zones and
// forwards /zone-N/... (HTTP and WebSocket) to zone N. Checks that the page finds its zone
// from its own path, honours ?zone=N, offers the chooser and switches zones in the page.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import WebSocket, { WebSocketServer } from 'ws';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { viewerHtml } from '../../src/viewer/index.js';
import { haveChromium, launchChromium, type Browser } from './chromium.js';

const OPTIONAL_ROUTE_404 = /status of 404.*\/names\)$/;

/** Forwards /zone-N/<rest> to zone N's /<rest> (the page itself served here); lists the zones at /zones. */
function front(zones: ZoneServer[]): Server {
  const target = (url: string) => {
    const m = /^\/zone-(\d+)(\/.*)$/.exec(url);
    const zone = m ? zones[Number(m[1]) - 1] : undefined;
    return zone && m ? { port: zone.port, rest: m[2] } : undefined;
  };
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    if (req.url === '/zones') {
      const list = zones.map((z, i) => ({ zoneId: i + 1, name: `zone-${i + 1}`, prefix: `/zone-${i + 1}`, bounds: z.world.config.bounds }));
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ zones: list }));
    }
    const t = target(req.url ?? '');
    if (!t) return void res.writeHead(404).end();
    // The page as any front serves it: its script is found next to it, whatever the prefix.
    if (t.rest.split('?')[0] === '/viewer') return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(viewerHtml());
    fetch(`http://127.0.0.1:${t.port}${t.rest}`).then(async (r) => {
      res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await r.arrayBuffer()));
    }, (e: Error) => res.writeHead(502).end(e.message));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const t = target(req.url ?? '');
    if (!t) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(`ws://127.0.0.1:${t.port}${t.rest}`);
      const early: Buffer[] = [];
      client.on('message', (d: Buffer) => (upstream.readyState === WebSocket.OPEN ? upstream.send(d) : early.push(d)));
      upstream.on('open', () => { for (const d of early.splice(0)) upstream.send(d); });
      upstream.on('message', (d: Buffer) => client.send(d));
      upstream.on('close', (code) => client.close(code === 1005 ? 1000 : code));
      client.on('close', () => upstream.close());
    });
  });
  return server;
}

describe.skipIf(!haveChromium && !process.env.CI)('viewer behind a front of two zones (headless chromium)', () => {
  const zones: ZoneServer[] = [];
  let http: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    for (const id of [1, 2]) {
      zones.push(await startZoneServer({
        port: 0,
        zone: { id, name: `zone-${id}`, npcs: 10 * id, items: 0, bounds: { minX: 0, minY: 0, maxX: 200, maxY: 200 }, spawn: { x: 100, y: 100 } },
      }, () => {}));
    }
    http = front(zones);
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await Promise.all(zones.map((z) => z.stop()));
  });

  const zoneShown = (id: number, prefix: string, npcs: number) => page.waitForFunction(([z, p, n]) =>
    window.__viewer?.connected === true && window.__viewer.zoneId === z && window.__viewer.prefix === p && window.__viewer.entitiesDrawn === n,
  [id, prefix, npcs] as const, { timeout: 20_000 }).catch(async (e: Error) => {
    const state = await page.evaluate(() => ({ ...window.__viewer, err: document.getElementById('conn-error')?.textContent, st: document.getElementById('conn-state')?.textContent }));
    throw new Error(`${e.message}: ${JSON.stringify(state)} ${JSON.stringify(browser!.errors)}`);
  });

  it('shows the zone of its path, switches with the chooser and with ?zone=N', async () => {
    await page.goto(`${base}/zone-2/viewer`);
    await zoneShown(2, '/zone-2', 20);
    expect(await page.textContent('#conn-url')).toMatch(/\/zone-2\/\?observer=1&scope=zone$/);
    // Status comes from /zone-2/status: zone 2's 20 NPCs.
    await page.waitForFunction(() => document.getElementById('srv-entities')?.textContent === '20', undefined, { timeout: 10_000 });
    expect(await page.isVisible('#zone-chooser')).toBe(true);
    expect(await page.$$eval('#zone-select option', (os) => os.map((o) => (o as HTMLOptionElement).textContent))).toEqual(['zone-1 (#1)', 'zone-2 (#2)']);
    expect(await page.inputValue('#zone-select')).toBe('2');

    await page.selectOption('#zone-select', '1');
    await zoneShown(1, '/zone-1', 10);
    await page.waitForFunction(() => document.getElementById('srv-entities')?.textContent === '10', undefined, { timeout: 10_000 });
    expect(new URL(page.url()).searchParams.get('zone')).toBe('1');

    await page.goto(`${base}/zone-1/viewer?zone=2`);
    await zoneShown(2, '/zone-2', 20);
    expect(await page.inputValue('#zone-select')).toBe('2');

    await page.goto(`${base}/zone-1/viewer?zone=7`);
    await zoneShown(1, '/zone-1', 10);
    expect(await page.textContent('#conn-error')).toBe('?zone=7 ignored: no such zone here');
    expect(browser!.errors.filter((e) => !OPTIONAL_ROUTE_404.test(e))).toEqual([]);
  });
});
