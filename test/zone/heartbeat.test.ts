import { describe, expect, it } from 'vitest';
import { Encoder, decodeServerMessage, type SnapshotMsg } from '../../src/protocol/index.js';
import { DEFAULT_ZONE, generateZone, stepZone, type SimInput } from '../../src/sim/index.js';
import { Fanout, newViewer } from '../../src/zone/fanout.js';

// "Say only what changed": a client whose view has nothing new gets no frame, a heartbeat at
// most every 5 ticks (250 ms at 20 Hz) keeps it informed, and a change still reaches it in the
// tick it happens.
describe('snapshot heartbeat', () => {
  const still = () => generateZone({ ...DEFAULT_ZONE, npcs: 0, items: 20, spawnRadius: 0 }, 1);

  it('sends a client that sees nothing moving at most 5 frames a second, none more than 5 ticks apart', () => {
    const world = still();
    const fan = new Fanout(world, new Encoder());
    stepZone(world, [{ type: 'join', session: 1, name: 'a' }]);
    const viewer = newViewer(world.sessions.get(1)!);
    const sentAt: number[] = [];
    for (let t = 0; t < 200; t++) { // 10 s at 20 Hz
      if (t > 0) stepZone(world, []);
      fan.index();
      const bytes = fan.frame(viewer, 0);
      if (!bytes) continue;
      const msg = decodeServerMessage(bytes) as SnapshotMsg;
      expect(msg.tick).toBe(world.tick);
      if (t > 0) expect(msg.entities.length + msg.removed.length + msg.events.length).toBe(0);
      sentAt.push(world.tick);
    }
    expect(sentAt.length).toBeLessThanOrEqual(5 * 10 + 1); // the keyframe, then heartbeats
    expect(sentAt.length).toBeGreaterThanOrEqual(4 * 10);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 1]).toBeLessThanOrEqual(5);
  });

  it('sends a change and a new ack in the tick they happen', () => {
    const world = still();
    const fan = new Fanout(world, new Encoder());
    stepZone(world, [{ type: 'join', session: 1, name: 'a' }, { type: 'join', session: 2, name: 'b' }]);
    const viewer = newViewer(world.sessions.get(1)!);
    const other = world.c.NetId.id[world.sessions.get(2)!];
    fan.index();
    expect(fan.frame(viewer, 0)).toBeDefined(); // keyframe
    const quietTicks = (n: number) => {
      for (let i = 0; i < n; i++) {
        stepZone(world, []);
        fan.index();
        fan.frame(viewer, world.c.Player.lastSeq[viewer.eid]);
      }
    };
    quietTicks(7); // a heartbeat was sent in between, and the last tick sent nothing
    // The other player starts walking: its new record is in this very tick's frame.
    stepZone(world, [{ type: 'move', session: 2, seq: 1, x: world.c.Position.x[viewer.eid] + 10, y: world.c.Position.y[viewer.eid] }]);
    fan.index();
    const moved = fan.frame(viewer, world.c.Player.lastSeq[viewer.eid]);
    expect(moved).toBeDefined();
    expect((decodeServerMessage(moved!) as SnapshotMsg).entities.map((e) => e.netId)).toContain(other);
    quietTicks(2);
    // The viewer's own input is processed: the ack alone is news for it (nothing else changed:
    // a move to where it stands).
    const me = viewer.eid;
    let seen = 0;
    for (let i = 0; i < 40 && seen === 0; i++) { // let the other player arrive and stop
      stepZone(world, []);
      fan.index();
      if (!fan.frame(viewer, world.c.Player.lastSeq[me])) seen = 1;
    }
    expect(seen).toBe(1);
    const input: SimInput = { type: 'move', session: 1, seq: 1, x: world.c.Position.x[me], y: world.c.Position.y[me] };
    stepZone(world, [input]);
    fan.index();
    const acked = fan.frame(viewer, world.c.Player.lastSeq[me]);
    expect(acked).toBeDefined();
    expect((decodeServerMessage(acked!) as SnapshotMsg).ackSeq).toBe(1);
  });
});
