// The live viewer end to end: a real zone server, the page and bundle from src/viewer served by
// a small node:http server (the zone's own /viewer route is wired elsewhere), and Debian's
// chromium driven headless by playwright-core. Checks that entities are drawn (pixels of each
// kind's colour in a screenshot of the canvas) and that clicking one shows its details.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { ZoneClient } from '../../src/client/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';

let walker: ZoneClient | undefined;
import { VIEWER_BUNDLE_PATH, VIEWER_COLORS, viewerBundle, viewerHtml } from '../../src/viewer/index.js';
import { countColor, decodePng } from './png.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SCREENSHOT = join(tmpdir(), 'mmo-viewer-screenshot.png');
const SCREENSHOT_PAGE = join(tmpdir(), 'mmo-viewer-page.png');

describe('viewer assets', () => {
  it('bundles the browser code once, as an IIFE without node: imports', async () => {
    const a = viewerBundle();
    expect(viewerBundle()).toBe(a); // cached
    const js = await a;
    expect(js.length).toBeGreaterThan(1000);
    expect(js.startsWith('"use strict";(()=>{')).toBe(true);
    expect(js).not.toMatch(/require\(|["']node:/);
    expect(await viewerBundle()).toBe(js);
  });

  it('the page is self-contained apart from its script', () => {
    const html = viewerHtml();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<canvas id="map">');
    expect(html).toContain(`<script src="${VIEWER_BUNDLE_PATH}"></script>`);
    expect(html).not.toMatch(/https?:\/\/|<link\b(?![^>]*href="data:)/);
    expect(viewerHtml({ scriptSrc: '/x/app.js?v="1"' })).toContain('<script src="/x/app.js?v=&quot;1&quot;"></script>');
  });
});

describe.skipIf(!haveChromium && !process.env.CI)('viewer in headless chromium', () => {
  let zone: ZoneServer | undefined;
  let http: Server | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let userDataDir = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} not found: install the Debian package 'chromium' (apt-get install chromium)`);
    // A zone small enough to lie wholly within one player's view (±2 cells of 50 around it).
    zone = await startZoneServer({
      port: 0,
      zone: { npcs: 50, items: 20, bounds: { minX: 0, minY: 0, maxX: 200, maxY: 200 }, spawn: { x: 100, y: 100 } },
    }, () => {});
    // A real player to be drawn; the viewer itself is an observer with no entity.
    walker = new ZoneClient({ name: 'walker', WebSocket: WebSocket as never });
    await walker.connect(`ws://127.0.0.1:${zone.port}/`);
    const zonePort = zone.port;
    const bundle = await viewerBundle();
    http = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/viewer') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(viewerHtml());
      } else if (path === VIEWER_BUNDLE_PATH) {
        res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8' }).end(bundle);
      } else if (path === '/status') {
        // uWS sends no CORS headers: the page reads /status from its own origin, proxied here.
        fetch(`http://127.0.0.1:${zonePort}/status`).then(async (r) => {
          res.writeHead(r.status, { 'Content-Type': 'application/json' }).end(await r.text());
        }, (e: Error) => res.writeHead(502).end(e.message));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    const httpPort = (http.address() as AddressInfo).port;

    userDataDir = mkdtempSync(join(tmpdir(), 'mmo-viewer-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--force-color-profile=srgb'],
      viewport: { width: 1100, height: 720 },
      deviceScaleFactor: 1,
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    await page.goto(`http://127.0.0.1:${httpPort}/viewer?ws=${encodeURIComponent(`ws://127.0.0.1:${zonePort}/`)}`);
  });

  afterAll(async () => {
    walker?.close();
    await context?.close().catch(() => {});
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await zone?.stop();
    if (userDataDir !== '') rmSync(userDataDir, { recursive: true, force: true });
  });

  it('connects, draws every kind of entity, shows server status and selects on click', async () => {
    await page.waitForFunction(() => window.__viewer?.connected === true && window.__viewer.entitiesDrawn > 50, undefined, { timeout: 20_000 });
    const f0 = await page.evaluate(() => window.__viewer.frames);
    // The status panel: two polls give a bytes/s figure.
    await page.waitForFunction(() => document.getElementById('srv-bps')?.textContent?.endsWith('/s') === true, undefined, { timeout: 10_000 });
    expect(Number(await page.textContent('#srv-tick'))).toBeGreaterThan(0);
    expect(await page.textContent('#srv-players')).toBe('1'); // the walker; the observing viewer is no player
    expect(zone!.sessionsByStage().joined?.sort()).toHaveLength(2);
    expect(await page.textContent('#srv-tickms')).toMatch(/^\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d$/);
    expect(await page.evaluate(() => window.__viewer.frames)).toBeGreaterThan(f0); // animating

    const png = await page.locator('#map').screenshot({ path: SCREENSHOT });
    console.log(`viewer screenshot: ${SCREENSHOT}`);
    const img = decodePng(png);
    expect(img.width).toBeGreaterThan(500);
    const npc = countColor(img, VIEWER_COLORS.npc);
    const item = countColor(img, VIEWER_COLORS.item);
    const player = countColor(img, VIEWER_COLORS.player);
    // A mark is ~100 px (radius 6): allow for overlaps and the heading tick.
    expect(npc, 'NPC pixels').toBeGreaterThan(40 * 50);
    expect(item, 'item pixels').toBeGreaterThan(10 * 50);
    expect(player, 'player pixels').toBeGreaterThan(50);
    expect(countColor(img, VIEWER_COLORS.grid), 'grid line pixels').toBeGreaterThan(200);

    // Click the item farthest from any other entity (items do not move).
    const target = await page.evaluate(() => {
      const all = window.__viewer.screenPositions();
      let best = all[0], bestD = -1;
      for (const e of all) {
        if (e.kind !== 3) continue;
        let near = Infinity;
        for (const o of all) if (o !== e) near = Math.min(near, Math.hypot(o.x - e.x, o.y - e.y));
        if (near > bestD) { bestD = near; best = e; }
      }
      return best;
    });
    expect(target.kind).toBe(3);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box!.x + target.x, box!.y + target.y);
    await page.waitForFunction((id) => document.getElementById('details')?.dataset.netId === String(id), target.netId, { timeout: 5_000 });
    const details = (await page.textContent('#details')) ?? '';
    expect(details).toContain(`NetId${target.netId}`);
    expect(details).toContain('Item');
    expect(details).toMatch(/position\d+\.\d, \d+\.\d/);
    expect(await page.evaluate(() => window.__viewer.selected)).toBe(target.netId);
    await page.screenshot({ path: SCREENSHOT_PAGE });
    console.log(`viewer page with the selection: ${SCREENSHOT_PAGE}`);

    expect(pageErrors).toEqual([]);
  });
});
