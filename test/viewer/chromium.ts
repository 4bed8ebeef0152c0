// Debian's chromium, headless, driven by playwright-core: one persistent context per test
// file, page errors collected, the profile directory removed on close.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export interface Browser {
  context: BrowserContext;
  /** Uncaught errors and console errors of every page opened with newPage(). */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) throw new Error(`${CHROMIUM} not found: install the Debian package 'chromium' (apt-get install chromium)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'mmo-viewer-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--force-color-profile=srgb'],
    viewport: { width: 1100, height: 720 },
    deviceScaleFactor: 1,
  });
  const errors: string[] = [];
  let first: Page | undefined = context.pages()[0];
  return {
    context,
    errors,
    async newPage() {
      const page = first ?? await context.newPage();
      first = undefined;
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
      });
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
