// A swarm larger than the gateway's per-source limit on new accounts (10 per address) logs in
// through a real world's gateway: on loopback every bot speaks from an address of its own.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSwarm, type SwarmReport } from '../../src/bots/index.js';
import { botSource } from '../../src/bots/login.js';
import { startWorld, type World } from '../../src/cli/world.js';
import { tempDb } from '../persistence/helpers.js';

const BOTS = 110;
let world: World;
let report: SwarmReport;

beforeAll(async () => {
  world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 5, db: tempDb('gatewayswarm'), npcs: 0, items: 0 });
  report = await runSwarm({
    url: '', gateway: `http://127.0.0.1:${world.port}/`, count: BOTS, durationS: 2, behavior: 'wander', ramp: 60, workers: 2, seed: 5,
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

describe('bots through a gateway with per-source limits', () => {
  it('gives each bot its own loopback source, and none on a remote gateway', () => {
    expect(botSource('http://127.0.0.1:9/', 0)).toBe('127.77.0.0');
    expect(botSource('http://127.0.0.1:9/', 300)).toBe('127.77.1.44');
    expect(botSource('http://localhost:9/', 1)).toBe('127.77.0.1');
    expect(botSource('http://example.org/', 1)).toBeUndefined();
  });

  it(`logs in and joins all ${BOTS} bots (more than 10 new accounts per source would allow)`, () => {
    expect(report.failureReasons).toEqual({});
    expect(report.connected).toBe(BOTS);
    expect(report.failed).toBe(0);
  });
});
