// A zone world as bytes and back, exactly: every component array, NetIds, the PRNG, the grid
// (cell lists in order), counters, sessions, route pool, item respawns, this tick's outputs,
// the position history lag-compensated attacks look back into, and bitECS's own bookkeeping (entity id recycling order, query membership order). Systems
// walk queries and grid cells in their stored order, so restoring the same values in another
// order would step differently; restoring the orders too makes a restored world step exactly
// as the original does. The bitECS part reads its internals ($internal), pinned by version
// and checked by the snapshot tests.

import { $internal, Not, Or, query, registerComponent, type World } from 'bitecs';
import { validateZoneConfig, type ZoneConfig } from './config.js';
import { HISTORY_TICKS, MAX_WAYPOINTS } from './constants.js';
import { createZoneWorld, type ZoneWorld } from './world.js';

const MAGIC = 0x534d4d4f; // "OMMS"
const SNAPSHOT_VERSION = 2; // 2: with the position history

/** A snapshot that is damaged, foreign or from another snapshot version. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

type Arr = Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type SparseSet = { dense: number[]; sparse: number[] };
interface EcsQuery extends SparseSet {
  allComponents: object[];
  notComponents: object[];
  orComponents: object[];
  toRemove: SparseSet;
}
interface EcsInternals {
  entityIndex: { aliveCount: number; dense: number[]; sparse: number[]; maxId: number };
  entityComponents: Map<number, Set<object>>;
  componentMap: Map<object, { id: number; generationId: number; bitflag: number }>;
  entityMasks: number[][];
  queries: Set<EcsQuery>;
  dirtyQueries: Set<EcsQuery>;
}

function internals(ecs: World): EcsInternals {
  return (ecs as unknown as Record<symbol, EcsInternals>)[$internal];
}

/** The world's components by name, and each component's arrays, in declaration order. */
function componentTable(world: ZoneWorld) {
  const names = Object.keys(world.c) as (keyof ZoneWorld['c'])[];
  const comps = names.map((n) => world.c[n] as object);
  const arrays = comps.flatMap((comp) => Object.values(comp) as Arr[]);
  return { names, comps, arrays };
}

/** Grows as it is written; little-endian numbers, length-prefixed lists and strings, each 4-byte aligned. */
class Writer {
  buf: Uint8Array;
  view: DataView;
  at = 0;

  /** `size`: what it will likely take (growing a buffer of megabytes by doubling costs more than the writing). */
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(1 << 16, size));
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
  }

  /** A count and the values (room made once: a snapshot writes lists of thousands). */
  list(vs: ArrayLike<number>): void {
    const n = vs.length;
    this.room(4 + 4 * n);
    const view = this.view;
    let at = this.at;
    view.setUint32(at, n, true);
    for (let i = 0; i < n; i++) view.setUint32(at += 4, vs[i] >>> 0, true);
    this.at = at + 4;
  }

  /** Raw bytes of the first n elements of a typed array, 4-byte aligned. */
  array(a: Arr, n: number): void {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
    const padded = (bytes.length + 3) & ~3;
    this.room(4 + padded);
    this.view.setUint32(this.at, bytes.length, true);
    this.buf.set(bytes, this.at + 4);
    this.buf.fill(0, this.at + 4 + bytes.length, this.at + 4 + padded);
    this.at += 4 + padded;
  }

  /** UTF-8, encoded straight into the buffer. */
  text(s: string): void {
    this.room(4 + 3 * s.length + 3);
    const { written } = new TextEncoder().encodeInto(s, this.buf.subarray(this.at + 4));
    const padded = (written + 3) & ~3;
    this.view.setUint32(this.at, written, true);
    this.buf.fill(0, this.at + 4 + written, this.at + 4 + padded);
    this.at += 4 + padded;
  }

  /** The bytes written (a view: no copy of what may be megabytes). */
  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u32(): number {
    if (this.at + 4 > this.buf.length) throw new SnapshotError('snapshot ends early');
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  count(limit: number, what: string): number {
    const n = this.u32();
    if (n > limit) throw new SnapshotError(`snapshot ${what}: ${n} is more than ${limit}`);
    return n;
  }

  list(limit: number, what: string): number[] {
    const n = this.count(limit, what);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.u32();
    return out;
  }

  /** Copies the next byte block into the start of `into`; returns its element count. */
  array(into: Arr, what: string): number {
    const n = this.u32();
    if (n > into.byteLength || n % into.BYTES_PER_ELEMENT !== 0 || this.at + n > this.buf.length) {
      throw new SnapshotError(`snapshot ${what}: ${n} bytes do not fit`);
    }
    new Uint8Array(into.buffer, into.byteOffset, n).set(this.buf.subarray(this.at, this.at + n));
    this.at += (n + 3) & ~3;
    return n / into.BYTES_PER_ELEMENT;
  }

  text(limit: number, what: string): string {
    const n = this.count(limit, what);
    if (this.at + n > this.buf.length) throw new SnapshotError('snapshot ends early');
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.buf.subarray(this.at, this.at + n));
    this.at += (n + 3) & ~3;
    return s;
  }

  end(): void {
    if (this.at !== this.buf.length) throw new SnapshotError(`snapshot has ${this.buf.length - this.at} bytes too many`);
  }
}

/** This tick's outputs, the driver's to read after a step; small, so kept as JSON. */
function tickOutputs(world: ZoneWorld) {
  const { inputs, events, rejections, joined, left, removed, changed, handoffs, pendingAttacks, pendingPickups } = world;
  return { inputs, events, rejections, joined, left, removed, changed, handoffs, pendingAttacks, pendingPickups };
}

/** Each world's last snapshot size and an eighth: the next one's first buffer. */
const lastSize = new WeakMap<ZoneWorld, number>();

/** The whole world as bytes; restoreSnapshot(serializeSnapshot(w)) steps exactly as w does. */
export function serializeSnapshot(world: ZoneWorld): Uint8Array {
  const w = new Writer(lastSize.get(world) ?? 0);
  const ecs = internals(world.ecs);
  const { names, comps, arrays } = componentTable(world);
  const index = ecs.entityIndex;
  const nameOf = new Map(comps.map((c, i) => [c, i]));
  w.u32(MAGIC);
  w.u32(SNAPSHOT_VERSION);
  w.text(JSON.stringify({ config: world.config, seed: world.seed, components: names }));
  w.u32(world.tick);
  w.u32(world.nextNetId);
  w.list(world.rng.state);
  // bitECS: the entity index (the recycling order lives in dense past aliveCount) ...
  w.u32(index.maxId);
  w.u32(index.aliveCount);
  w.list(index.dense);
  // ... components registered in the original's order, each live entity's components ...
  const registered = [...ecs.componentMap.entries()].sort((a, b) => a[1].id - b[1].id).map(([c]) => nameOf.get(c) ?? -1);
  w.list(registered.map((i) => i >>> 0));
  // (as a bit mask read from bitECS's own masks: the order within an entity's set is never read)
  const masks = new Uint32Array(index.aliveCount);
  comps.forEach((c, k) => {
    const reg = ecs.componentMap.get(c);
    if (!reg) return;
    const em = ecs.entityMasks[reg.generationId];
    for (let i = 0; i < index.aliveCount; i++) if ((em[index.dense[i]] & reg.bitflag) !== 0) masks[i] |= 1 << k;
  });
  w.array(masks, masks.length);
  // ... and each query's terms and members in their order, with removals not yet committed.
  w.u32(ecs.queries.size);
  for (const q of ecs.queries) {
    const not = new Set(q.notComponents), or = new Set(q.orComponents);
    const ids = (cs: object[]) => cs.map((c) => nameOf.get(c)!);
    w.list(ids(q.allComponents.filter((c) => !not.has(c) && !or.has(c))));
    w.list(ids(q.notComponents));
    w.list(ids(q.orComponents));
    w.list(q.dense);
    w.list(q.toRemove.dense);
  }
  const n = index.maxId + 1;
  for (const a of arrays) w.array(a, n);
  w.text(JSON.stringify({
    netToEid: [...world.netToEid], sessions: [...world.sessions], names: [...world.names],
    freeSlots: world.freeSlots, nextSlot: world.nextSlot, itemRespawns: world.itemRespawns,
    orderDirty: world.orderDirty, waypointsLength: world.waypoints.length, out: tickOutputs(world),
  }));
  w.array(world.orderEids, world.orderLen);
  w.array(world.orderNets, world.orderLen);
  w.array(world.waypoints, world.nextSlot * MAX_WAYPOINTS * 2);
  const g = world.grid;
  for (const cell of g.cells) w.list(cell);
  for (const log of [g.movedEids, g.movedFrom, g.goneNets, g.goneCells]) w.list(log.map((v) => v >>> 0));
  for (const slot of historySlots(world)) w.array(slot, n);
  w.array(world.history.bornAt, n);
  const bytes = w.done();
  lastSize.set(world, bytes.length + (bytes.length >> 3));
  return bytes;
}

/** Each tick slot of the position history (x columns, then y); a snapshot holds the live ids' part of each. */
function historySlots(world: ZoneWorld): Float32Array[] {
  const { x, y } = world.history, size = x.length / HISTORY_TICKS;
  const slots: Float32Array[] = [];
  for (const column of [x, y]) for (let t = 0; t < HISTORY_TICKS; t++) slots.push(column.subarray(t * size, (t + 1) * size));
  return slots;
}

/** The config and seed a snapshot was taken with, without restoring it. */
export function snapshotInfo(bytes: Uint8Array): { config: ZoneConfig; seed: number; tick: number } {
  const r = new Reader(bytes);
  const head = readHead(r);
  return { config: head.config, seed: head.seed, tick: r.u32() };
}

function readHead(r: Reader): { config: ZoneConfig; seed: number; components: string[] } {
  if (r.u32() !== MAGIC) throw new SnapshotError('not a world snapshot');
  const version = r.u32();
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(`snapshot version ${version} is not supported (this build reads ${SNAPSHOT_VERSION})`);
  let head: { config: ZoneConfig; seed: number; components: string[] };
  try {
    head = JSON.parse(r.text(1 << 20, 'header')) as typeof head;
  } catch (e) {
    throw e instanceof SnapshotError ? e : new SnapshotError('snapshot header is not JSON');
  }
  return { ...head, config: validateZoneConfig(head.config) };
}

function fillSet(set: SparseSet, values: number[]): void {
  set.dense.length = 0;
  set.sparse.length = 0;
  for (const v of values) set.sparse[v] = set.dense.push(v) - 1;
}

/** A new world exactly as the snapshot's; throws SnapshotError on a damaged or foreign one. */
export function restoreSnapshot(bytes: Uint8Array): ZoneWorld {
  try {
    return restore(new Reader(bytes));
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`snapshot is damaged: ${(e as Error).message}`);
  }
}

function restore(r: Reader): ZoneWorld {
  const head = readHead(r);
  const world = createZoneWorld(head.config, head.seed);
  const { names, comps, arrays } = componentTable(world);
  if (JSON.stringify(head.components) !== JSON.stringify(names)) throw new SnapshotError('snapshot components differ from this build\'s');
  const cap = world.config.capacity + 1;
  const comp = (i: number) => {
    if (i >= comps.length) throw new SnapshotError(`snapshot names component ${i}, there are ${comps.length}`);
    return comps[i];
  };
  world.tick = r.u32();
  world.nextNetId = r.u32();
  world.rng.state.set(r.list(4, 'rng'));
  const ecs = internals(world.ecs);
  const index = ecs.entityIndex;
  index.maxId = r.u32();
  index.aliveCount = r.u32();
  index.dense = r.list(cap, 'entity ids');
  if (index.maxId >= cap || index.aliveCount > index.dense.length) throw new SnapshotError('snapshot entity index is inconsistent');
  index.sparse = [];
  index.dense.forEach((id, i) => { index.sparse[id] = i; });
  for (const i of r.list(comps.length, 'components')) registerComponent(world.ecs, comp(i));
  const masks = new Uint32Array(index.aliveCount);
  if (r.array(masks, 'entity components') !== index.aliveCount) throw new SnapshotError('snapshot entity components do not match its entities');
  for (let i = 0; i < index.aliveCount; i++) {
    const eid = index.dense[i];
    const set = new Set<object>();
    for (let k = 0; k < comps.length; k++) {
      if ((masks[i] & (1 << k)) === 0) continue;
      set.add(comps[k]);
      const { generationId, bitflag } = ecs.componentMap.get(comps[k]) ?? registerComponent(world.ecs, comps[k]);
      ecs.entityMasks[generationId][eid] |= bitflag;
    }
    ecs.entityComponents.set(eid, set);
  }
  const queryCount = r.count(64, 'queries');
  const dirty: EcsQuery[] = [];
  for (let qi = 0; qi < queryCount; qi++) {
    const and = r.list(comps.length, 'query').map(comp);
    const not = r.list(comps.length, 'query').map(comp);
    const or = r.list(comps.length, 'query').map(comp);
    const terms = [...and, ...(not.length ? [Not(...not)] : []), ...(or.length ? [Or(...or)] : [])];
    query(world.ecs, terms);
    const q = [...ecs.queries].at(-1)!;
    fillSet(q, r.list(cap, 'query members'));
    fillSet(q.toRemove, r.list(cap, 'query removals'));
    if (q.toRemove.dense.length) dirty.push(q);
  }
  // Only now: registering a query commits pending removals.
  for (const q of dirty) ecs.dirtyQueries.add(q);
  for (const a of arrays) r.array(a, 'component');
  const rest = JSON.parse(r.text(1 << 28, 'world')) as {
    netToEid: [number, number][]; sessions: [number, number][]; names: [number, string][];
    freeSlots: number[]; nextSlot: number; itemRespawns: number[]; orderDirty: boolean; waypointsLength: number;
    out: ReturnType<typeof tickOutputs>;
  };
  for (const [k, v] of rest.netToEid) world.netToEid.set(k, v);
  for (const [k, v] of rest.sessions) world.sessions.set(k, v);
  for (const [k, v] of rest.names) world.names.set(k, v);
  world.freeSlots.push(...rest.freeSlots);
  world.nextSlot = rest.nextSlot;
  world.itemRespawns.push(...rest.itemRespawns);
  world.orderDirty = rest.orderDirty;
  world.inputs = rest.out.inputs;
  for (const key of ['events', 'rejections', 'joined', 'left', 'removed', 'changed', 'handoffs', 'pendingAttacks', 'pendingPickups'] as const) {
    (world[key] as unknown[]).push(...rest.out[key]);
  }
  world.orderLen = r.array(world.orderEids, 'order');
  r.array(world.orderNets, 'order');
  world.waypoints = new Float32Array(Math.max(rest.waypointsLength, world.waypoints.length));
  r.array(world.waypoints, 'waypoints');
  const g = world.grid;
  for (let c = 0; c < g.cells.length; c++) {
    const list = r.list(cap, 'grid cell');
    g.cells[c] = list;
    list.forEach((e, slot) => { g.cellOf[e] = c; (g as unknown as { slotOf: Int32Array }).slotOf[e] = slot; });
  }
  for (const log of [g.movedEids, g.movedFrom, g.goneNets, g.goneCells]) log.push(...r.list(cap * 4, 'grid log'));
  for (const log of [g.movedFrom, g.goneCells]) for (let i = 0; i < log.length; i++) log[i] |= 0;
  const n = index.maxId + 1;
  for (const slot of historySlots(world)) if (r.array(slot, 'position history') !== n) throw new SnapshotError('snapshot position history does not match its entities');
  if (r.array(world.history.bornAt, 'position history') !== n) throw new SnapshotError('snapshot position history does not match its entities');
  world.history.extent = n;
  r.end();
  checkConsistent(world, ecs);
  return world;
}

/** Refuses a snapshot whose parts disagree (damaged or forged), before any system trips on it. */
function checkConsistent(world: ZoneWorld, ecs: EcsInternals): void {
  const { aliveCount, dense, sparse } = ecs.entityIndex;
  const alive = (e: number) => sparse[e] < aliveCount && dense[sparse[e]] === e;
  const bad = (what: string) => new SnapshotError(`snapshot is inconsistent: ${what}`);
  for (const [netId, eid] of world.netToEid) if (!alive(eid) || world.c.NetId.id[eid] !== netId) throw bad(`NetId ${netId}`);
  for (const [session, eid] of world.sessions) if (!alive(eid) || world.c.Player.session[eid] !== session) throw bad(`session ${session}`);
  for (const cell of world.grid.cells) for (const e of cell) if (!alive(e)) throw bad(`grid entity ${e}`);
  for (const q of ecs.queries) for (const e of q.dense) if (!alive(e)) throw bad(`query entity ${e}`);
  for (let i = 0; i < world.orderLen; i++) if (world.orderEids[i] > ecs.entityIndex.maxId) throw bad(`order entity ${world.orderEids[i]}`);
  for (const slot of world.freeSlots) if (!(slot < world.nextSlot)) throw bad(`route slot ${slot}`);
}
