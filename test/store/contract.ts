// The ZoneStore contract: one suite, run against every implementation (memoryStore.test.ts,
// sqliteStore.test.ts). A harness makes a fresh store on a fresh medium and a reader of that
// medium (for a file, a second connection, as another process would have); every test's
// store is closed afterwards. The zone's write-behind (WriteBehind) runs over each store.

import { afterEach, describe, expect, it } from 'vitest';
import {
  NEW_PLAYER_STATS, WriteBehind,
  type ItemStack, type PlayerKind, type PlayerRow, type PlayerSnapshot, type StoreFault, type ZoneStore,
} from '../../src/store/index.js';
import { SPAWN } from './helpers.js';

/** What the suite reads back; PlayerStore (a second connection) and MemoryStore both fit. */
export interface StoreReader {
  player(id: number): PlayerRow | undefined;
  playerByName(name: string, kind: PlayerKind): PlayerRow | undefined;
  inventory(playerId: number): ItemStack[];
  getStat(name: string): number | undefined;
}

export interface StoreUnderTest {
  store: ZoneStore;
  reader: StoreReader;
  /** Called after the store is closed. */
  dispose?(): void;
}

function snap(id: number, hp: number, over: Partial<PlayerSnapshot> = {}): PlayerSnapshot {
  return { id, level: 1, hp, maxHp: 100, mana: 50, maxMana: 50, x: id * 0.5, y: -id, zone: 'meadow', ...over };
}

const FAULTS: { fault: Exclude<StoreFault, null>; message: RegExp }[] = [
  { fault: 'full', message: /disk is full/ },
  { fault: 'readonly', message: /readonly database/ },
];

export function storeContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`ZoneStore contract: ${name}`, () => {
    let opened: StoreUnderTest[] = [];
    afterEach(async () => {
      for (const o of opened) {
        await o.store.close().catch(() => {});
        o.dispose?.();
      }
      opened = [];
    });

    async function fresh(): Promise<StoreUnderTest> {
      const o = await make();
      opened.push(o);
      return o;
    }

    async function players(store: ZoneStore, prefix: string, n: number): Promise<number[]> {
      const rows = await Promise.all(Array.from({ length: n }, (_, i) => store.loadOrCreatePlayer(`${prefix}-${i}`, SPAWN)));
      return rows.map((r) => r.id);
    }

    const hpOf = (reader: StoreReader, ids: readonly number[]) => ids.map((id) => reader.player(id)?.hp);

    it('creates a guest with the seed stats at the spawn, and loads it afterwards whatever spawn is passed', async () => {
      const { store, reader } = await fresh();
      const p = await store.loadOrCreatePlayer('newbie', SPAWN);
      expect(p).toMatchObject({ kind: 'guest', accountId: null, name: 'newbie', ...NEW_PLAYER_STATS, x: SPAWN.x, y: SPAWN.y, zone: SPAWN.zone });
      expect(reader.playerByName('newbie', 'guest')).toEqual(p);
      const wb = new WriteBehind(store, { ownsWriter: false });
      wb.markDirty(snap(p.id, 33, { level: 4, x: 7, y: 8, zone: 'cave' }));
      await wb.flush();
      expect(await store.loadOrCreatePlayer('newbie', { x: 0, y: 0, zone: 'elsewhere' }))
        .toMatchObject({ id: p.id, level: 4, hp: 33, x: 7, y: 8, zone: 'cave' });
    });

    it('gives two joins racing for one name one row', async () => {
      const { store } = await fresh();
      const rows = await Promise.all(Array.from({ length: 8 }, () => store.loadOrCreatePlayer('racer', SPAWN)));
      expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    });

    it('keeps guests and accounts apart: a guest of an account\'s name gets its own row and never touches the account\'s', async () => {
      const { store, reader } = await fresh();
      const alice = await store.loadOrCreatePlayer('alice', { ...SPAWN, kind: 'account' });
      expect(alice.kind).toBe('account');
      const wb = new WriteBehind(store, { ownsWriter: false });
      wb.markDirty(snap(alice.id, 42, { level: 5, x: 300, y: 700 }));
      await wb.flush();
      const saved = reader.playerByName('alice', 'account')!;

      const guest = await store.loadOrCreatePlayer('alice', SPAWN);
      expect(guest.id).not.toBe(alice.id);
      expect(guest).toMatchObject({ kind: 'guest', accountId: null, ...NEW_PLAYER_STATS, x: SPAWN.x, y: SPAWN.y });
      wb.markDirty(snap(guest.id, 1, { x: 1, y: 1 }));
      await wb.flush();
      await store.addItem(guest.id, 2, 1);

      expect(reader.playerByName('alice', 'account')).toEqual(saved);
      expect(reader.inventory(alice.id)).toEqual([]);
      expect(reader.playerByName('alice', 'guest')).toMatchObject({ id: guest.id, hp: 1 });
      expect((await store.loadOrCreatePlayer('alice', { ...SPAWN, kind: 'account' })).id).toBe(alice.id);
    });

    it('refuses a bad name, spawn or kind with a clear error and creates nothing', async () => {
      const { store, reader } = await fresh();
      await expect(store.loadOrCreatePlayer(7 as never, SPAWN)).rejects.toThrow(/player name must be a string/);
      await expect(store.loadOrCreatePlayer('nan', { ...SPAWN, y: Number.NaN })).rejects.toThrow(/must be finite/);
      await expect(store.loadOrCreatePlayer('kind', { ...SPAWN, kind: 'admin' as never })).rejects.toThrow(/unknown player kind/);
      await expect(store.loadOrCreatePlayer('owned', { ...SPAWN, kind: 'guest', accountId: 1 })).rejects.toThrow(/guest player has no account/);
      for (const n of ['nan', 'kind', 'owned']) for (const k of ['guest', 'account'] as const) expect(reader.playerByName(n, k)).toBeUndefined();
    });

    it('write-behind coalesces: the last snapshot per player wins, and the caller may reuse its object', async () => {
      const { store, reader } = await fresh();
      const [a, b] = await players(store, 'co', 2);
      const wb = new WriteBehind(store, { initialCapacity: 1, ownsWriter: false });
      const scratch = snap(a, 1);
      wb.markDirty(scratch);
      scratch.hp = 2;
      wb.markDirty(snap(b, 5));
      wb.markDirty(scratch);
      scratch.hp = 3; // not marked again: must not leak into the pending row
      expect(wb.pending).toBe(2);
      expect(hpOf(reader, [a, b])).toEqual([100, 100]);
      expect(await wb.flush()).toBe(2);
      expect(wb.isDirty(a)).toBe(false);
      expect(hpOf(reader, [a, b])).toEqual([2, 5]);
      expect(await wb.flush()).toBe(0);
      // A row of an unknown player is not counted and fails nothing.
      wb.markDirty(snap(123_456, 1));
      expect(await wb.flush()).toBe(0);
    });

    it('write-behind refuses non-finite numbers and bad ids at markDirty', async () => {
      const { store } = await fresh();
      const wb = new WriteBehind(store, { ownsWriter: false });
      expect(() => wb.markDirty(snap(1, Number.NaN))).toThrow(TypeError);
      expect(() => wb.markDirty(snap(1, 1, { x: Infinity }))).toThrow(TypeError);
      expect(() => wb.markDirty(snap(0, 1))).toThrow(TypeError);
      expect(wb.pending).toBe(0);
    });

    it('commits flushes and item commits in call order, each promise after its commit', async () => {
      const { store, reader } = await fresh();
      const ids = await players(store, 'ord', 100);
      const wb = new WriteBehind(store, { ownsWriter: false });
      const order: string[] = [];
      for (const id of ids) wb.markDirty(snap(id, 1));
      const a = wb.flush().then(() => order.push('a'));
      for (const id of ids) wb.markDirty(snap(id, 2));
      const b = wb.flush().then(() => order.push('b'));
      const item = wb.addItem(ids[0], 3, 1).then((q) => order.push(`item:${q}`));
      const c = wb.flush().then((n) => order.push(`c:${n}`)); // empty: still after a and b
      for (const id of ids.slice(0, 10)) wb.markDirty(snap(id, 3));
      const d = wb.flush().then(() => order.push('d'));
      await Promise.all([d, c, item, b, a]);
      expect(order).toEqual(['a', 'b', 'item:1', 'c:0', 'd']);
      expect(hpOf(reader, ids)).toEqual(ids.map((_, i) => (i < 10 ? 3 : 2)));
    });

    it('commits items durably before resolving, adds to stacks, and refuses bad quantities and unknown players', async () => {
      const { store, reader } = await fresh();
      const [id] = await players(store, 'loot', 1);
      expect(await store.addItem(id, 3, 25)).toBe(25);
      expect(reader.inventory(id)).toEqual([{ itemType: 3, quantity: 25 }]);
      expect(await store.addItem(id, 3, 5)).toBe(30);
      expect(await store.addItem(id, 1, 1)).toBe(1);
      await expect(store.addItem(id, 3, 0)).rejects.toThrow(/quantity must be an integer/);
      await expect(store.addItem(id, -1, 1)).rejects.toThrow(/itemType must be an integer/);
      await expect(store.addItem(999_999, 3, 1)).rejects.toThrow(/FOREIGN KEY/);
      expect(reader.inventory(id)).toEqual([{ itemType: 1, quantity: 1 }, { itemType: 3, quantity: 30 }]);
      expect(reader.inventory(999_999)).toEqual([]);
    });

    it('sets and adds game stats in one commit, and refuses a non-finite value', async () => {
      const { store, reader } = await fresh();
      await store.writeStats({ players_online: 12 }, { kills: 3, "items'; DROP TABLE game_stats; --": 1 });
      await store.writeStats({ players_online: 7 }, { kills: 2 });
      expect(reader.getStat('players_online')).toBe(7);
      expect(reader.getStat('kills')).toBe(5);
      expect(reader.getStat("items'; DROP TABLE game_stats; --")).toBe(1);
      await expect(store.writeStats({ bad: Number.NaN }, { kills: 1 })).rejects.toThrow(/finite/);
      expect(reader.getStat('bad')).toBeUndefined();
      expect(reader.getStat('kills')).toBe(5);
    });

    for (const { fault, message } of FAULTS) {
      it(`under a ${fault} fault writes nothing, keeps the rows, and writes them (under newer ones) once it clears`, async () => {
        const { store, reader } = await fresh();
        const ids = await players(store, fault, 20);
        const known = await store.loadOrCreatePlayer('known', SPAWN);
        const wb = new WriteBehind(store, { ownsWriter: false });
        await store.injectFault(fault);
        for (const id of ids) wb.markDirty(snap(id, 70));
        await expect(wb.flush()).rejects.toThrow(message);
        await expect(wb.addItem(ids[0], 1, 1)).rejects.toThrow(message);
        await expect(store.writeStats({ s: 1 }, {})).rejects.toThrow(message);
        await expect(store.loadOrCreatePlayer('newcomer', SPAWN)).rejects.toThrow(message);
        expect((await store.loadOrCreatePlayer('known', SPAWN)).id).toBe(known.id); // reads still work
        wb.markDirty(snap(ids[19], 71));
        await expect(wb.flush()).rejects.toThrow(message); // a second failure keeps both batches
        expect(hpOf(reader, ids)).toEqual(ids.map(() => 100));
        expect(reader.inventory(ids[0])).toEqual([]);
        expect(reader.getStat('s')).toBeUndefined();

        await store.injectFault(null);
        wb.markDirty(snap(ids[19], 72)); // newer than the kept row
        expect(await wb.flush()).toBe(21); // 20 kept rows + the new one, written in one commit
        expect(hpOf(reader, ids)).toEqual(ids.map((_, i) => (i === 19 ? 72 : 70)));
        expect(await wb.addItem(ids[0], 1, 1)).toBe(1); // a failed commit wrote nothing: no double
      });
    }

    it('close() drains what is pending and in flight, then refuses more work; closing twice is fine', async () => {
      const { store, reader } = await fresh();
      const ids = await players(store, 'drain', 300);
      const wb = new WriteBehind(store);
      for (const id of ids) wb.markDirty(snap(id, 11));
      const inFlight = wb.flush();
      for (const id of ids) wb.markDirty(snap(id, 12)); // pending only: close must write it
      const item = wb.addItem(ids[0], 1, 1);
      await wb.close();
      await expect(inFlight).resolves.toBe(300);
      await expect(item).resolves.toBe(1);
      expect(hpOf(reader, ids)).toEqual(ids.map(() => 12));
      expect(() => wb.markDirty(snap(ids[0], 1))).toThrow(/closed/);
      await expect(wb.flush()).rejects.toThrow(/closed/);
      await expect(store.addItem(ids[0], 1, 1)).rejects.toThrow(/closed/);
      await expect(store.loadOrCreatePlayer('late', SPAWN)).rejects.toThrow(/closed/);
      await expect(store.close()).resolves.toBeUndefined();
      expect(reader.inventory(ids[0])).toEqual([{ itemType: 1, quantity: 1 }]);
    });
  });
}
