// The viewer in `mmo world` (every zone in one process behind one shared port, each zone's
// routes under /zone-N): the page at /zone-2/viewer observes zone 2, offers the zone chooser
// (GET /zones), switches zones in the page, and follows a selected player across a handoff.
// The server side it rests on: observers allowed in a world, the shared front routing a socket
// opened on /zone-N/ to zone N, /zones on the front, <prefix>/names, and whole-zone observers
// (?scope=zone) that get every event of the zone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWorld, type World } from '../../src/cli/world.js';
import type { ZoneClient } from '../../src/client/index.js';
import { enterThroughGateway, tempDb } from '../persistence/helpers.js';
import { haveChromium, launchChromium, type Browser } from './chromium.js';

describe.skipIf(!haveChromium && !process.env.CI)('viewer in a world of two zones (headless chromium)', () => {
  let world: World | undefined;
  let browser: Browser | undefined;
  let ann: ZoneClient | undefined;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    // Two zones side by side: zone 1 is x 0..200, zone 2 is x 200..400.
    world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 200, seed: 9, db: tempDb('viewer-world'), npcs: 10, items: 5 });
    base = `http://127.0.0.1:${new URL(world.directory[0].endpoint).port}`;
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    ann?.close();
    await browser?.close();
    await world?.stop();
  });

  const zoneShown = (id: number, prefix: string) => page.waitForFunction(([z, p]) =>
    window.__viewer?.connected === true && window.__viewer.zoneId === z && window.__viewer.prefix === p && window.__viewer.entitiesDrawn > 0,
  [id, prefix] as const, { timeout: 20_000 });

  it('observes the zone whose page it is, and offers the others', async () => {
    await page.goto(`${base}/zone-2/viewer`);
    await zoneShown(2, '/zone-2');
    await page.waitForFunction(() => Number(document.getElementById('srv-tick')?.textContent) > 0, undefined, { timeout: 10_000 });
    expect(await page.isVisible('#zone-chooser')).toBe(true);
    expect(await page.$$eval('#zone-select option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['1', '2']);
    expect(await page.inputValue('#zone-select')).toBe('2');

    await page.selectOption('#zone-select', '1');
    await zoneShown(1, '/zone-1');
    expect(new URL(page.url()).searchParams.get('zone')).toBe('1');

    await page.goto(`${base}/zone-1/viewer?zone=2`);
    await zoneShown(2, '/zone-2');
    expect(browser!.errors).toEqual([]);
  });

  it('follows a selected player into the next zone', async () => {
    ann = await enterThroughGateway(world!.port, 'ann'); // enters at zone 1's centre
    await page.goto(`${base}/zone-1/viewer`);
    await zoneShown(1, '/zone-1');
    const firstId = ann.netId;
    await page.waitForFunction((id) => window.__viewer.screenPositions().some((e) => e.netId === id), firstId, { timeout: 10_000 });
    const at = await page.evaluate((id) => window.__viewer.screenPositions().find((e) => e.netId === id)!, firstId);
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await page.waitForFunction((id) => window.__viewer.selected === id, firstId, { timeout: 5_000 });
    // The name comes from /zone-1/names: the page can find the player again after the handoff.
    await page.waitForFunction(() => document.getElementById('details')?.textContent?.includes('nameann') === true, undefined, { timeout: 5_000 });

    const walk = setInterval(() => { if (ann!.joined) ann!.move(300, 100); }, 500);
    try {
      await page.waitForFunction(() => window.__viewer.zoneId === 2 && window.__viewer.selected !== 0, undefined, { timeout: 60_000 });
    } finally {
      clearInterval(walk);
    }
    expect(ann.welcomeMsg!.zoneId).toBe(2);
    expect(await page.evaluate(() => window.__viewer.selected)).toBe(ann.netId);
    expect(await page.evaluate(() => window.__viewer.prefix)).toBe('/zone-2');
    expect(browser!.errors).toEqual([]);
  }, 90_000);

  it('play mode without a gateway token is refused with a clear error', async () => {
    const play = await browser!.newPage();
    await play.goto(`${base}/zone-1/viewer?play=mallory`);
    await play.waitForFunction(() => /join token/.test(document.getElementById('conn-error')?.textContent ?? ''), undefined, { timeout: 10_000 });
    expect(await play.evaluate(() => window.__viewer.connected)).toBe(false);
    browser!.errors.length = 0; // the refused socket's close is logged by the browser
    await play.close();
  });
});
