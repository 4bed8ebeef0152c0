// Issue 8, faults: the SQLite file's disk is full, or the file turned read-only. Running as
// root ignores file permissions, so both are simulated on the writer thread's connection through
// the test-only hook ZonePersistence.injectFault (see src/store/writer.ts): 'readonly' is
// `PRAGMA query_only = 1` (SQLITE_READONLY), 'full' pins `PRAGMA max_page_count` and fails every
// write with SQLITE_FULL. While the fault lasts: flush failures are logged and counted, the tick
// runs on and honest clients keep every tick, a pickup is neither written nor told; once cleared:
// pending rows are written (the file has the latest position), the pickup is committed and told
// only then, and the file passes integrity_check.
import { afterEach, describe, expect, it } from 'vitest';
import { EntityKind, EventKind } from '../../src/protocol/index.js';
import { PlayerStore, type StoreFault } from '../../src/store/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import type { ZonePersistence } from '../../src/zone/persistence.js';
import type { ZoneClient } from '../../src/client/index.js';
import { connect, ownPosition, tempDb, waitFor, walkTo } from '../persistence/helpers.js';
import { TestClient, lateSnapshots } from '../zone/wsClient.js';

const servers: ZoneServer[] = [];
const clients: { close(): unknown }[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.stop();
});

function persistence(s: ZoneServer): ZonePersistence {
  return (s as unknown as { store: ZonePersistence }).store;
}

const cases: { fault: Exclude<StoreFault, null>; code: RegExp }[] = [
  { fault: 'full', code: /disk is full/ },
  { fault: 'readonly', code: /readonly database/ },
];

describe('faults: the store cannot write', () => {
  for (const { fault, code } of cases) {
    it(`${fault}: keeps simulating, retries, and writes everything once it clears`, async () => {
      const db = tempDb(`fault-${fault}`);
      const logs: string[] = [];
      const s = await startZoneServer({ port: 0, db, tickRate: 100, flushTicks: 20, zone: { npcs: 0, items: 400, spawnRadius: 20 } }, (l) => logs.push(l));
      servers.push(s);
      const honest = await Promise.all([0, 1].map((i) => TestClient.join(`ws://127.0.0.1:${s.port}/`, `honest${i}`, 10_000)));
      clients.push(...honest);
      for (const h of honest) h.keepSnapshots = false;
      const from = honest.map((h) => h.lastTick);
      const c: ZoneClient = await connect(s.port, 'Walker');
      clients.push(c);
      await waitFor('own record', () => c.world.get(c.netId));
      const file = PlayerStore.open(db);
      clients.push(file);
      const me = file.playerByName('Walker', 'guest')!;

      // Fault on: flushes fail, the tick goes on.
      await persistence(s).injectFault(fault);
      const faultTick = s.world.tick;
      const item = await waitFor('an item in view', () => [...c.world.entities()].find((e) => e.record.kind === EntityKind.Item)?.record);
      await walkTo(c, item.x, item.y);
      const told: { tick: number }[] = [];
      c.on('event', (ev, tick) => { if (ev.kind === EventKind.ItemPickup && ev.source === c.netId) told.push({ tick }); });
      c.useItem(item.netId);
      await waitFor('failures counted', () => (s.status().store?.failures ?? 0) >= 5, 5000);
      await new Promise((r) => setTimeout(r, 500));
      const during = s.status();
      expect(during.tick - faultTick).toBeGreaterThan(50); // ticking all along
      expect(told).toEqual([]); // not committed, so not told
      expect(file.inventory(me.id)).toEqual([]);
      const stale = file.playerByName('Walker', 'guest')!;
      expect([stale.x, stale.y]).toEqual([me.x, me.y]); // nothing written behind
      const failed = logs.filter((l) => l.includes('store flush failed'));
      expect(failed.length).toBeGreaterThan(0);
      expect(failed[0]).toMatch(code);
      expect(logs.some((l) => l.includes('pickup commit failed') && code.test(l))).toBe(true);

      // Fault off: the kept rows and the retried pickup go through.
      await persistence(s).injectFault(null);
      const clearedTick = s.world.tick;
      const failuresAtClear = s.status().store!.failures;
      await waitFor('the pickup told', () => told.length > 0, 8000);
      expect(told).toHaveLength(1);
      expect(told[0].tick).toBeGreaterThanOrEqual(clearedTick);
      expect(file.inventory(me.id).reduce((n, st) => n + st.quantity, 0)).toBe(1);
      const pos = ownPosition(c);
      await waitFor('latest position in the file', () => {
        const r = file.playerByName('Walker', 'guest')!;
        return Math.abs(r.x - pos.x) < 0.001 && Math.abs(r.y - pos.y) < 0.001;
      }, 3000);
      await new Promise((r) => setTimeout(r, 300));
      // At most the pickup's one in-flight retry failed after the clear.
      expect(s.status().store!.failures - failuresAtClear).toBeLessThanOrEqual(1);
      expect(s.status().store!.pickupsPending).toBe(0);
      expect(file.integrityCheck()).toBe('ok');
      // The simulated fault left nothing behind in the file.
      expect(file.db.prepare('SELECT count(*) AS n FROM game_stats WHERE length(name) > 64').get()).toEqual({ n: 0 });
      console.log(`${fault}: ${failuresAtClear} failures over ${clearedTick - faultTick} ticks of fault; pickup told at tick ${told[0].tick} (cleared at ${clearedTick}); first log: ${failed[0].slice(0, 120)}`);

      for (const [i, h] of honest.entries()) {
        expect(h.isOpen).toBe(true);
        const ticks = h.snapshotTicks.filter((t) => t >= from[i]);
        expect(lateSnapshots(ticks, 100)).toEqual([]); // at 100 Hz
        expect(ticks[ticks.length - 1]).toBeGreaterThan(clearedTick);
      }
    }, 60_000);
  }
});
