// Write-behind on the writer thread, beyond the ZoneStore contract (contract.ts): packing, the
// transferred batch, one SQLite transaction per flush, errors that keep SQLite's code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PlayerStore, WorkerWriter, WriteBehind, WriterError, packSnapshots, unpackSnapshot, type PlayerSnapshot,
} from '../../src/store/index.js';
import { SPAWN, otherConnection, tempStore } from './helpers.js';

const { file } = tempStore('wb');

function snap(id: number, hp: number, over: Partial<PlayerSnapshot> = {}): PlayerSnapshot {
  return { id, level: 1, hp, maxHp: 100, mana: 50, maxMana: 50, x: id * 0.5, y: -id, zone: 'meadow', ...over };
}

/** Creates `n` players and returns their ids. */
function players(store: PlayerStore, prefix: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => store.loadOrCreatePlayer(`${prefix}-${i}`, SPAWN).id);
}

/** hp by id, as another connection sees it now. */
function hpSeenByOther(path: string, ids: readonly number[]): number[] {
  const db = otherConnection(path);
  try {
    const q = db.prepare('SELECT hp FROM players WHERE id = ?');
    return ids.map((id) => (q.get(id) as { hp: number }).hp);
  } finally {
    db.close();
  }
}

function failOn(path: string, id: number): () => void {
  const db = otherConnection(path);
  db.exec(`CREATE TRIGGER fail_${id} BEFORE UPDATE ON players WHEN NEW.id = ${id} BEGIN SELECT RAISE(ABORT, 'boom ${id}'); END`);
  return () => {
    db.exec(`DROP TRIGGER fail_${id}`);
    db.close();
  };
}

describe('packing', () => {
  it('packs snapshots into one Float64Array with a zone table, and back', () => {
    const rows = [snap(1, 10), snap(2, 20, { zone: 'cave', x: 0.1 }), snap(3, 30)];
    const b = packSnapshots(rows);
    expect(b.count).toBe(3);
    expect(b.zones).toEqual(['meadow', 'cave']);
    expect(b.data).toBeInstanceOf(Float64Array);
    expect(rows.map((_, i) => unpackSnapshot(b, i))).toEqual(rows);
  });
});

describe('WriteBehind with the writer thread', () => {
  let path: string;
  let store: PlayerStore;
  beforeAll(() => {
    path = file('worker.db');
    store = PlayerStore.open(path);
  });
  afterAll(() => store.close());

  it('hands over the batch and resolves once another connection can read every row', async () => {
    const ids = players(store, 'w', 2000);
    const wb = await WriteBehind.withWorker(path);
    try {
      const reader = otherConnection(path);
      const q = reader.prepare('SELECT count(*) AS n FROM players WHERE hp = 42 AND zone = ?');
      for (const id of ids) wb.markDirty(snap(id, 42, { zone: 'flushed' }));
      const p = wb.flush();
      expect(wb.pending).toBe(0);
      wb.markDirty(snap(ids[0], 43)); // the next batch starts while the first is in flight
      expect(await p).toBe(2000);
      expect((q.get('flushed') as { n: number }).n).toBe(2000); // ids[0]'s 43 is not flushed yet
      reader.close();
      expect(await wb.flush()).toBe(1);
      expect(hpSeenByOther(path, [ids[0], ids[1]])).toEqual([43, 42]);
    } finally {
      await wb.close();
    }
  });

  it('writes a flush in one transaction: a row failing mid-batch rolls back the others, kept for the next flush', async () => {
    const ids = players(store, 'tx', 50);
    const wb = await WriteBehind.withWorker(path);
    try {
      for (const id of ids) wb.markDirty(snap(id, 70));
      const release = failOn(path, ids[25]);
      const err = (await wb.flush().then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
      expect(err).toBeInstanceOf(WriterError);
      expect(err.message).toMatch(/boom/);
      expect(err.code).toBe('SQLITE_CONSTRAINT_TRIGGER');
      expect(hpSeenByOther(path, ids)).toEqual(ids.map(() => 100)); // nothing of the batch landed
      release();
      wb.markDirty(snap(ids[49], 71)); // newer than the kept row
      expect(await wb.flush()).toBe(51);
      expect(hpSeenByOther(path, ids)).toEqual(ids.map((_, i) => (i === 49 ? 71 : 70)));
    } finally {
      await wb.close();
    }
  });

  it('addItem resolves after its commit, visible to another connection, and orders after an earlier flush', async () => {
    const [id] = players(store, 'loot', 1);
    const wb = await WriteBehind.withWorker(path);
    try {
      wb.markDirty(snap(id, 61));
      void wb.flush();
      expect(await wb.addItem(id, 3, 25)).toBe(25);
      const db = otherConnection(path);
      expect(db.prepare('SELECT quantity FROM inventory WHERE player_id = ? AND item_type = 3').get(id)).toEqual({ quantity: 25 });
      expect(db.prepare('SELECT hp FROM players WHERE id = ?').get(id)).toEqual({ hp: 61 });
      db.close();
      expect(await wb.addItem(id, 3, 5)).toBe(30);
      await expect(wb.addItem(id, 3, 0)).rejects.toThrow(/quantity must be an integer/);
      await expect(wb.addItem(999_999, 3, 1)).rejects.toThrow(/FOREIGN KEY/);
      await expect(wb.addItem(999_999, 3, 1)).rejects.toBeInstanceOf(WriterError);
      expect(store.inventory(id)).toEqual([{ itemType: 3, quantity: 30 }]);
    } finally {
      await wb.close();
    }
  });

  it('loads or creates players on the writer thread', async () => {
    const writer = await WorkerWriter.open(path);
    try {
      const p = await writer.loadOrCreatePlayer('thread-born', { x: 5, y: 6, zone: 'cave' });
      expect(p).toMatchObject({ name: 'thread-born', level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50, x: 5, y: 6, zone: 'cave' });
      expect(store.playerByName('thread-born', 'guest')).toEqual(p);
      expect(await writer.removeItem(p.id, 1, 1)).toBeNull();
    } finally {
      await writer.close();
    }
  });

  it('leaves the file intact', () => {
    expect(store.integrityCheck()).toBe('ok');
  });
});
