import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';

let server: ZoneServer;

beforeAll(async () => {
  server = await startZoneServer({ port: 0, zone: { npcs: 0, items: 0 } }, () => {});
});

afterAll(async () => {
  await server.stop();
});

describe('the zone server serves the viewer', () => {
  it('GET /viewer is the page and it loads /viewer.js from the same server', async () => {
    const page = await fetch(`http://127.0.0.1:${server.port}/viewer`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<canvas');
    expect(html).toContain('src="/viewer.js"');
    const js = await fetch(`http://127.0.0.1:${server.port}/viewer.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const body = await js.text();
    expect(body.length).toBeGreaterThan(10_000);
    expect(body).not.toMatch(/from\s*["']node:/);
  });
});
