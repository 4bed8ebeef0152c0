// The change log's writing side, run on the recording thread: each tick's frame is compared
// with the previous tick's frame advanced by the format's motion rule (motionRule.ts), and what
// the rule did not predict becomes the tick's change line (format.ts documents it). Most
// movers follow the rule exactly, so a line holds turns, hits, spawns, deaths and the like.

import type { ColumnType, EntityTable, Frame } from './capture.js';
import { frameLayout } from './capture.js';
import { moveByRule, type Moved } from './motionRule.js';

type View = Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;

const VIEWS: Record<ColumnType, new (b: ArrayBuffer, at: number, n: number) => View> = {
  f32: Float32Array, u32: Uint32Array, i32: Int32Array, u16: Uint16Array, u8: Uint8Array,
};

/** A value as the log writes it: float32 values by their shortest text that reads back exactly. */
export function valueText(v: number, type: ColumnType): string {
  if (Object.is(v, -0)) return '-0';
  if (!Number.isFinite(v)) return `"${v}"`;
  if (type !== 'f32' || Number.isInteger(v)) return String(v);
  for (let p = 6; p < 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  return String(v);
}

/** Indices of the fields and components the motion rule reads, by name. */
export function ruleIndices(table: EntityTable) {
  const field = (name: string) => {
    const i = table.fields.findIndex(([f]) => f === name);
    if (i < 0) throw new Error(`the change log needs the field ${name}`);
    return i;
  };
  const comp = (name: string) => table.components.indexOf(name);
  return {
    netId: field('NetId.id'), x: field('Position.x'), y: field('Position.y'), tx: field('Motion.tx'), ty: field('Motion.ty'),
    active: field('Motion.active'), speed: field('Speed.value'), motion: comp('Motion'), dead: comp('Dead'),
  };
}

interface Views {
  frame: Frame;
  /** Each field's values, typed. */
  cols: View[];
  /** Each field's raw bits (floats as Int32), for exact comparing. */
  raw: (Int32Array | Uint16Array | Uint8Array)[];
  masks: Int32Array;
}

function viewsOf(table: EntityTable, frame: Frame): Views {
  const at = frameLayout(table, frame.n);
  const { buffer, byteOffset } = frame.bytes;
  const cols = table.fields.map(([, type], i) => new VIEWS[type](buffer as ArrayBuffer, byteOffset + at[i], frame.n));
  const raw = cols.map((c) => (c.BYTES_PER_ELEMENT === 4 ? new Int32Array(c.buffer, c.byteOffset, c.length) : c as Uint16Array | Uint8Array));
  return { frame, cols, raw, masks: new Int32Array(buffer, byteOffset + at.at(-1)!, frame.n) };
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Marks the ids below n whose value differs between two columns of raw bits. */
function markDiffering(a: ArrayLike<number>, b: ArrayLike<number>, n: number, dirty: Uint8Array): void {
  for (let e = 0; e < n; e++) if (a[e] !== b[e]) dirty[e] = 1;
}

export class ChangeLogger {
  private prev: Views | undefined;
  private readonly ix: ReturnType<typeof ruleIndices>;
  private readonly moved: Moved = { x: 0, y: 0 };
  /** The rule's world for this tick (position and active flag of every id; the rest is the previous frame's). */
  private px = new Float32Array(0);
  private py = new Float32Array(0);
  private pa = new Uint8Array(0);
  private dirty = new Uint8Array(0);

  constructor(readonly table: EntityTable) {
    this.ix = ruleIndices(table);
  }

  /** The state the next frame is compared with (a recording's start). */
  reset(frame: Frame): void {
    this.prev = viewsOf(this.table, frame);
  }

  /** The change line of `frame`'s tick (undefined when the rule predicted everything); it becomes the previous frame. */
  line(frame: Frame): string | undefined {
    const cur = viewsOf(this.table, frame);
    const prev = this.prev;
    this.prev = cur;
    if (!prev) return undefined;
    return this.changes(prev, cur);
  }

  private changes(prev: Views, cur: Views): string | undefined {
    const frame = cur.frame;
    const n = Math.max(prev.frame.n, frame.n), common = Math.min(prev.frame.n, frame.n);
    this.predict(prev, n);
    const dirty = this.dirty;
    dirty.fill(0, 0, n);
    const { x, y, active } = this.ix;
    const rule: Record<number, ArrayLike<number>> = {
      [x]: new Int32Array(this.px.buffer, 0, n), [y]: new Int32Array(this.py.buffer, 0, n), [active]: this.pa,
    };
    for (let f = 0; f < cur.raw.length; f++) markDiffering(cur.raw[f], rule[f] ?? prev.raw[f], common, dirty);
    markDiffering(cur.masks, prev.masks, common, dirty);
    const entries: string[] = [], gone: number[] = [];
    const { netId } = this.ix;
    for (let e = 0; e < n; e++) {
      const p = e < prev.frame.n ? prev.cols[netId][e] : 0, c = e < frame.n ? cur.cols[netId][e] : 0;
      if (p !== c && p !== 0) gone.push(p);
      if (c === 0 || (p === c && dirty[e] === 0)) continue;
      entries.push(`[${c}${this.entityChanges(prev, cur, e, p !== c)}]`);
    }
    let out = `{"c":${frame.tick}`;
    const bare = out.length;
    if (entries.length) out += `,"e":[${entries.join(',')}]`;
    if (gone.length) out += `,"x":[${gone.join(',')}]`;
    if (frame.names.length) out += `,"n":${JSON.stringify(frame.names)}`;
    const w: string[] = [];
    if (frame.nextNetId !== prev.frame.nextNetId) w.push(`"nextNetId":${frame.nextNetId}`);
    if (!same(frame.rng, prev.frame.rng)) w.push(`"rng":[${frame.rng.join(',')}]`);
    if (!same(frame.itemRespawns, prev.frame.itemRespawns)) w.push(`"itemRespawns":[${frame.itemRespawns.join(',')}]`);
    if (w.length) out += `,"w":{${w.join(',')}}`;
    return out.length === bare ? undefined : `${out}}`;
  }

  /** The rule's position and active flag for every id of the previous frame (scratch grows with n). */
  private predict(prev: Views, n: number): void {
    if (this.dirty.length < n) {
      const size = n + (n >> 2);
      this.px = new Float32Array(size);
      this.py = new Float32Array(size);
      this.pa = new Uint8Array(size);
      this.dirty = new Uint8Array(size);
    }
    const { x, y, tx, ty, active, speed, motion, dead } = this.ix;
    const c = prev.cols, m = prev.masks, bits = prev.frame.bits;
    const pn = prev.frame.n;
    this.px.set(c[x]);
    this.py.set(c[y]);
    this.pa.set(c[active]);
    const movers = bits[motion] ?? 0, deadBit = bits[dead] ?? 0;
    for (let e = 0; e < pn; e++) {
      if (c[active][e] === 0 || (m[e] & movers) === 0 || (m[e] & deadBit) !== 0) continue;
      if (moveByRule(c[x][e], c[y][e], c[tx][e], c[ty][e], c[speed][e], this.moved)) this.pa[e] = 0;
      this.px[e] = this.moved.x;
      this.py[e] = this.moved.y;
    }
  }

  /** ",+Comp,-Comp,field,value,..." for what the rule did not predict of entity id e. */
  private entityChanges(prev: Views, cur: Views, e: number, fresh: boolean): string {
    const { table, ix } = this;
    let out = '';
    const pm = fresh ? 0 : prev.masks[e], cm = cur.masks[e];
    if (pm !== cm) {
      for (let k = 0; k < table.components.length; k++) {
        const had = (pm & prev.frame.bits[k]) !== 0, has = (cm & cur.frame.bits[k]) !== 0;
        if (had !== has) out += `,"${has ? '+' : '-'}${table.components[k]}"`;
      }
    }
    const cols = cur.cols, fields = table.fields;
    for (let f = 0; f < cols.length; f++) {
      const v = cols[f][e];
      const expected = fresh ? 0 : f === ix.x ? this.px[e] : f === ix.y ? this.py[e] : f === ix.active ? this.pa[e] : prev.cols[f][e];
      if (!Object.is(v, expected)) out += `,${f},${valueText(v, fields[f][1])}`;
    }
    return out;
  }
}
