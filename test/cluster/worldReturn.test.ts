// A returning player goes back where it left the world: it walks from zone 1 into zone 2 (a
// handoff), leaves, and on its next login the gateway routes it to zone 2, where it stands at
// its saved position (not at a spawn point). In one process, with the real SQLite file.

import { afterAll, describe, expect, it } from 'vitest';
import { startWorld } from '../../src/cli/world.js';
import { PlayerStore } from '../../src/store/index.js';
import { enterThroughGateway, ownPosition, tempDb, waitFor } from '../persistence/helpers.js';

const db = tempDb('return');
const world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 4, db, npcs: 0, items: 0, tickRate: 100 });
afterAll(() => world.stop());

describe('a returning player', () => {
  it('is routed to the zone holding its saved position and stands there', async () => {
    const first = await enterThroughGateway(world.port, 'hana');
    expect(first.welcomeMsg!.zoneId).toBe(1);
    // Walk into zone 2 (x 100..200), following the handoff on the same socket.
    const walk = setInterval(() => { if (first.joined) first.move(160, 40); }, 200);
    try {
      await waitFor('hana at (160, 40) in zone 2', () => {
        const me = first.world.get(first.netId)?.record;
        return first.welcomeMsg!.zoneId === 2 && me && Math.hypot(me.x - 160, me.y - 40) < 0.5;
      }, 40_000);
    } finally {
      clearInterval(walk);
    }
    first.close();
    const store = PlayerStore.open(db);
    try {
      await waitFor('hana saved in zone 2', () => {
        const row = store.playerByName('hana', 'account');
        return row && Math.abs(row.x - 160) < 0.5 && Math.abs(row.y - 40) < 0.5;
      }, 20_000);
    } finally {
      store.close();
    }
    await waitFor('hana gone from every zone', () => world.zones.every((z) => !(z.sessionsByStage().joined ?? []).includes('hana')), 10_000);

    const again = await enterThroughGateway(world.port, 'hana');
    try {
      expect(again.welcomeMsg!.zoneId).toBe(2);
      const at = ownPosition(again);
      expect(Math.hypot(at.x - 160, at.y - 40)).toBeLessThan(0.5);
    } finally {
      again.close();
    }
  }, 90_000);
});
