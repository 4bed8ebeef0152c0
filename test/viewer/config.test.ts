// The viewer's pure parts: reading the page URL, choosing the zone, the scale bar's length.

import { describe, expect, it } from 'vitest';
import { prefixOf, readConfig, zoneSocketUrl, type PageLocation } from '../../src/viewer/config.js';
import { chooseZone, destinationOf, parseZones } from '../../src/viewer/zones.js';
import { Camera, scaleBarUnits } from '../../src/viewer/camera.js';

const at = (pathname: string, search = ''): PageLocation => ({ protocol: 'http:', host: '127.0.0.1:7777', pathname, search });
const named = () => 'viewer-1234';

describe('viewer configuration from the page URL', () => {
  it('takes the zone prefix from the page path', () => {
    expect(prefixOf('/viewer')).toBe('');
    expect(prefixOf('/zone-3/viewer')).toBe('/zone-3');
    expect(prefixOf('/a/b/viewer/')).toBe('/a/b');
    expect(prefixOf('/something-else')).toBe('');
  });

  it('observes by default, under the prefix, asking for the whole zone', () => {
    const c = readConfig(at('/zone-2/viewer'), named);
    expect(c).toMatchObject({ prefix: '/zone-2', zoneId: null, play: null, lagMs: 0, name: 'viewer-1234', cellSize: 50, problems: [] });
    expect(zoneSocketUrl(at('/zone-2/viewer'), c.prefix, true, null)).toBe('ws://127.0.0.1:7777/zone-2/?observer=1&scope=zone');
    expect(zoneSocketUrl({ ...at('/viewer'), protocol: 'https:' }, '', false, null)).toBe('wss://127.0.0.1:7777/');
    expect(zoneSocketUrl(at('/viewer'), '', true, 'ws://10.0.0.1:9/x')).toBe('ws://10.0.0.1:9/x?observer=1&scope=zone');
  });

  it('reads play, lag and zone', () => {
    const c = readConfig(at('/viewer', '?play=ann&lag=150&zone=3&cell=25'), named);
    expect(c).toMatchObject({ play: 'ann', lagMs: 150, zoneId: 3, cellSize: 25, problems: [] });
  });

  it('refuses bad values with a sentence each and keeps the defaults', () => {
    const c = readConfig(at('/viewer', '?lag=-5&zone=1.5&cell=abc'), named);
    expect(c).toMatchObject({ lagMs: 0, zoneId: null, cellSize: 50 });
    expect(c.problems).toEqual([
      '?zone=1.5 ignored: expected an integer from 1 to 65535',
      '?cell=abc ignored: expected a number from 1 to 1000000',
      '?lag=-5 ignored: expected a number from 0 to 5000',
    ]);
    expect(readConfig(at('/viewer', '?lag=99999'), named).problems[0]).toMatch(/lag=99999 ignored/);
  });
});

describe('choosing the zone', () => {
  const body = {
    zones: [
      { zoneId: 1, name: 'zone-1', prefix: '/zone-1', bounds: { minX: 0, minY: 0, maxX: 500, maxY: 500 } },
      { zoneId: 2, name: 'zone-2', prefix: '/zone-2' },
      { zoneId: 3, prefix: '/../etc' },
      { zoneId: 'x', prefix: '/zone-9' },
      null,
    ],
  };

  it('keeps the well-formed entries of /zones', () => {
    const zones = parseZones(body);
    expect(zones.map((z) => z.zoneId)).toEqual([1, 2]);
    expect(zones[1]).toEqual({ zoneId: 2, name: 'zone-2', prefix: '/zone-2', bounds: null });
    expect(parseZones({ error: 'not found' })).toEqual([]);
    expect(parseZones(null)).toEqual([]);
  });

  it('shows the page\'s own zone, or the one ?zone=N names', () => {
    const zones = parseZones(body);
    expect(chooseZone(zones, '/zone-2', null)).toEqual({ prefix: '/zone-2', zone: zones[1] });
    expect(chooseZone(zones, '/zone-2', 1)).toEqual({ prefix: '/zone-1', zone: zones[0] });
    expect(chooseZone(zones, '/zone-2', 7).problem).toBe('?zone=7 ignored: no such zone here');
    expect(chooseZone([], '', 2)).toEqual({ prefix: '', zone: null, problem: '?zone=2 ignored: this server lists no zones' });
  });
});

describe('following a player out of its zone', () => {
  const zones = parseZones({ zones: [
    { zoneId: 1, prefix: '/zone-1', bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 } },
    { zoneId: 2, prefix: '/zone-2', bounds: { minX: 100, minY: 0, maxX: 200, maxY: 100 } },
    { zoneId: 3, prefix: '/zone-3' },
  ] });

  it('goes to the zone the event names, else to the zone that holds where it left', () => {
    expect(destinationOf(zones, '/zone-1', 3, 100.2, 50)?.zoneId).toBe(3);
    expect(destinationOf(zones, '/zone-1', 0, 100.2, 50)?.zoneId).toBe(2);
    expect(destinationOf(zones, '/zone-2', 0, 99.9, 50)?.zoneId).toBe(1);
    expect(destinationOf(zones, '/zone-1', 0, 500, 50)).toBeUndefined(); // off every listed zone
    expect(destinationOf(zones, '/zone-1', 9, 100.2, 50)).toBeUndefined();
  });
});

describe('map arithmetic', () => {
  it('the scale bar is a round length that fits', () => {
    expect(scaleBarUnits(1, 140)).toBe(100);
    expect(scaleBarUnits(3.36, 140)).toBe(20);
    expect(scaleBarUnits(0.5, 140)).toBe(200);
    expect(scaleBarUnits(50, 140)).toBe(2);
  });

  it('screen and world points round-trip, and a zoom keeps the point under the cursor', () => {
    const cam = new Camera();
    cam.width = 800;
    cam.height = 600;
    cam.fit({ minX: 0, minY: 0, maxX: 1000, maxY: 1000 });
    expect(cam.toScreenX(cam.toWorldX(123))).toBeCloseTo(123, 9);
    expect(cam.toWorldY(cam.toScreenY(456))).toBeCloseTo(456, 9);
    expect(cam.toScreenY(1000)).toBeCloseTo(24, 9); // north is up
    const wx = cam.toWorldX(100), wy = cam.toWorldY(50);
    cam.zoomAt(100, 50, 3);
    expect(cam.toWorldX(100)).toBeCloseTo(wx, 9);
    expect(cam.toWorldY(50)).toBeCloseTo(wy, 9);
    expect(cam.userMoved).toBe(true);
  });
});
