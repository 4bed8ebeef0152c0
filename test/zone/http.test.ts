// The zone's HTTP endpoints answer HEAD wherever they answer GET: same status and headers,
// no body, and the length the GET body has. On a zone's own port and under a shared front.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedFront, ZoneServer, startZoneServer } from '../../src/zone/index.js';

const PATHS = ['/health', '/status', '/metrics', '/players', '/viewer', '/viewer.js'];
/** Bodies that do not change between two requests, so HEAD's length must equal GET's. */
const STABLE = ['/health', '/viewer', '/viewer.js'];

let own: ZoneServer;
let front: SharedFront;
let mounted: ZoneServer;

beforeAll(async () => {
  own = await startZoneServer({ port: 0, zone: { npcs: 0, items: 0 } }, () => {});
  front = new SharedFront();
  const port = await front.listen('127.0.0.1', 0);
  mounted = new ZoneServer({ front: { app: front.app, port, prefix: '/zone-7' }, zone: { npcs: 0, items: 0 } }, () => {});
  await mounted.start();
});

afterAll(async () => {
  await own.stop();
  await mounted.stop();
  front.close();
});

/** GET then HEAD of one URL: status, content type and length of each, HEAD's body. */
async function both(url: string) {
  const get = await fetch(url);
  const body = await get.arrayBuffer();
  const head = await fetch(url, { method: 'HEAD' });
  return {
    get: { status: get.status, type: get.headers.get('content-type'), length: body.byteLength },
    head: { status: head.status, type: head.headers.get('content-type'), length: Number(head.headers.get('content-length')), body: await head.text() },
  };
}

describe('HEAD is answered where GET is', () => {
  it.each(PATHS)('%s on the zone\'s own port', async (path) => {
    const r = await both(`http://127.0.0.1:${own.port}${path}`);
    expect(r.get.status).toBe(200);
    expect(r.head).toMatchObject({ status: 200, type: r.get.type, body: '' });
    expect(r.head.length).toBeGreaterThan(0);
    if (STABLE.includes(path)) expect(r.head.length).toBe(r.get.length);
  });

  it.each(PATHS)('%s under a shared front\'s prefix', async (path) => {
    const r = await both(`http://127.0.0.1:${front.port}/zone-7${path}`);
    expect(r.get.status).toBe(200);
    expect(r.head).toMatchObject({ status: 200, type: r.get.type, body: '' });
    if (STABLE.includes(path)) expect(r.head.length).toBe(r.get.length);
  });

  it('an unknown path is 404 for both', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`http://127.0.0.1:${own.port}/nothing-here`, { method });
      expect(res.status).toBe(404);
    }
  });
});
