// The live viewer end to end: a real lone zone server serving its own /viewer page, bundle and
// /status, and Debian's chromium driven headless by playwright-core. Checks, on screenshots of
// the canvases, that entities, HP bars and the whole-zone overview are drawn; that clicking
// selects; that the cursor's world coordinates follow the mouse; and, in play mode with
// simulated lag, that the predicted and the server's position of the player are both drawn,
// that the prediction leads while walking and that the two meet where the click pointed.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { ZoneClient } from '../../src/client/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { VIEWER_BUNDLE_PATH, VIEWER_COLORS, viewerBundle, viewerHtml } from '../../src/viewer/index.js';
import { haveChromium, launchChromium, type Browser } from './chromium.js';
import { countColor, decodePng } from './png.js';

const SCREENSHOT = join(tmpdir(), 'mmo-viewer-screenshot.png');
const SCREENSHOT_PAGE = join(tmpdir(), 'mmo-viewer-page.png');
const SCREENSHOT_PLAY = join(tmpdir(), 'mmo-viewer-play.png');

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
    expect(html).toContain('<canvas id="overview">');
    expect(html).toContain(`<script src="${VIEWER_BUNDLE_PATH.slice(1)}"></script>`); // relative: works under any prefix
    expect(html).not.toMatch(/https?:\/\/|<link\b(?![^>]*href="data:)/);
    expect(viewerHtml({ scriptSrc: '/x/app.js?v="1"' })).toContain('<script src="/x/app.js?v=&quot;1&quot;"></script>');
  });
});

/** Routes a lone zone does not have yet (the page copes); their 404s are not page errors. */
const OPTIONAL_ROUTE_404 = /status of 404.*\/(zones|names)\)$/;

describe.skipIf(!haveChromium && !process.env.CI)('viewer in headless chromium', () => {
  let zone: ZoneServer | undefined;
  let walker: ZoneClient | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    // A zone small enough to lie wholly within one view (±2 cells of 50 around its centre).
    zone = await startZoneServer({
      port: 0,
      zone: { npcs: 50, items: 20, bounds: { minX: 0, minY: 0, maxX: 200, maxY: 200 }, spawn: { x: 100, y: 100 } },
    }, () => {});
    base = `http://127.0.0.1:${zone.port}`;
    // A real player to be drawn; the viewer itself is an observer with no entity.
    walker = new ZoneClient({ name: 'walker', WebSocket: WebSocket as never });
    await walker.connect(`ws://127.0.0.1:${zone.port}/`);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${base}/viewer`);
  });

  afterAll(async () => {
    walker?.close();
    await browser?.close();
    await zone?.stop();
  });

  const pageErrors = () => (browser?.errors ?? []).filter((e) => !OPTIONAL_ROUTE_404.test(e));

  it('observes: draws every kind of entity with HP bars, shows server status, selects on click', async () => {
    await page.waitForFunction(() => window.__viewer?.connected === true && window.__viewer.entitiesDrawn > 50, undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => [window.__viewer.mode, window.__viewer.prefix])).toEqual(['observe', '']);
    const f0 = await page.evaluate(() => window.__viewer.frames);
    // The status panel: two polls give a bytes/s figure.
    await page.waitForFunction(() => document.getElementById('srv-bps')?.textContent?.endsWith('/s') === true, undefined, { timeout: 10_000 });
    expect(Number(await page.textContent('#srv-tick'))).toBeGreaterThan(0);
    expect(await page.textContent('#srv-players')).toBe('1'); // the walker; the observing viewer is no player
    expect(zone!.sessionsByStage().joined).toHaveLength(2);
    expect(await page.textContent('#srv-tickms')).toMatch(/^\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d$/);
    expect(await page.evaluate(() => window.__viewer.frames)).toBeGreaterThan(f0); // animating
    expect(await page.isHidden('#zone-chooser')).toBe(true); // one zone: nothing to choose

    const png = await page.locator('#map').screenshot({ path: SCREENSHOT });
    console.log(`viewer screenshot: ${SCREENSHOT}`);
    const img = decodePng(png);
    expect(img.width).toBeGreaterThan(500);
    // A mark is ~100 px (radius 6): allow for overlaps, the heading tick and the HP bars over it.
    expect(countColor(img, VIEWER_COLORS.npc), 'NPC pixels').toBeGreaterThan(35 * 50);
    expect(countColor(img, VIEWER_COLORS.item), 'item pixels').toBeGreaterThan(10 * 50);
    expect(countColor(img, VIEWER_COLORS.player), 'player pixels').toBeGreaterThan(50);
    expect(countColor(img, VIEWER_COLORS.grid), 'grid line pixels').toBeGreaterThan(200);
    // An HP bar is 18 × 3 px, full for every NPC and the walker.
    expect(countColor(img, VIEWER_COLORS.hp, 2), 'HP bar pixels').toBeGreaterThan(40 * 40);
    // The scale bar: a round length, its pixels as many as the map's scale says.
    const scale = (await page.textContent('#scale')) ?? '';
    const [, units, px] = /^(\d+) u = (\d+) px$/.exec(scale) ?? [];
    expect(Number(units)).toBeGreaterThan(0);
    expect(Number(px)).toBeGreaterThan(40);
    expect(Number(px)).toBeLessThanOrEqual(140);

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
    expect(pageErrors()).toEqual([]);
  });

  it('draws the whole zone small in the overview, with the map\'s window', async () => {
    await page.waitForFunction(() => window.__viewer.overviewDots > 60, undefined, { timeout: 10_000 });
    const img = decodePng(await page.locator('#overview').screenshot());
    // Every entity a 2 × 2 dot: most of 50 NPCs and 20 items show, whatever overlaps.
    expect(countColor(img, VIEWER_COLORS.npc), 'NPC dots').toBeGreaterThan(30 * 4);
    expect(countColor(img, VIEWER_COLORS.item), 'item dots').toBeGreaterThan(10 * 4);
    expect(countColor(img, VIEWER_COLORS.zone), 'zone ground').toBeGreaterThan(img.width * img.height / 3);
    expect(countColor(img, VIEWER_COLORS.window, 2), 'window outline').toBeGreaterThan(100);
  });

  it('shows the world coordinates under the cursor', async () => {
    const box = (await page.locator('#map').boundingBox())!;
    const readAt = async (x: number, y: number) => {
      await page.mouse.move(box.x + x, box.y + y);
      await page.waitForFunction(([px, py]) => {
        const c = window.__viewer.cursor;
        if (c === null) return false;
        const s = window.__viewer.toScreen(c.x, c.y);
        return Math.abs(s.x - px) < 0.01 && Math.abs(s.y - py) < 0.01
          && document.getElementById('cursor')?.textContent === `${c.x.toFixed(1)}, ${c.y.toFixed(1)}`;
      }, [x, y], { timeout: 5_000 });
      return (await page.evaluate(() => window.__viewer.cursor))!;
    };
    const a = await readAt(200, 150);
    const b = await readAt(400, 350);
    expect(b.x).toBeGreaterThan(a.x); // east is right
    expect(b.y).toBeLessThan(a.y); // north is up
    expect(b.x - a.x).toBeCloseTo(a.y - b.y, 6); // one scale both ways
    await page.mouse.move(box.x + box.width + 50, box.y + 10); // off the map
    await page.waitForFunction(() => document.getElementById('cursor')?.textContent === '–', undefined, { timeout: 5_000 });
  });

  it('plays with prediction and 150 ms of lag: both positions drawn, the prediction leads, they meet', async () => {
    const play = await browser!.newPage();
    await play.goto(`${base}/viewer?play=tester&lag=150`);
    await play.waitForFunction(() => window.__viewer?.connected === true && window.__viewer.predicted !== null && window.__viewer.server !== null,
      undefined, { timeout: 20_000 });
    expect(await play.evaluate(() => window.__viewer.mode)).toBe('play');
    expect(await play.textContent('#mode')).toBe('playing as tester, +150 ms simulated lag');
    expect(zone!.sessionsByStage().joined).toContain('tester');
    // The simulated lag is real: the measured round trip includes it.
    await play.waitForFunction(() => parseFloat(document.getElementById('conn-rtt')?.textContent ?? '') >= 150, undefined, { timeout: 10_000 });

    const before = decodePng(await play.locator('#map').screenshot());
    expect(countColor(before, VIEWER_COLORS.predicted), 'predicted marker').toBeGreaterThan(20);
    expect(countColor(before, VIEWER_COLORS.server), 'server marker').toBeGreaterThan(20);

    const start = (await play.evaluate(() => window.__viewer.predicted))!;
    const goal = { x: Math.min(190, Math.max(10, start.x + 12)), y: Math.min(190, Math.max(10, start.y - 9)) };
    const at = await play.evaluate(([x, y]) => window.__viewer.toScreen(x, y), [goal.x, goal.y]);
    const box = (await play.locator('#map').boundingBox())!;
    await play.mouse.click(box.x + at.x, box.y + at.y);
    // While walking the prediction is ahead of what the server has said so far.
    await play.waitForFunction(() => {
      const { predicted: p, server: s } = window.__viewer;
      return p !== null && s !== null && Math.hypot(p.x - s.x, p.y - s.y) > 0.5;
    }, undefined, { timeout: 10_000, polling: 'raf' });
    // 15 units at 5 u/s: both end where the click pointed, on the same spot.
    await play.waitForFunction(([gx, gy]) => {
      const { predicted: p, server: s } = window.__viewer;
      return p !== null && s !== null && Math.hypot(p.x - gx, p.y - gy) < 1 && Math.hypot(p.x - s.x, p.y - s.y) < 0.05;
    }, [goal.x, goal.y], { timeout: 30_000 });
    await play.waitForFunction(() => document.getElementById('pred-gap')?.textContent === '0.0 u', undefined, { timeout: 5_000 });
    await play.screenshot({ path: SCREENSHOT_PLAY });
    console.log(`viewer in play mode: ${SCREENSHOT_PLAY}`);
    expect(pageErrors()).toEqual([]);
    await play.close();
  });
});
