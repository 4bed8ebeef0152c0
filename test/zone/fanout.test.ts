import { describe, expect, it } from 'vitest';
import { Encoder, decodeServerMessage, type SnapshotMsg } from '../../src/protocol/index.js';
import type { SimInput } from '../../src/sim/index.js';
import { DEFAULT_ZONE, Scenario, generateZone, stepZone, zoneForEntities, type ZoneWorld } from '../../src/sim/index.js';
import { Fanout, newViewer, type Viewer } from '../../src/zone/fanout.js';
import { applySnapshot, type KnownRecords } from './knownRecords.js';

/** What a client knows: the last record of each entity and the tick it came with. */
class ModelClient {
  readonly known: KnownRecords = new Map();
  events = 0;

  apply(s: SnapshotMsg): void {
    // Motion and Steer records only for an entity the client knows, Steers only where it can step (PROTOCOL.md §7).
    const unapplied = applySnapshot(this.known, s);
    if (unapplied > 0) throw new Error(`tick ${s.tick}: ${unapplied} Motion or Steer records could not be applied`);
    this.events += s.events.length;
  }

  /** Straight-line extrapolation toward the target at speed, stopping there. */
  positionAt(netId: number, tick: number): [number, number] {
    const { rec, tick: t0 } = this.known.get(netId)!;
    const dx = rec.targetX - rec.x, dy = rec.targetY - rec.y;
    const d = Math.hypot(dx, dy);
    const travel = rec.speed * 0.05 * (tick - t0);
    if (d === 0 || travel >= d) return [rec.targetX, rec.targetY];
    return [rec.x + (dx / d) * travel, rec.y + (dy / d) * travel];
  }
}

const RADIUS = 100;

/** The view as PROTOCOL.md §7 defines it: every entity of every cell the radius-100 circle reaches into. */
function viewSet(world: ZoneWorld, v: Viewer): Set<number> {
  const g = world.grid, s = g.cellSize;
  const ids = new Set<number>();
  for (let c = 0; c < g.cellCount; c++) {
    const x0 = g.minX + (c % g.cols) * s, y0 = g.minY + Math.floor(c / g.cols) * s;
    const nx = Math.min(Math.max(v.x, x0), x0 + s), ny = Math.min(Math.max(v.y, y0), y0 + s);
    if ((nx - v.x) ** 2 + (ny - v.y) ** 2 >= RADIUS * RADIUS) continue;
    for (const e of g.cells[c]) ids.add(world.c.NetId.id[e]);
  }
  return ids;
}

/** NetIds of the entities within `r` of the viewer. */
function within(world: ZoneWorld, v: Viewer, r: number): number[] {
  const out: number[] = [];
  for (const [id, e] of world.netToEid) {
    if ((world.c.Position.x[e] - v.x) ** 2 + (world.c.Position.y[e] - v.y) ** 2 <= r * r) out.push(id);
  }
  return out;
}

describe('cell fan-out', () => {
  it('keeps every client exactly in sync with its view for 400 ticks of a busy zone', () => {
    const world = generateZone(zoneForEntities(3000, { npcs: 2300, items: 300 }), 3);
    const scenario = new Scenario(world, { players: 300, seed: 3, moveChance: 0.3, turnChance: 0.05, attackChance: 0.2, pickupChance: 0.2, churnChance: 0.001 });
    const fan = new Fanout(world, new Encoder());
    stepZone(world, scenario.next()); // joins
    fan.index();
    // Follow 40 players; a few frames are dropped to force keyframes.
    const watched = [...world.sessions.entries()].slice(0, 40).map(([session, eid]) => ({
      session, netId: world.c.NetId.id[eid], viewer: newViewer(eid), client: new ModelClient(),
    }));
    let frames = 0, quiet = 0, keyframes = 0, viewMoves = 0, maxErr = 0, records = 0, viewed = 0, wrong = 0, missing = 0, far = 0, moves = 0, steers = 0, fresh = 0;
    const reach = RADIUS + world.grid.cellSize * Math.SQRT2; // the farthest point of a cell the circle reaches
    for (let t = 0; t < 400; t++) {
      stepZone(world, scenario.next());
      fan.index();
      for (const w of watched) {
        const eid = world.netToEid.get(w.netId);
        if (eid === undefined || world.c.Player.session[eid] !== w.session) continue; // left (churn)
        w.viewer.eid = eid;
        if (t % 97 === 13) {
          w.viewer.keyframe = true; // as after skipped frames
          continue;
        }
        const before = w.viewer.center;
        const bytes = fan.frame(w.viewer, 0);
        if (before >= 0 && before !== w.viewer.center) viewMoves++;
        if (bytes) {
          const msg = decodeServerMessage(bytes);
          if (msg.type !== 'snapshot') throw new Error('expected a snapshot');
          frames++;
          if (msg.keyframe) keyframes++;
          records += msg.entities.length + msg.moves.length + msg.steers.length;
          moves += msg.moves.length;
          steers += msg.steers.length;
          w.client.apply(msg);
        } else quiet++; // nothing new: the client's picture must still be right
        const expected = viewSet(world, w.viewer);
        for (const id of within(world, w.viewer, RADIUS)) if (!w.client.known.has(id)) missing++;
        for (const id of w.client.known.keys()) {
          const e = world.netToEid.get(id)!;
          if (Math.hypot(world.c.Position.x[e] - w.viewer.x, world.c.Position.y[e] - w.viewer.y) > reach) far++;
        }
        viewed += expected.size;
        // Plain comparisons here (millions of them); expect() only to report a mismatch.
        if (w.client.known.size !== expected.size || [...expected].some((id) => !w.client.known.has(id))) {
          expect([...w.client.known.keys()].sort()).toEqual([...expected].sort());
        }
        for (const id of expected) {
          const e = world.netToEid.get(id)!;
          const [x, y] = w.client.positionAt(id, world.tick);
          maxErr = Math.max(maxErr, Math.abs(x - world.c.Position.x[e]), Math.abs(y - world.c.Position.y[e]));
          const { rec, tick } = w.client.known.get(id)!;
          // A record of this tick, whole, Motion or Steer (its position stepped by the client), is exact.
          if (tick === world.tick && ++fresh && (rec.x !== world.c.Position.x[e] || rec.y !== world.c.Position.y[e])) wrong++;
          if (rec.hp !== world.c.Health.hp[e] || rec.rot !== world.c.Rotation.angle[e] || rec.kind !== world.c.Kind.value[e] ||
              rec.level !== world.c.Level.value[e] || (rec.flags & 1) !== (world.c.Dead.respawnAt[e] !== 0 ? 1 : 0)) wrong++;
        }
      }
    }
    expect(frames).toBeGreaterThan(10000);
    expect(missing).toBe(0); // everything within 100 units is known
    expect(far).toBe(0); // nothing beyond the circle's cells
    expect(keyframes).toBeGreaterThan(100);
    expect(viewMoves).toBeGreaterThan(50);
    expect(wrong).toBe(0);
    expect(moves).toBeGreaterThan(1000); // changes of motion alone went as Motion records
    expect(steers).toBeGreaterThan(1000); // and turns of walkers as Steer records
    expect(fresh).toBeGreaterThan(10000);
    expect(maxErr).toBeLessThan(0.05);
    // Deltas: a small share of the view is resent per frame (keyframes and view moves included).
    expect(records / viewed).toBeLessThan(0.2);
  });

  it('says nothing of a walk over a cell border to a client that sees both cells, a record or a removal to one that sees one side', () => {
    const world = generateZone({ ...DEFAULT_ZONE, bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, spawn: { x: 500, y: 500 }, npcs: 0, items: 0, cellSize: 25 }, 1);
    const fan = new Fanout(world, new Encoder());
    const stats = { level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 };
    // The walker goes from x 110 to 160 along y 500, over the borders at 125 and 150. From
    // x 130 both cells of each border are in view; from 245 the cell [125, 150) is (nearest
    // point 95 away) and [100, 125) is not (120); from 25 it is the other way round (75, 100).
    const at = { walker: 110, both: 130, destOnly: 245, sourceOnly: 25 };
    stepZone(world, Object.entries(at).map(([name, x], i) => ({ type: 'join', session: i + 1, name, state: { x, y: 500, ...stats } })));
    const walker = world.c.NetId.id[world.sessions.get(1)!];
    const watchers = ['both', 'destOnly', 'sourceOnly'].map((name, i) => ({ name, viewer: newViewer(world.sessions.get(i + 2)!), records: [] as number[], removals: [] as number[], knows: false }));
    fan.index();
    let inputs: SimInput[] = [{ type: 'move', session: 1, seq: 1, x: 160, y: 500 }];
    for (let t = 0; t < 260; t++) {
      stepZone(world, inputs);
      inputs = [];
      fan.index();
      for (const w of watchers) {
        const bytes = fan.frame(w.viewer, 0);
        if (!bytes) continue;
        const msg = decodeServerMessage(bytes) as SnapshotMsg;
        if (msg.keyframe) w.knows = false;
        if (msg.removed.includes(walker)) {
          w.removals.push(world.c.Position.x[world.sessions.get(1)!]);
          w.knows = false;
        }
        if (msg.entities.some((r) => r.netId === walker)) {
          w.records.push(world.c.Position.x[world.sessions.get(1)!]);
          w.knows = true;
        }
        // Right at every tick: it knows the walker exactly when the walker's cell is in its view.
        expect(w.knows, `${w.name} at tick ${world.tick}`).toBe(viewSet(world, w.viewer).has(walker));
      }
    }
    expect(world.c.Position.x[world.sessions.get(1)!]).toBe(160);
    const [both, destOnly, sourceOnly] = watchers;
    // (Where the walker was at each.) Its first step, in the keyframe, and its arrival: nothing
    // at either border.
    expect(both.records).toEqual([110.25, 160]);
    expect(both.removals).toEqual([]);
    // Its record when it walked into [125, 150), then only the arrival (it saw 150 crossed).
    expect(destOnly.records).toEqual([125, 160]);
    expect(destOnly.removals).toEqual([]);
    // The keyframe, then its removal when it walked out of [100, 125).
    expect(sourceOnly.records).toEqual([110.25]);
    expect(sourceOnly.removals).toEqual([125]);
  });

  it('sends a turn toward a target on the walk grid as a Steer record, one off it as a Motion record', () => {
    const world = generateZone({ ...DEFAULT_ZONE, bounds: { minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, spawn: { x: 500, y: 500 }, npcs: 0, items: 0, cellSize: 25 }, 1);
    const fan = new Fanout(world, new Encoder());
    const stats = { level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 };
    stepZone(world, [
      { type: 'join', session: 1, name: 'walker', state: { x: 510.01, y: 510, ...stats } },
      { type: 'join', session: 2, name: 'watcher', state: { x: 530, y: 510, ...stats } },
    ]);
    const walker = world.sessions.get(1)!, watcher = newViewer(world.sessions.get(2)!);
    fan.index();
    const known: KnownRecords = new Map();
    const tickWith = (inputs: SimInput[]) => {
      stepZone(world, inputs);
      fan.index();
      const msg = decodeServerMessage(fan.frame(watcher, 0)!) as SnapshotMsg;
      expect(applySnapshot(known, msg)).toBe(0);
      return msg;
    };
    tickWith([{ type: 'move', session: 1, seq: 1, x: 400.3, y: 510 }]); // the keyframe
    // A turn toward a point on the grid (rounded toward the walker): a Steer, 5 bytes here.
    const onGrid = tickWith([{ type: 'move', session: 1, seq: 2, x: 450.3, y: 520.1 }]);
    expect(onGrid.steers).toEqual([{ netId: world.c.NetId.id[walker], targetX: 450.375, targetY: 520 }]);
    expect(onGrid.moves).toEqual([]);
    // A turn toward a point with no grid point between it and the walker (0.05 away on x):
    // the target stays off the grid, and the turn goes as a Motion record.
    const x = world.c.Position.x[walker];
    const offGrid = tickWith([{ type: 'move', session: 1, seq: 3, x: x + 0.05, y: 515 }]);
    expect(world.c.Motion.tx[walker]).toBe(Math.fround(x + 0.05));
    expect(offGrid.steers).toEqual([]);
    expect(offGrid.moves.map((m) => [m.netId, m.targetX])).toEqual([[world.c.NetId.id[walker], Math.fround(x + 0.05)]]);
  });

  it('delivers each event to the viewers within its radius and no others, in the order they happened', () => {
    const world = generateZone(zoneForEntities(2000, { npcs: 1500, items: 100 }), 8);
    const scenario = new Scenario(world, { players: 300, seed: 8, chatChance: 0.05, attackChance: 0.2 });
    const fan = new Fanout(world, new Encoder());
    stepZone(world, scenario.next());
    const viewers = [...world.sessions.values()].slice(0, 60).map((eid) => newViewer(eid));
    let delivered = 0;
    for (let t = 0; t < 100; t++) {
      stepZone(world, scenario.next());
      fan.index();
      for (const v of viewers) {
        if (world.c.NetId.id[v.eid] === 0) continue;
        const bytes = fan.frame(v, 0);
        const x = world.c.Position.x[v.eid], y = world.c.Position.y[v.eid];
        const expected = world.events.filter((ev) => (ev.x - x) ** 2 + (ev.y - y) ** 2 <= ev.radius ** 2);
        if (!bytes) { // no frame: there was nothing to tell
          expect(expected).toEqual([]);
          continue;
        }
        const msg = decodeServerMessage(bytes) as SnapshotMsg;
        // In the order they happened (PROTOCOL.md §8), whatever cells they happened in.
        expect(msg.events.map((e) => `${e.kind}:${e.source}:${e.target}:${e.text ?? ''}`))
          .toEqual(expected.map((e) => `${e.kind}:${e.source}:${e.target}:${e.text ?? ''}`));
        delivered += msg.events.length;
      }
    }
    expect(delivered).toBeGreaterThan(100);
  });
});
