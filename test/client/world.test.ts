// ClientWorld, fed through the real codec: encodeSnapshot → decodeServerMessage → apply.
// Coordinates are exact in float32 so equality is exact.

import { describe, expect, it } from 'vitest';

import { ClientWorld } from '../../src/client/index.js';
import {
  EntityFlags,
  EntityKind,
  EventKind,
  decodeServerMessage,
  encodeSnapshot,
  encodeWelcome,
  type EntityStateObj,
  type SnapshotInit,
  type SnapshotMsg,
  type WelcomeMsg,
} from '../../src/protocol/index.js';

function rec(netId: number, x: number, y: number, more: Partial<EntityStateObj> = {}): EntityStateObj {
  return {
    netId, x, y, targetX: x, targetY: y, speed: 0, rot: 0,
    hp: 100, maxHp: 100, mana: 50, maxMana: 50, level: 1, kind: EntityKind.Player, flags: 0,
    ...more,
  };
}

function walking(netId: number, x: number, y: number, tx: number, ty: number, speed: number, rot = 0): EntityStateObj {
  return rec(netId, x, y, { targetX: tx, targetY: ty, speed, rot, flags: EntityFlags.Moving });
}

function snap(init: Partial<SnapshotInit> & { tick: number }): SnapshotMsg {
  const m = decodeServerMessage(encodeSnapshot({ ackSeq: 0, keyframe: false, ...init }));
  if (m.type !== 'snapshot') throw new Error('not a snapshot');
  return m;
}

function welcomed(tick = 100): ClientWorld {
  const m = decodeServerMessage(encodeWelcome({
    sessionId: 'ab12', netId: 1, zoneId: 1, zoneName: 'z',
    bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, tickRate: 20, tick,
  })) as WelcomeMsg;
  const w = new ClientWorld();
  w.welcome(m);
  return w;
}

describe('ClientWorld', () => {
  it('Welcome sets own NetId, tick rate and tick', () => {
    const w = welcomed(77);
    expect(w.ownNetId).toBe(1);
    expect(w.tick).toBe(77);
    expect(w.tickRate).toBe(20);
    expect(w.size).toBe(0);
  });

  it('applies deltas: records, tick, ack, unknown removals ignored', () => {
    const w = welcomed();
    const ch = w.applySnapshot(snap({ tick: 101, ackSeq: 3, keyframe: true, entities: [rec(1, 10, 20), rec(2, 30, 40)] }));
    expect(ch).toEqual({ entered: [1, 2], updated: [], left: [] });
    expect(w.tick).toBe(101);
    expect(w.ackSeq).toBe(3);
    expect(w.own()!.record).toEqual(rec(1, 10, 20));
    const ch2 = w.applySnapshot(snap({ tick: 103, ackSeq: 4, entities: [rec(2, 31, 40, { hp: 90 })], removed: [999] }));
    expect(ch2).toEqual({ entered: [], updated: [2], left: [] });
    expect(w.get(2)!.record.hp).toBe(90);
    expect(w.get(2)!.recordTick).toBe(103);
    expect(w.get(1)!.recordTick).toBe(101); // unmentioned: keeps its record
    expect([...w.netIds()]).toEqual([1, 2]);
    expect([...w.entities()].map((e) => e.netId)).toEqual([1, 2]);
  });

  it('a keyframe forgets every entity it does not list, and their buffers', () => {
    const w = welcomed();
    w.applySnapshot(snap({ tick: 101, keyframe: true, entities: [rec(1, 0, 0), rec(2, 5, 5), rec(3, 6, 6)] }));
    w.applySnapshot(snap({ tick: 102, entities: [rec(4, 7, 7)] }));
    const buf2 = w.buffer(2)!;
    expect(buf2.size).toBe(2);
    const ch = w.applySnapshot(snap({ tick: 110, keyframe: true, entities: [rec(2, 8, 8)] }));
    expect(ch.entered).toEqual([]);
    expect(ch.updated).toEqual([2]);
    expect(ch.left.sort()).toEqual([1, 3, 4]);
    expect(w.size).toBe(1);
    expect(w.has(1) || w.has(3) || w.has(4)).toBe(false);
    expect(w.buffer(1)).toBeUndefined();
    expect(w.positionAt(1, 110)).toBeUndefined();
    expect(w.sample(3, 5000)).toBeNull();
    // The entity that stays keeps its buffer (smooth across the resync).
    expect(w.buffer(2)).toBe(buf2);
    expect(buf2.samples().map((s) => [s.tick, s.x, s.y])).toEqual([[101, 5, 5], [102, 5, 5], [110, 8, 8]]);
    // An empty keyframe forgets everything.
    w.applySnapshot(snap({ tick: 111, keyframe: true }));
    expect(w.size).toBe(0);
  });

  it('applies removed before entities: a NetId in both ends up known with its new record', () => {
    const w = welcomed();
    w.applySnapshot(snap({ tick: 101, keyframe: true, entities: [rec(1, 0, 0), rec(5, 10, 10)] }));
    const buf5 = w.buffer(5)!;
    const ch = w.applySnapshot(snap({ tick: 102, removed: [5, 1], entities: [rec(5, 12, 10, { rot: 1.5 })] }));
    expect(ch).toEqual({ entered: [], updated: [5], left: [1] });
    expect(w.has(5)).toBe(true);
    expect(w.has(1)).toBe(false);
    expect(w.get(5)!.record.x).toBe(12);
    expect(w.get(5)!.recordTick).toBe(102);
    expect(w.buffer(5)).toBe(buf5);
    expect(buf5.samples()).toEqual([
      { tick: 101, x: 10, y: 10, rot: 0 },
      { tick: 102, x: 12, y: 10, rot: 1.5 },
    ]);
    // A plain removal drops the entity and its buffer; re-entering later starts a new buffer.
    w.applySnapshot(snap({ tick: 103, removed: [5] }));
    expect(w.buffer(5)).toBeUndefined();
    w.applySnapshot(snap({ tick: 104, entities: [rec(5, 20, 10)] }));
    expect(w.buffer(5)).not.toBe(buf5);
    expect(w.buffer(5)!.size).toBe(1);
  });

  it('extrapolates positions with the motion model', () => {
    const w = welcomed();
    w.applySnapshot(snap({
      tick: 100,
      keyframe: true,
      entities: [
        walking(7, 0, 0, 10, 0, 5), // east at 5 u/s: 0.25 u per tick
        walking(8, 0, 0, 3, 4, 2.5), // diagonal, |d| = 5, 0.125 u per tick
        rec(9, 1, 1, { targetX: 1, targetY: 1, speed: 5 }), // at its target
        walking(10, 4, 4, 0, 4, 0), // speed 0: stays
      ],
    }));
    expect(w.positionAt(7, 100)).toEqual({ x: 0, y: 0 });
    expect(w.positionAt(7, 101)).toEqual({ x: 0.25, y: 0 });
    expect(w.positionAt(7, 104)).toEqual({ x: 1, y: 0 });
    expect(w.positionAt(7, 102.5)).toEqual({ x: 0.625, y: 0 });
    expect(w.positionAt(7, 139)).toEqual({ x: 9.75, y: 0 });
    expect(w.positionAt(7, 140)).toEqual({ x: 10, y: 0 }); // arrives after 2 s
    expect(w.positionAt(7, 500)).toEqual({ x: 10, y: 0 }); // and stops
    expect(w.positionAt(7, 90)).toEqual({ x: 0, y: 0 }); // before the record: its position
    const d = w.positionAt(8, 120)!; // 2.5 u along (0.6, 0.8)
    expect(d.x).toBeCloseTo(1.5, 12);
    expect(d.y).toBeCloseTo(2, 12);
    expect(w.positionAt(8, 1000)).toEqual({ x: 3, y: 4 });
    expect(w.positionAt(9, 150)).toEqual({ x: 1, y: 1 });
    expect(w.positionAt(10, 150)).toEqual({ x: 4, y: 4 });
    expect(w.positionAt(404, 100)).toBeUndefined();
  });

  it('pushes one motion-model sample per known entity per snapshot', () => {
    const w = welcomed();
    w.applySnapshot(snap({ tick: 100, keyframe: true, entities: [walking(7, 0, 0, 10, 0, 5, 0.5), rec(1, 2, 2)] }));
    w.applySnapshot(snap({ tick: 102, entities: [rec(1, 3, 2)] })); // 7 not mentioned: 0.5 u on
    w.applySnapshot(snap({ tick: 103, events: [{ kind: EventKind.Chat, source: 1, target: 0, x: 3, y: 2, value: 0, text: 'hi' }] }));
    expect(w.buffer(7)!.samples()).toEqual([
      { tick: 100, x: 0, y: 0, rot: 0.5 },
      { tick: 102, x: 0.5, y: 0, rot: 0.5 },
      { tick: 103, x: 0.75, y: 0, rot: 0.5 },
    ]);
    expect(w.buffer(1)!.samples().map((s) => s.x)).toEqual([2, 3, 3]);
    // Rendering 100 ms behind tick 103 = tick 101: halfway between the first two samples.
    expect(w.sample(7, 103 * 50 - 100)).toEqual({ x: 0.25, y: 0, rot: 0.5, mode: 'interpolated' });
    // The motion changes: the new record restarts the extrapolation from its own position.
    w.applySnapshot(snap({ tick: 104, entities: [walking(7, 1, 0, 1, 10, 5, 1.5)] }));
    expect(w.positionAt(7, 106)).toEqual({ x: 1, y: 0.5 });
    expect(w.buffer(7)!.newestTick).toBe(104);
  });

  it('a new Welcome starts over', () => {
    const w = welcomed();
    w.applySnapshot(snap({ tick: 101, ackSeq: 9, keyframe: true, entities: [rec(1, 0, 0)] }));
    const m = decodeServerMessage(encodeWelcome({
      sessionId: 'cd34', netId: 42, zoneId: 2, zoneName: 'y',
      bounds: { minX: 0, minY: 0, maxX: 10, maxY: 10 }, tickRate: 10, tick: 5,
    })) as WelcomeMsg;
    w.welcome(m);
    expect(w.size).toBe(0);
    expect(w.ackSeq).toBe(0);
    expect(w.ownNetId).toBe(42);
    expect(w.tickMs).toBe(100);
    w.applySnapshot(snap({ tick: 6, keyframe: true, entities: [walking(42, 0, 0, 10, 0, 5)] }));
    expect(w.positionAt(42, 8)).toEqual({ x: 1, y: 0 }); // 2 ticks of 100 ms at 5 u/s
    expect(w.buffer(42)!.tickMs).toBe(100);
  });
});
