// One entity's straight-line step, on float32 arrays. The movement system runs it over every
// moving entity; the client SDK runs the very same function over its own player to predict it
// (src/client/prediction.ts), so a prediction made from the server's numbers lands on the
// server's numbers bit for bit. No bitECS here: the browser bundle imports this file.

import { ARRIVE_DISTANCE, DT, WALK_GRID } from './constants.js';

const ARRIVE_SQ = ARRIVE_DISTANCE * ARRIVE_DISTANCE;

/** Float32 columns of a straight walk: position, target, an active flag and a speed (u/s). */
export interface MotionColumns {
  readonly px: Float32Array;
  readonly py: Float32Array;
  readonly tx: Float32Array;
  readonly ty: Float32Array;
  readonly active: Uint8Array;
  readonly speed: Float32Array;
}

/**
 * Advances entity `e` one fixed step toward its target; arrival within 0.1 (or within one
 * step) snaps onto the target and stops. Returns true when it arrived this step (the caller
 * marks the entity changed). Inactive entities are left as they are.
 */
export function stepMotion(m: MotionColumns, e: number): boolean {
  if (m.active[e] === 0) return false;
  const dx = m.tx[e] - m.px[e], dy = m.ty[e] - m.py[e];
  const d2 = dx * dx + dy * dy;
  const step = m.speed[e] * DT;
  if (d2 <= ARRIVE_SQ || d2 <= step * step) {
    m.px[e] = m.tx[e];
    m.py[e] = m.ty[e];
    m.active[e] = 0;
    return true;
  }
  const k = step / Math.sqrt(d2);
  m.px[e] += dx * k;
  m.py[e] += dy * k;
  return false;
}

/**
 * Where a walker standing at `from` walks when sent to `to` (one axis): `to` moved onto the
 * walk grid (1/WALK_GRID units) toward `from`, so that it stays between the two and so within
 * the zone; `to` itself where the grid has no point between them. Targets on the grid make a
 * turn a few bytes on the wire (PROTOCOL.md §5.1, Steer records); the client's prediction
 * places its own moves by this function too.
 */
export function walkGridTarget(from: number, to: number): number {
  const scaled = to * WALK_GRID;
  // + 0 turns -0 (ceil of a small negative number) into 0, which the wire's grid codes hold.
  const q = (from <= to ? Math.floor(scaled) : Math.ceil(scaled)) / WALK_GRID + 0;
  return (from <= to ? q >= from : q <= from) ? q : to;
}
