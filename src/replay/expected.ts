// The change log's reading side: the world a recording says it had at any tick, rebuilt from
// the file alone: the nearest earlier snapshot, then tick by tick the format's motion rule and
// that tick's change line. It is a plain model (entities by NetId with every field's value),
// compared field by field with a replayed world to name a divergence exactly.

import { hasComponent } from 'bitecs';
import type { ZoneWorld } from '../sim/index.js';
import type { EntityTable } from './capture.js';
import { ReplayFileError } from './format.js';
import { ruleIndices } from './changeLog.js';
import { kindName, type EntityState, type WorldState } from './inspect.js';
import { moveByRule, type Moved } from './motionRule.js';

interface ModelEntity {
  netId: number;
  name?: string;
  /** Per table component: present. */
  has: boolean[];
  /** Per table field: its value (float32 fields hold float32 values). */
  values: number[];
}

/** A change line, parsed. */
interface ChangeLine {
  c: number;
  e?: (number | string)[][];
  x?: number[];
  n?: [number, string][];
  w?: { nextNetId?: number; rng?: number[]; itemRespawns?: number[] };
}

/** A change line checked against the table, or a ReplayFileError naming its tick. */
function parseChangeLine(text: string, tick: number, table: EntityTable): ChangeLine {
  const bad = () => new ReplayFileError(`the change line of tick ${tick} is damaged`);
  let line: ChangeLine;
  try {
    line = JSON.parse(text) as ChangeLine;
  } catch {
    throw bad();
  }
  const ints = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => Number.isInteger(x)));
  const entryOk = (e: unknown) => {
    if (!Array.isArray(e) || !Number.isInteger(e[0])) return false;
    for (let i = 1; i < e.length; i++) {
      const x: unknown = e[i];
      if (typeof x === 'string') {
        if (!(x[0] === '+' || x[0] === '-') || !table.components.includes(x.slice(1))) return false;
      } else if (!Number.isInteger(x) || (x as number) < 0 || (x as number) >= table.fields.length || !['number', 'string'].includes(typeof e[++i])) {
        return false;
      }
    }
    return true;
  };
  const w = line?.w;
  const ok = line !== null && typeof line === 'object' && line.c === tick && (line.e === undefined || (Array.isArray(line.e) && line.e.every(entryOk))) &&
    ints(line.x) && (line.n === undefined || Array.isArray(line.n)) && (w === undefined || (typeof w === 'object' && w !== null &&
    (w.nextNetId === undefined || Number.isInteger(w.nextNetId)) && ints(w.rng) && ints(w.itemRespawns)));
  if (!ok) throw bad();
  return line;
}

export class ExpectedWorld {
  tick = 0;
  private nextNetId = 0;
  private rng: number[] = [];
  private itemRespawns: number[] = [];
  /** Session → NetId, in the order the sessions joined. */
  private readonly sessions = new Map<number, number>();
  private readonly entities = new Map<number, ModelEntity>();
  private readonly ix: ReturnType<typeof ruleIndices>;
  private readonly session: number;
  private readonly kind: number;
  private readonly player: number;
  private readonly moved: Moved = { x: 0, y: 0 };

  constructor(private readonly table: EntityTable) {
    this.ix = ruleIndices(table);
    this.session = table.fields.findIndex(([f]) => f === 'Player.session');
    this.kind = table.fields.findIndex(([f]) => f === 'Kind.value');
    this.player = table.components.indexOf('Player');
  }

  /** The model of a (snapshot's) world, read by the table's names. */
  static of(world: ZoneWorld, table: EntityTable): ExpectedWorld {
    const m = new ExpectedWorld(table);
    m.tick = world.tick;
    m.nextNetId = world.nextNetId;
    m.rng = [...world.rng.state];
    m.itemRespawns = world.itemRespawns.slice();
    const comps = world.c as unknown as Record<string, Record<string, ArrayLike<number>>>;
    for (const [netId, eid] of world.netToEid) {
      const name = world.names.get(netId);
      m.entities.set(netId, {
        netId, ...(name !== undefined ? { name } : {}),
        has: table.components.map((c) => comps[c] !== undefined && hasComponent(world.ecs, eid, comps[c])),
        values: table.fields.map(([f]) => {
          const [c, field] = f.split('.');
          return comps[c]?.[field]?.[eid] ?? 0;
        }),
      });
    }
    for (const [s, eid] of world.sessions) m.sessions.set(s, world.c.NetId.id[eid]);
    return m;
  }

  /** Advances one tick: the motion rule, then that tick's change line (if the file has one). */
  step(line: string | undefined): void {
    this.tick++;
    const { x, y, tx, ty, active, speed, motion, dead } = this.ix;
    for (const e of this.entities.values()) {
      const v = e.values;
      if (v[active] === 0 || !e.has[motion] || (dead >= 0 && e.has[dead])) continue;
      const arrived = moveByRule(v[x], v[y], v[tx], v[ty], v[speed], this.moved);
      v[x] = this.moved.x;
      v[y] = this.moved.y;
      if (arrived) v[active] = 0;
    }
    if (line !== undefined) this.apply(parseChangeLine(line, this.tick, this.table));
  }

  private apply(line: ChangeLine): void {
    for (const netId of line.x ?? []) {
      const e = this.entities.get(netId);
      if (e && e.has[this.player]) this.sessions.delete(e.values[this.session]);
      this.entities.delete(netId);
    }
    const fresh: ModelEntity[] = [];
    for (const [netId, ...items] of line.e ?? []) {
      let e = this.entities.get(netId as number);
      if (!e) {
        e = { netId: netId as number, has: this.table.components.map(() => false), values: this.table.fields.map(() => 0) };
        this.entities.set(e.netId, e);
        fresh.push(e);
      }
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item === 'string') {
          e.has[this.table.components.indexOf(item.slice(1))] = item[0] === '+';
          continue;
        }
        const raw = Number(items[++i]);
        e.values[item] = this.table.fields[item][1] === 'f32' ? Math.fround(raw) : raw;
      }
    }
    for (const [netId, name] of line.n ?? []) {
      const e = this.entities.get(netId);
      if (e) e.name = name;
    }
    // Sessions join in NetId order: a tick's joins get NetIds in the order they were applied.
    for (const e of fresh.sort((a, b) => a.netId - b.netId)) if (e.has[this.player]) this.sessions.set(e.values[this.session], e.netId);
    const w = line.w ?? {};
    if (w.nextNetId !== undefined) this.nextNetId = w.nextNetId;
    if (w.rng) this.rng = w.rng;
    if (w.itemRespawns) this.itemRespawns = w.itemRespawns;
  }

  /** The model as inspect.ts compares worlds. */
  state(): WorldState {
    const entities = new Map<number, EntityState>();
    for (const e of this.entities.values()) {
      const components: EntityState['components'] = {};
      this.table.components.forEach((c, k) => {
        if (!e.has[k] && c !== 'Kind') return;
        const fields: Record<string, number> = {};
        this.table.fields.forEach(([f], i) => { if (f.startsWith(`${c}.`)) fields[f.slice(c.length + 1)] = e.values[i]; });
        components[c] = fields;
      });
      const s: EntityState = { netId: e.netId, kind: kindName(e.values[this.kind]), components };
      if (e.name !== undefined) s.name = e.name;
      entities.set(e.netId, s);
    }
    return {
      fields: {
        tick: this.tick, nextNetId: this.nextNetId, rng: this.rng, entities: this.entities.size,
        sessions: JSON.stringify([...this.sessions]), itemRespawns: JSON.stringify(this.itemRespawns),
      },
      entities,
    };
  }
}
