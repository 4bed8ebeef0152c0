// The change log's extrapolation rule, part of the replay format (version 3, see format.ts):
// the state a tick is expected to have before its logged changes are applied. It is written
// out here, not imported from the simulation, so a file's expected values stay what they were
// when it was recorded, whatever the simulation does now. When the simulation's motion follows
// the rule, moving entities need no log at all; when it does not, the log grows, never lies.

/** Seconds a tick advances motion by (20 ticks a second). */
export const RULE_DT = 0.05;
/** A mover within this distance of its target (or one step of it) lands on it and stops. */
export const RULE_ARRIVE = 0.1;

/** A mover's position after one tick. */
export interface Moved {
  x: number;
  y: number;
}

/**
 * One tick of the rule for an entity with Motion, without Dead, and Motion.active ≠ 0, at (x, y)
 * walking to (tx, ty) at `speed` u/s, all float32 values: it arrives (lands on the target,
 * active 0) when the squared distance is ≤ RULE_ARRIVE² or ≤ the squared step (speed × RULE_DT);
 * otherwise it moves by step / distance of the way, each coordinate rounded to float32.
 * Returns true when it arrived (its Motion.active becomes 0; otherwise it stays).
 */
export function moveByRule(x: number, y: number, tx: number, ty: number, speed: number, out: Moved): boolean {
  const dx = tx - x, dy = ty - y;
  const d2 = dx * dx + dy * dy;
  const step = speed * RULE_DT;
  if (d2 <= RULE_ARRIVE * RULE_ARRIVE || d2 <= step * step) {
    out.x = tx;
    out.y = ty;
    return true;
  }
  const k = step / Math.sqrt(d2);
  out.x = Math.fround(x + dx * k);
  out.y = Math.fround(y + dy * k);
  return false;
}
