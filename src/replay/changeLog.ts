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
  cols: View[];
  masks: Int32Array;
}

function viewsOf(table: EntityTable, frame: Frame): Views {
  const at = frameLayout(table, frame.n);
  const cols = table.fields.map(([, type], i) => new VIEWS[type](frame.buffer, at[i], frame.n));
  return { frame, cols, masks: new Int32Array(frame.buffer, at.at(-1)!, frame.n) };
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export class ChangeLogger {
  private prev: Views | undefined;
  private readonly ix: ReturnType<typeof ruleIndices>;
  private readonly moved: Moved = { x: 0, y: 0 };

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
    const entries: string[] = [], gone: number[] = [];
    const n = Math.max(prev.frame.n, frame.n);
    const { netId } = this.ix;
    for (let e = 0; e < n; e++) {
      const p = e < prev.frame.n ? prev.cols[netId][e] : 0, c = e < frame.n ? cur.cols[netId][e] : 0;
      if (p !== c && p !== 0) gone.push(p);
      if (c === 0) continue;
      const entry = this.entityChanges(prev, cur, e, p !== c);
      if (entry !== undefined) entries.push(`[${c}${entry}]`);
    }
    let out = `{"c":${frame.tick}`;
    if (entries.length) out += `,"e":[${entries.join(',')}]`;
    if (gone.length) out += `,"x":[${gone.join(',')}]`;
    if (frame.names.length) out += `,"n":${JSON.stringify(frame.names)}`;
    const w: string[] = [];
    if (frame.nextNetId !== prev.frame.nextNetId) w.push(`"nextNetId":${frame.nextNetId}`);
    if (!same(frame.rng, prev.frame.rng)) w.push(`"rng":[${frame.rng.join(',')}]`);
    if (!same(frame.itemRespawns, prev.frame.itemRespawns)) w.push(`"itemRespawns":[${frame.itemRespawns.join(',')}]`);
    if (w.length) out += `,"w":{${w.join(',')}}`;
    return out.length === `{"c":${frame.tick}`.length ? undefined : `${out}}`;
  }

  /** ",+Comp,-Comp,field,value,..." for what the rule did not predict of entity id e, or undefined. */
  private entityChanges(prev: Views, cur: Views, e: number, fresh: boolean): string | undefined {
    const { table, ix } = this;
    let out = '';
    const pm = fresh ? 0 : prev.masks[e], cm = cur.masks[e];
    if (pm !== cm) {
      for (let k = 0; k < table.components.length; k++) {
        const had = (pm & prev.frame.bits[k]) !== 0, has = (cm & cur.frame.bits[k]) !== 0;
        if (had !== has) out += `,"${has ? '+' : '-'}${table.components[k]}"`;
      }
    }
    let mx = NaN, my = NaN, ma = -1;
    if (!fresh && prev.cols[ix.active][e] !== 0 && (pm & prev.frame.bits[ix.motion]) !== 0 && (pm & prev.frame.bits[ix.dead]) === 0) {
      const c = prev.cols;
      const arrived = moveByRule(c[ix.x][e], c[ix.y][e], c[ix.tx][e], c[ix.ty][e], c[ix.speed][e], this.moved);
      mx = this.moved.x;
      my = this.moved.y;
      ma = arrived ? 0 : c[ix.active][e];
    }
    const cols = cur.cols, fields = table.fields;
    for (let f = 0; f < cols.length; f++) {
      const v = cols[f][e];
      const expected = fresh ? 0 : f === ix.x && ma >= 0 ? mx : f === ix.y && ma >= 0 ? my : f === ix.active && ma >= 0 ? ma : prev.cols[f][e];
      if (!Object.is(v, expected)) out += `,${f},${valueText(v, fields[f][1])}`;
    }
    return out === '' ? undefined : out;
  }
}
