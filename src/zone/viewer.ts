// Who a snapshot frame is for, and what the fan-out remembers of it between frames.

import type { ClientBudget } from './budget.js';

/** Who a frame is for: a player's entity, or an observer at a fixed point. */
export interface Viewer {
  /** Entity id the view follows, or −1 for an observer at (x, y). */
  eid: number;
  x: number;
  y: number;
  /** Cell of the viewer at its last frame; −1 before the first. */
  center: number;
  /** The viewer's position at its last frame: what it was shown is the view from there. */
  ox: number;
  oy: number;
  /** Ack and tick of the last frame sent (a quiet tick sends none until a heartbeat is due). */
  ackSent: number;
  sentTick: number;
  /** The next frame must be a keyframe (join, or frames were skipped). */
  keyframe: boolean;
  /** An observer of the whole zone: every cell, every event (no bandwidth budget). */
  wholeZone?: boolean;
  /** Its bandwidth budget, made at its first frame when the fan-out has one. */
  budget?: ClientBudget;
}

export function newViewer(eid: number, x = 0, y = 0): Viewer {
  return { eid, x, y, center: -1, ox: x, oy: y, ackSent: -1, sentTick: -1, keyframe: true };
}
