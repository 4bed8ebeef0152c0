import { describe, expect, it } from 'vitest';
import { Encoder, MAX_SERVER_FRAME_BYTES, decodeServerMessage } from '../../src/protocol/index.js';
import { Scenario, generateZone, stepZone, zoneForEntities } from '../../src/sim/index.js';
import { Fanout, newViewer } from '../../src/zone/fanout.js';
import { applySnapshot, type KnownRecords } from './knownRecords.js';

// A whole-zone observer (the viewer, `?observer=1&scope=zone`) of a zone whose keyframe alone
// is larger than the largest frame a client takes (MAX_SERVER_FRAME_BYTES, 1 MiB: about 26,000
// entities of 40 bytes). Its frames stay within the limit and it still comes to know the whole
// zone, while the zone moves: what does not fit goes in the next frames.

describe('a whole-zone observer of a big zone', () => {
  it('gets every frame within MAX_SERVER_FRAME_BYTES and comes to know every entity', () => {
    const world = generateZone(zoneForEntities(40_000, { npcs: 39_000, items: 500 }), 5);
    const scenario = new Scenario(world, { players: 300, seed: 5, moveChance: 0.3, turnChance: 0.05, attackChance: 0.1, pickupChance: 0.1, churnChance: 0.002 });
    const fan = new Fanout(world, new Encoder());
    const observer = newViewer(-1, world.config.spawn.x, world.config.spawn.y);
    observer.wholeZone = true;
    const known: KnownRecords = new Map();
    let largest = 0, frames = 0, firstWhole = -1;
    for (let t = 0; t < 40; t++) {
      stepZone(world, scenario.next());
      fan.index();
      const bytes = fan.frame(observer, 0);
      if (!bytes) continue;
      frames++;
      largest = Math.max(largest, bytes.length);
      expect(bytes.length).toBeLessThanOrEqual(MAX_SERVER_FRAME_BYTES);
      const m = decodeServerMessage(bytes); // refuses a frame over the limit
      if (m.type !== 'snapshot') throw new Error(`expected a snapshot, got ${m.type}`);
      expect(m.keyframe).toBe(t === 0);
      expect(applySnapshot(known, m)).toBe(0); // no Motion or Steer record for an entity it does not know
      if (firstWhole < 0 && known.size === world.netToEid.size) firstWhole = t;
    }
    expect(world.netToEid.size).toBeGreaterThan(MAX_SERVER_FRAME_BYTES / 40); // the keyframe alone would not fit
    expect(frames).toBe(40);
    expect(largest).toBeGreaterThan(MAX_SERVER_FRAME_BYTES / 4); // the first frames carried all they could
    expect(firstWhole).toBeGreaterThan(0); // not in one frame
    // At the end it knows exactly the zone's entities, each as it is (kind and hit points).
    expect([...known.keys()].sort((a, b) => a - b)).toEqual([...world.netToEid.keys()].sort((a, b) => a - b));
    for (const [id, e] of world.netToEid) {
      const rec = known.get(id)!.rec;
      expect(rec.hp).toBe(world.c.Health.hp[e]);
    }
  }, 120_000);
});
