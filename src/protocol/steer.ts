// Steer records (PROTOCOL.md §5.1): a walking entity the client knows turned toward a new
// target. Most changes a client is told of are exactly that (a player picks a new goal), and
// position and heading are what it can work out alone: the position from the entity's last
// record, by the float32 steps the server's movement takes (src/sim/motion.ts), the heading as
// the server sets it on a turn (src/sim/math.ts heading(), built from exactly rounded
// operations, so the same bits on every engine). The target is on the simulation's walk grid
// (1/8 units, src/sim/motion.ts walkGridTarget()), so it goes as two small integers. A Steer is
// then the NetId and the target as three varints (6 bytes, typically, instead of a Motion
// record's 24), and the server sends one only where that working-out lands on its own position
// and heading bit for bit and the target is on the grid; anywhere else, a Motion record.

import { TICK_RATE, WALK_GRID } from '../sim/constants.js';
import { heading } from '../sim/math.js';
import { stepMotion, type MotionColumns } from '../sim/motion.js';
import type { EntityStateObj, SteerObj } from './types.js';

/**
 * One Steer record as the fan-out packs it and a SnapshotInit takes it packed: net_id, then
 * target_x and target_y as grid codes (steerGridCode()), each a uint32. On the wire (PROTOCOL.md
 * §5.1) the three are varints, 3 to 15 bytes in all; the frame writer narrows them.
 */
export const PACKED_STEER_SIZE = 12;

/**
 * A Steer target coordinate as the wire carries it: v in 1/WALK_GRID units (an integer k), as
 * a zigzag code (2k for k ≥ 0, −2k − 1 below, so small magnitudes of either sign are short
 * varints); −1 where v is not on the grid, is −0, or k does not fit 32 bits.
 */
export function steerGridCode(v: number): number {
  const k = v * WALK_GRID;
  if (!Number.isInteger(k) || k < -0x80000000 || k > 0x7fffffff || Object.is(k, -0)) return -1;
  return ((k << 1) ^ (k >> 31)) >>> 0;
}

/** The coordinate of a grid code (the inverse of steerGridCode()). */
export function steerGridValue(code: number): number {
  return ((code >>> 1) ^ -(code & 1)) / WALK_GRID;
}
/** The most ticks a Steer may ask a client to step an entity over: bounds the work on both sides. */
export const MAX_STEER_TICKS = 200;
/** EntityState flags bit: the entity walks toward its target. */
const MOVING = 2;

const walk: MotionColumns = {
  px: new Float32Array(1), py: new Float32Array(1), tx: new Float32Array(1), ty: new Float32Array(1),
  active: new Uint8Array(1), speed: new Float32Array(1),
};

/** Where steerPosition() puts its answer: position and heading (float32 values). */
export interface SteerPoint {
  x: number;
  y: number;
  rot: number;
}

/**
 * Where an entity is `ticks` ticks after a record that had it at (x, y) walking toward (tx, ty)
 * at `speed` (units per second at the zone's tick rate, which is `speedScale` × 20 Hz), when it
 * turned toward (nx, ny) in the last of those ticks: ticks − 1 steps toward the old target,
 * the heading from there to the new one, then one step toward it (a tick applies inputs
 * before it moves anyone). False where that is not what happened, as both sides can tell:
 * ticks outside 1..MAX_STEER_TICKS, the walk arrives on the way (an arrival is a change of its
 * own, sent as one), or the new target is where it stands.
 */
export function steerPosition(x: number, y: number, tx: number, ty: number, speed: number, speedScale: number,
  ticks: number, nx: number, ny: number, out: SteerPoint): boolean {
  if (!(ticks >= 1 && ticks <= MAX_STEER_TICKS) || !(speed > 0)) return false;
  walk.px[0] = x;
  walk.py[0] = y;
  walk.tx[0] = tx;
  walk.ty[0] = ty;
  walk.speed[0] = speed / speedScale;
  walk.active[0] = 1;
  for (let i = 1; i < ticks; i++) if (stepMotion(walk, 0)) return false;
  walk.tx[0] = nx;
  walk.ty[0] = ny;
  // As src/sim/systems/movement.ts walkTo(): from the stored float32 values.
  const dx = walk.tx[0] - walk.px[0], dy = walk.ty[0] - walk.py[0];
  if (dx === 0 && dy === 0) return false;
  out.rot = Math.fround(heading(dy, dx));
  if (stepMotion(walk, 0)) return false;
  out.x = walk.px[0];
  out.y = walk.py[0];
  return true;
}

const at: SteerPoint = { x: 0, y: 0, rot: 0 };

/**
 * The record `r` (received at tick `recordTick`) updated by Steer `s` of the snapshot at tick
 * `tick`: new target, and the position and heading worked out as steerPosition() says; the
 * rest kept. undefined when `r` is not walking or cannot be stepped that far (the server never
 * sends such a Steer).
 * @param tickRate the zone's tick rate (Welcome.tick_rate): records carry speed at that rate.
 */
export function withSteer(r: EntityStateObj, recordTick: number, s: SteerObj, tick: number, tickRate: number): EntityStateObj | undefined {
  if ((r.flags & MOVING) === 0) return undefined;
  if (!steerPosition(r.x, r.y, r.targetX, r.targetY, r.speed, tickRate / TICK_RATE, tick - recordTick, s.targetX, s.targetY, at)) return undefined;
  return { ...r, x: at.x, y: at.y, targetX: s.targetX, targetY: s.targetY, rot: at.rot };
}
