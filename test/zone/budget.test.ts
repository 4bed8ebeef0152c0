import { describe, expect, it } from 'vitest';
import { ClientWorld } from '../../src/client/index.js';
import { ENTITY_STATE_SIZE, Encoder, decodeServerMessage, type SnapshotMsg } from '../../src/protocol/index.js';
import {
  DEFAULT_ZONE, Scenario, createZoneWorld, generateZone, rules, spawnNpc, spawnPlayer, stepZone, zoneForEntities, type ZoneWorld,
} from '../../src/sim/index.js';
import { walkTo } from '../../src/sim/systems/movement.js';
import { BUCKET_SECONDS } from '../../src/zone/budget.js';
import { Fanout, newViewer, type Viewer } from '../../src/zone/fanout.js';

// The bandwidth budget at the fan-out (src/zone/budget.ts): under a small cap a client gets
// its nearest and fastest-changing cells first and the rest later, whole; nothing is lost,
// only delayed.

const CAP = 2048;
const RADIUS = 100;

/**
 * A busy zone: 600 × 600, 25-unit cells, about 45 entities in a view; players walk, fight, pick
 * up and churn; NPCs patrol, or with `guardShare` 1 stand at their posts (a zone that can settle).
 */
function busyZone(seed: number, guardShare = 0.25): { world: ZoneWorld; scenario: Scenario } {
  const world = generateZone(zoneForEntities(420, {
    npcs: 300, guardShare, items: 60, cellSize: 25, bounds: { minX: 0, minY: 0, maxX: 600, maxY: 600 }, spawn: { x: 300, y: 300 }, spawnRadius: 300,
  }), seed);
  const scenario = new Scenario(world, { players: 60, seed, moveChance: 0.3, attackChance: 0.05, pickupChance: 0.1, churnChance: 0.002 });
  return { world, scenario };
}

/** The cells in view from the viewer (PROTOCOL.md §7). */
function viewCells(world: ZoneWorld, v: Viewer): number[] {
  const out: number[] = [];
  for (let c = 0; c < world.grid.cellCount; c++) if (cellDistance(world, v, c) < RADIUS) out.push(c);
  return out;
}

/** Distance from the viewer to the nearest point of cell c. */
function cellDistance(world: ZoneWorld, v: Viewer, c: number): number {
  const g = world.grid, s = g.cellSize;
  const x0 = g.minX + (c % g.cols) * s, y0 = g.minY + Math.floor(c / g.cols) * s;
  const nx = Math.min(Math.max(v.x, x0), x0 + s), ny = Math.min(Math.max(v.y, y0), y0 + s);
  return Math.hypot(nx - v.x, ny - v.y);
}

/**
 * Each cell's records per tick as the budget weighs them, modelled apart from the fan-out: a
 * decayed average (half-life one second at 20 Hz) of the entities recorded in the cell each
 * tick (changed or moved, still alive).
 */
class ChangeRateModel {
  private readonly decay = 0.5 ** (1 / 20);
  private readonly rates = new Map<number, number>();

  /** Call once per tick, after the step. */
  observe(world: ZoneWorld): void {
    for (const [cell, r] of this.rates) this.rates.set(cell, r * this.decay);
    const recorded = new Set<number>();
    const note = (e: number) => {
      const cell = world.grid.cellOf[e];
      if (world.c.NetId.id[e] === 0 || cell < 0 || recorded.has(e)) return;
      recorded.add(e);
      this.rates.set(cell, (this.rates.get(cell) ?? 0) + (1 - this.decay));
    };
    for (const e of world.changed) note(e);
    for (const e of world.grid.movedEids) note(e);
  }

  of(cell: number): number {
    return this.rates.get(cell) ?? 0;
  }
}

/** A watched client; per tick: the bytes sent it, and those of its own cell, removals, events and header (never deferred). */
interface Watched { session: number; viewer: Viewer; client: ClientWorld; sentBytes: number[]; mandatoryBytes: number[] }

/**
 * Checks what the client knows against the server: nothing outside its view (removals are never
 * deferred), and in every cell of the view that it is not owed, every entity with its current
 * state. Returns the number of entities checked.
 */
function checkClient(world: ZoneWorld, w: Watched): number {
  const { c } = world;
  const cells = viewCells(world, w.viewer);
  const inView = new Set<number>();
  for (const cell of cells) for (const e of world.grid.cells[cell]) inView.add(c.NetId.id[e]);
  for (const id of w.client.netIds()) if (!inView.has(id)) expect.fail(`tick ${world.tick}: NetId ${id} known but out of view`);
  let checked = 0;
  for (const cell of cells) {
    if (w.viewer.budget && w.viewer.budget.owed.since(cell) >= 0) continue;
    for (const e of world.grid.cells[cell]) {
      const id = c.NetId.id[e];
      const known = w.client.get(id);
      if (!known) expect.fail(`tick ${world.tick}: NetId ${id} in cell ${cell} (not owed) unknown`);
      const p = w.client.positionAt(id, world.tick)!;
      if (Math.abs(p.x - c.Position.x[e]) > 0.05 || Math.abs(p.y - c.Position.y[e]) > 0.05 || known.record.hp !== c.Health.hp[e] ||
        (known.record.flags & 1) !== (c.Dead.respawnAt[e] !== 0 ? 1 : 0)) {
        expect.fail(`tick ${world.tick}: NetId ${id} in cell ${cell} (not owed) is stale`);
      }
      checked++;
    }
  }
  return checked;
}

function watch(world: ZoneWorld, count: number): Watched[] {
  return [...world.sessions.entries()].slice(0, count).map(([session, eid]) => ({
    session, viewer: newViewer(eid), client: new ClientWorld({ interpolate: false }), sentBytes: [], mandatoryBytes: [],
  }));
}

/** One tick's frame to each watched client that is still in the zone; the bytes sent are logged per tick. */
function deliver(world: ZoneWorld, fan: Fanout, watched: Watched[], onFrame?: (w: Watched, msg: SnapshotMsg, owedBefore: Map<number, number>) => void): void {
  for (const w of watched) {
    const eid = world.sessions.get(w.session);
    if (eid === undefined) continue; // left (churn)
    w.viewer.eid = eid;
    const owedBefore = new Map(w.viewer.budget?.owed.entries() ?? []);
    const bytes = fan.frame(w.viewer, 0);
    w.sentBytes.push(bytes?.length ?? 0);
    if (!bytes) {
      w.mandatoryBytes.push(0);
      continue;
    }
    const msg = decodeServerMessage(bytes) as SnapshotMsg;
    const center = world.grid.cellAt(w.viewer.x, w.viewer.y);
    const elsewhere = msg.entities.filter((r) => world.grid.cellOf[world.netToEid.get(r.netId)!] !== center).length;
    w.mandatoryBytes.push(bytes.length - elsewhere * ENTITY_STATE_SIZE);
    w.client.applySnapshot(msg);
    onFrame?.(w, msg, owedBefore);
  }
}

describe('bandwidth budget', () => {
  // Patrolling NPCs walk over cell borders all the time: crossings out of cells the client is
  // owed, whose entities it may hold stale records of, need their records where they go. Under
  // 512 B/s the patrols alone outrun the cap, so the view is never all paid.
  it.each([
    ['NPCs standing guard', 1, 2048, true],
    ['NPCs patrolling', 0, 2048, true],
    ['NPCs patrolling, 1 KB/s', 0, 1024, true],
    ['NPCs patrolling, 512 B/s', 0, 512, false],
  ])('under a cap keeps every client right about what it is not owed, then brings it the whole view (%s)', (_, guardShare, cap, settles) => {
    const { world, scenario } = busyZone(5, guardShare);
    const fan = new Fanout(world, new Encoder(), RADIUS, 1, 5, cap);
    stepZone(world, scenario.next());
    fan.index();
    const watched = watch(world, 20);
    let checked = 0, maxOwed = 0, frames = 0;
    for (let t = 0; t < 300; t++) { // 15 s of a busy zone
      stepZone(world, scenario.next());
      fan.index();
      deliver(world, fan, watched, () => frames++);
      for (const w of watched) {
        if (!world.sessions.has(w.session)) continue;
        checked += checkClient(world, w);
        maxOwed = Math.max(maxOwed, w.viewer.budget!.owed.size);
      }
    }
    expect(frames).toBeGreaterThan(1000);
    expect(checked).toBeGreaterThan(20_000);
    expect(maxOwed).toBeGreaterThan(5); // the cap did bind
    // Then nobody plays: the zone settles and every owed cell is paid (where the cap lets it).
    for (let t = 0; t < 400; t++) {
      stepZone(world, []);
      fan.index();
      deliver(world, fan, watched);
    }
    const present = watched.filter((w) => world.sessions.has(w.session));
    expect(present.length).toBeGreaterThanOrEqual(10);
    for (const w of present) {
      if (!settles) continue;
      expect(w.viewer.budget!.owed.size).toBe(0);
      const cells = viewCells(world, w.viewer);
      const inView = cells.reduce((n, c) => n + world.grid.cells[c].length, 0);
      expect(checkClient(world, w)).toBe(inView);
      expect(w.client.size).toBe(inView);
    }
    // Bytes per client in any second: within the cap plus what the bucket saved before it (a
    // quarter second of the cap) plus one frame, plus what the part that is never deferred (its
    // own cell, removals, events) took beyond the cap in a tick.
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    let seconds = 0, beyondCapAndFrame = 0;
    for (const w of watched) {
      for (let i = 0; i + 20 <= w.sentBytes.length; i++) {
        const window = w.sentBytes.slice(i, i + 20);
        const overdrawn = sum(w.mandatoryBytes.slice(i, i + 20).map((m) => Math.max(0, m - cap / 20)));
        expect(sum(window)).toBeLessThanOrEqual(cap * (1 + BUCKET_SECONDS) + Math.max(...window) + overdrawn);
        if (sum(window) > cap + Math.max(...window)) beyondCapAndFrame++;
        seconds++;
      }
      // On average, within the cap, but for what never waits beyond it.
      const neverWaited = sum(w.mandatoryBytes.map((m) => Math.max(0, m - cap / 20)));
      expect(sum(w.sentBytes) - neverWaited).toBeLessThanOrEqual(cap * (w.sentBytes.length / 20));
    }
    expect(beyondCapAndFrame / seconds).toBeLessThan(0.05);
  });

  it('sends nearer cells first: a farther cell goes before a nearer one only when it has waited longer or changes faster', () => {
    const { world, scenario } = busyZone(9);
    const fan = new Fanout(world, new Encoder(), RADIUS, 1, 5, CAP);
    stepZone(world, scenario.next());
    fan.index();
    const watched = watch(world, 20);
    const size = world.grid.cellSize;
    const rates = new ChangeRateModel();
    rates.observe(world);
    let ticksWithDeferral = 0, comparisons = 0, nearerWaitedFor = 0;
    for (let t = 0; t < 200; t++) {
      stepZone(world, scenario.next());
      rates.observe(world);
      fan.index();
      deliver(world, fan, watched, (w, msg, owedBefore) => {
        const owed = w.viewer.budget!.owed;
        if (owed.size === 0) return;
        ticksWithDeferral++;
        const center = world.grid.cellAt(w.viewer.x, w.viewer.y);
        const sent = new Set<number>();
        for (const r of msg.entities) {
          const cell = world.grid.cellOf[world.netToEid.get(r.netId)!];
          if (cell !== center) sent.add(cell);
        }
        const waited = (cell: number) => (owedBefore.has(cell) ? world.tick - owedBefore.get(cell)! : 0);
        const priority = (cell: number) => (1 + waited(cell)) * (1 + rates.of(cell)) / (1 + cellDistance(world, w.viewer, cell) / size);
        for (const s of sent) {
          for (const [d] of owed.entries()) {
            comparisons++;
            expect(priority(s)).toBeGreaterThanOrEqual(priority(d) * (1 - 1e-9) - 1e-9);
            if (cellDistance(world, w.viewer, s) > cellDistance(world, w.viewer, d)) {
              expect(waited(s) > waited(d) || rates.of(s) > rates.of(d)).toBe(true);
              nearerWaitedFor++;
            }
          }
        }
      });
    }
    expect(ticksWithDeferral).toBeGreaterThan(100);
    expect(comparisons).toBeGreaterThan(1000);
    expect(nearerWaitedFor).toBeGreaterThan(10); // far cells do get their turn
    // Near cells wait less than far ones.
    const totals = fan.budgetTotals()!;
    const mean = (h: { sum: number; count: number }) => h.sum / h.count;
    expect(totals.cellsWaited).toBeGreaterThan(0);
    expect(mean(totals.nearWaitMs)).toBeLessThan(mean(totals.farWaitMs));
  });

  it('sends the faster-changing of two cells alike first, and the slower one later', () => {
    // A 250 × 250 zone of 25-unit cells, the viewer in the middle of cell (4, 4); two cells
    // 37.5 units from it: (2, 4) with one guard, offered first, and (6, 4) with twenty-two
    // that turn every tick. Owed, they go as twenty-two Motion records (528 bytes): a batch of
    // 2 KB/s (512 bytes) alone; the guard's one record would leave room for them, so only the
    // order decides whether it waits.
    const world = createZoneWorld({
      ...DEFAULT_ZONE, bounds: { minX: 0, minY: 0, maxX: 250, maxY: 250 }, spawn: { x: 112.5, y: 112.5 }, npcs: 0, items: 0, cellSize: 25, capacity: 256,
    }, 1);
    const viewer = newViewer(spawnPlayer(world, 1, 'viewer', { ...rules.NEW_PLAYER, x: 112.5, y: 112.5 }));
    const quiet = spawnNpc(world, [62.5, 112.5], 1, 100);
    const busy = Array.from({ length: 22 }, (_, i) => spawnNpc(world, [152 + (i % 8) * 2.5, 105 + Math.floor(i / 8) * 7], 1, 100));
    const fan = new Fanout(world, new Encoder(), RADIUS, 1, 5, CAP);
    const g = world.grid, quietCell = 4 * g.cols + 2, busyCell = 4 * g.cols + 6;
    const netId = (e: number) => world.c.NetId.id[e];
    /** One tick: the busy twenty-two turn (a step either way), `change` runs, and the viewer's frame comes. */
    const tick = (change = () => {}) => {
      stepZone(world, []);
      for (const e of busy) walkTo(world, e, world.c.Position.x[e] + (world.tick % 2 ? 1 : -1), world.c.Position.y[e]);
      change();
      fan.index();
      const owedBefore = new Map(viewer.budget?.owed.entries() ?? []);
      const bytes = fan.frame(viewer, 0);
      const msg = bytes && (decodeServerMessage(bytes) as SnapshotMsg);
      return { owedBefore, ids: new Set(msg ? [...msg.entities, ...msg.moves, ...msg.steers].map((r) => r.netId) : []), msg };
    };
    // The first second: nothing changes but the join, and the whole view arrives.
    for (let t = 0; t < 20; t++) {
      stepZone(world, []);
      fan.index();
      fan.frame(viewer, 0);
    }
    expect(g.cellOf[quiet]).toBe(quietCell);
    for (const e of busy) expect(g.cellOf[e]).toBe(busyCell);
    expect(viewer.budget!.owed.size).toBe(0);
    // Two seconds of the twenty-two turning, until a frame carries them.
    let sent = false;
    for (let t = 0; t < 400 && (t < 40 || !sent); t++) sent = tick().ids.has(netId(busy[0]));
    expect(sent).toBe(true);
    // The tick after, the guard takes a half step: both cells are owed from then on.
    tick(() => walkTo(world, quiet, 63, 112.5));
    const owedFrom = world.tick;
    let both = tick();
    while (!both.ids.has(netId(busy[0])) && world.tick < owedFrom + 40) both = tick();
    // Alike: owed since the same tick, at the same distance.
    expect(both.owedBefore.get(busyCell)).toBe(owedFrom);
    expect(both.owedBefore.get(quietCell)).toBe(owedFrom);
    // The twenty-two went, every one of them, as Motion records; the guard did not (the cap bound) and is still owed.
    for (const e of busy) expect(both.msg!.moves.some((r) => r.netId === netId(e))).toBe(true);
    expect(both.ids.has(netId(quiet))).toBe(false);
    expect(viewer.budget!.owed.since(quietCell)).toBe(owedFrom);
    // Nothing lost: while the twenty-two keep turning, the guard's change arrives in its turn.
    let arrived: SnapshotMsg | undefined;
    while (!arrived && world.tick < owedFrom + 400) {
      const f = tick();
      if (f.ids.has(netId(quiet))) arrived = f.msg;
    }
    const record = arrived!.entities.find((r) => r.netId === netId(quiet))!;
    expect(record.targetX).toBeCloseTo(63, 3);
    expect(viewer.budget!.owed.since(quietCell)).toBe(-1);
  });

  it('with a cap that never binds, frames are byte for byte those without a budget', () => {
    const { world, scenario } = busyZone(11);
    const plain = new Fanout(world, new Encoder());
    const capped = new Fanout(world, new Encoder(), RADIUS, 1, 5, 1e12);
    stepZone(world, scenario.next());
    const sessions = [...world.sessions.entries()].slice(0, 30);
    const a = sessions.map(([, eid]) => newViewer(eid)), b = sessions.map(([, eid]) => newViewer(eid));
    let same = 0;
    for (let t = 0; t < 150; t++) {
      stepZone(world, scenario.next());
      plain.index();
      capped.index();
      sessions.forEach(([session], i) => {
        const eid = world.sessions.get(session);
        if (eid === undefined) return;
        a[i].eid = b[i].eid = eid;
        if (t % 37 === 5) a[i].keyframe = b[i].keyframe = true;
        const x = plain.frame(a[i], t), y = capped.frame(b[i], t);
        expect(y === undefined ? undefined : Buffer.from(y).toString('hex')).toBe(x === undefined ? undefined : Buffer.from(x).toString('hex'));
        if (x) same++;
      });
    }
    expect(same).toBeGreaterThan(1000);
  });
});
