// One fixed 50 ms step of a zone: pure and deterministic given the world and the inputs.

import type { SimInput } from './inputs.js';
import { PHASES, type Phase } from './phases.js';
import type { ZoneWorld } from './world.js';

/** Clears last tick's outputs, advances the tick and stages the inputs. */
export function beginStep(world: ZoneWorld, inputs: readonly SimInput[]): void {
  world.tick++;
  world.inputs = inputs;
  world.events.length = 0;
  world.rejections.length = 0;
  world.joined.length = 0;
  world.left.length = 0;
  world.removed.length = 0;
  world.changed.length = 0;
  world.grid.clearLog();
  world.handoffs.length = 0;
  world.pendingAttacks.length = 0;
  world.pendingPickups.length = 0;
}

export function stepZone(world: ZoneWorld, inputs: readonly SimInput[]): void {
  beginStep(world, inputs);
  for (const phase of PHASES) phase.run(world);
}

/**
 * The same step with a hook around each phase, for profiling: the caller brings the clock
 * (the sim never reads one), e.g. `(p, run) => { const t = now(); run(); add(p.name, now() - t); }`.
 */
export function stepZoneObserved(world: ZoneWorld, inputs: readonly SimInput[],
  around: (phase: Phase, run: () => void) => void): void {
  beginStep(world, inputs);
  for (const phase of PHASES) around(phase, () => phase.run(world));
}
