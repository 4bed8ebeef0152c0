// What a test client knows of its view: each entity's last record and the tick it came with,
// kept by applying snapshots as PROTOCOL.md §7 says.

import { withMotion, withSteer, type EntityStateObj, type SnapshotMsg } from '../../src/protocol/index.js';

export type KnownRecords = Map<number, { rec: EntityStateObj; tick: number }>;

/**
 * Applies snapshot `s` to `known`: a keyframe forgets all, then removals, whole records,
 * Motion records, Steer records. Returns how many Motion or Steer records could not be applied
 * (an unknown NetId, or a Steer whose record cannot be stepped): the server must send none.
 */
export function applySnapshot(known: KnownRecords, s: SnapshotMsg, tickRate = 20): number {
  let unapplied = 0;
  if (s.keyframe) known.clear();
  for (const id of s.removed) known.delete(id);
  for (const rec of s.entities) known.set(rec.netId, { rec, tick: s.tick });
  for (const m of s.moves) {
    const k = known.get(m.netId);
    if (k) known.set(m.netId, { rec: withMotion(k.rec, m), tick: s.tick });
    else unapplied++;
  }
  for (const m of s.steers) {
    const k = known.get(m.netId);
    const rec = k && withSteer(k.rec, k.tick, m, s.tick, tickRate);
    if (rec) known.set(m.netId, { rec, tick: s.tick });
    else unapplied++;
  }
  return unapplied;
}
