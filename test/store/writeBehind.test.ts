// Write-behind: coalescing, one transaction per flush, the writer thread (commit before the
// promise resolves, ordering, drain on close, durable economy writes), failure and retry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PlayerStore, WorkerWriter, WriteBehind, WriterError, packSnapshots, unpackSnapshot, type PlayerSnapshot, type SnapshotWriter,
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

// One contract, both writers: the same thread (PlayerStore) and the writer thread (WorkerWriter).
const WRITERS: readonly (readonly [string, (path: string) => SnapshotWriter | Promise<SnapshotWriter>])[] = [
  ['PlayerStore on the calling thread', (path) => PlayerStore.open(path)],
  ['WorkerWriter on its own thread', (path) => WorkerWriter.open(path)],
];

describe.each(WRITERS)('WriteBehind contract: %s', (label, make) => {
  let path: string;
  let store: PlayerStore;
  beforeAll(() => {
    path = file(`contract-${label.split(' ')[0]}.db`);
    store = PlayerStore.open(path);
  });
  afterAll(() => store.close());

  it('coalesces: the last snapshot per player wins, and the caller may reuse its object', async () => {
    const [a, b] = players(store, 'co', 2);
    const wb = new WriteBehind(await make(path), { initialCapacity: 1 });
    try {
      const scratch = snap(a, 1);
      wb.markDirty(scratch);
      scratch.hp = 2;
      wb.markDirty(snap(b, 5));
      wb.markDirty(scratch);
      scratch.hp = 3; // not marked again: must not leak into the pending row
      expect(wb.pending).toBe(2);
      expect(wb.isDirty(a) && wb.isDirty(b)).toBe(true);
      expect(hpSeenByOther(path, [a, b])).toEqual([100, 100]);
      expect(await wb.flush()).toBe(2);
      expect(wb.pending).toBe(0);
      expect(wb.isDirty(a)).toBe(false);
      expect(hpSeenByOther(path, [a, b])).toEqual([2, 5]);
      expect(await wb.flush()).toBe(0);
    } finally {
      await wb.close();
    }
  });

  it('refuses non-finite numbers and bad ids at markDirty', async () => {
    const wb = new WriteBehind(await make(path));
    try {
      expect(() => wb.markDirty(snap(1, Number.NaN))).toThrow(TypeError);
      expect(() => wb.markDirty(snap(1, 1, { x: Infinity }))).toThrow(TypeError);
      expect(() => wb.markDirty(snap(0, 1))).toThrow(TypeError);
      expect(wb.pending).toBe(0);
    } finally {
      await wb.close();
    }
  });

  it('writes a flush in one transaction; a failed one rejects, is kept and lands with the next, under newer rows', async () => {
    const ids = players(store, 'tx', 50);
    const wb = new WriteBehind(await make(path));
    try {
      for (const id of ids) wb.markDirty(snap(id, 70));
      const release = failOn(path, ids[25]);
      const err = (await wb.flush().then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
      expect(err).toBeInstanceOf(Error);
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

  it('commits flushes and addItems in call order, each promise after its commit', async () => {
    const ids = players(store, 'ord', 100);
    const wb = new WriteBehind(await make(path));
    const order: string[] = [];
    try {
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
      expect(hpSeenByOther(path, ids)).toEqual(ids.map((_, i) => (i < 10 ? 3 : 2)));
    } finally {
      await wb.close();
    }
  });

  it('close() drains what is pending, then refuses more work', async () => {
    const ids = players(store, 'drain', 300);
    const wb = new WriteBehind(await make(path));
    for (const id of ids) wb.markDirty(snap(id, 11));
    const inFlight = wb.flush();
    for (const id of ids) wb.markDirty(snap(id, 12)); // pending only: close must write it
    const item = wb.addItem(ids[0], 1, 1);
    await wb.close();
    await expect(inFlight).resolves.toBe(300);
    await expect(item).resolves.toBe(1);
    expect(hpSeenByOther(path, ids)).toEqual(ids.map(() => 12));
    expect(() => wb.markDirty(snap(ids[0], 1))).toThrow(/closed/);
    await expect(wb.flush()).rejects.toThrow(/closed/);
    await expect(wb.addItem(ids[0], 1, 1)).rejects.toThrow(/closed/);
  });

  it('leaves the file intact', () => {
    expect(store.integrityCheck()).toBe('ok');
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

  it('close() drains pending rows and in-flight flushes, then ends the thread', async () => {
    const ids = players(store, 'drain', 500);
    const writer = await WorkerWriter.open(path);
    const wb = new WriteBehind(writer);
    for (const id of ids) wb.markDirty(snap(id, 11));
    const inFlight = wb.flush();
    for (const id of ids) wb.markDirty(snap(id, 12)); // pending only: close must write it
    const item = wb.addItem(ids[0], 1, 1);
    await wb.close();
    await expect(inFlight).resolves.toBe(500);
    await expect(item).resolves.toBe(1);
    expect(writer.inFlight).toBe(0);
    expect(hpSeenByOther(path, ids)).toEqual(ids.map(() => 12));
    await expect(wb.flush()).rejects.toThrow(/closed/);
    await expect(writer.addItem(ids[0], 1, 1)).rejects.toThrow(/closed|exited/);
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
