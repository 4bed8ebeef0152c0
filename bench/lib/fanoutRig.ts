// A zone with player viewers, stepped and fanned out in process: no sockets, so what is
// measured is the view + encode work and the frame bytes, not the kernel.

import { Encoder } from '../../src/protocol/index.js';
import { generateZone, stepZone, zoneForEntities, type SimInput, type ZoneWorld } from '../../src/sim/index.js';
import { Fanout, newViewer, type Viewer } from '../../src/zone/fanout.js';

export interface RigOptions {
  entities: number;
  players: number;
  /** Clients that get frames (the first `clients` players). */
  clients: number;
  /** Zone side in world units; sets the density and so the entities per view. */
  side: number;
  /** Share of NPCs standing at a post rather than patrolling. */
  guardShare: number;
  /** Share of idle players that start walking each tick (in percent steps). */
  moveChance: number;
  seed: number;
  /** Each client's bandwidth cap (the zone's bandwidthBytesPerSec); 0 or none: no cap. */
  bandwidthBytesPerSec?: number;
}

export interface Rig {
  world: ZoneWorld;
  fan: Fanout;
  viewers: Viewer[];
  /** Steps the world one tick with this tick's player moves. */
  step(): void;
}

export function buildRig(o: RigOptions): Rig {
  const items = Math.round(o.entities * 0.01);
  const zone = zoneForEntities(o.entities, {
    npcs: o.entities - o.players - items, items, guardShare: o.guardShare,
    bounds: { minX: 0, minY: 0, maxX: o.side, maxY: o.side }, spawn: { x: o.side / 2, y: o.side / 2 },
  });
  const world = generateZone(zone, o.seed);
  // Players spread over the zone, as a live world's would be, not stacked at the spawn point.
  const joins: SimInput[] = Array.from({ length: o.players }, (_, i) => ({
    type: 'join', session: i + 1, name: `p${i}`,
    state: { x: ((i * 7919) % o.side) + 0.5, y: ((i * 104729) % o.side) + 0.5, level: 1, hp: 100, maxHp: 100, mana: 50, maxMana: 50 },
  }));
  stepZone(world, joins);
  const fan = new Fanout(world, new Encoder(), undefined, 1, 5, o.bandwidthBytesPerSec ?? 0);
  fan.index();
  const viewers = [...world.sessions.values()].slice(0, o.clients).map((eid) => newViewer(eid));
  let seq = 0, k = 0;
  const percent = Math.round(o.moveChance * 100);
  return {
    world, fan, viewers,
    step() {
      // A fixed arithmetic pattern picks who walks where: reproducible without an RNG.
      const inputs: SimInput[] = [];
      for (let s = 1; s <= o.players; s++) {
        const e = world.sessions.get(s)!;
        if (world.c.Motion.active[e] !== 0 || (s * 31 + k) % 100 >= percent) continue;
        const x = Math.min(o.side, Math.max(0, world.c.Position.x[e] + ((s * 13 + k * 7) % 200) - 100));
        const y = Math.min(o.side, Math.max(0, world.c.Position.y[e] + ((s * 17 + k * 11) % 200) - 100));
        inputs.push({ type: 'move', session: s, seq: ++seq, x, y });
      }
      k++;
      stepZone(world, inputs);
    },
  };
}

/** Mean number of entities in a viewer's view (PROTOCOL.md §7) and the share of them moving. */
export function viewStats(rig: Rig): { inView: number; moving: number } {
  const { world, fan, viewers } = rig;
  const g = world.grid;
  const cells: number[] = [];
  let total = 0, moving = 0;
  for (const v of viewers) {
    fan.viewCellsOf(world.c.Position.x[v.eid], world.c.Position.y[v.eid], cells);
    for (const c of cells) {
      for (const e of g.cells[c]) {
        total++;
        if (world.c.Motion.active[e]) moving++;
      }
    }
  }
  return { inView: total / viewers.length, moving: total ? moving / total : 0 };
}
