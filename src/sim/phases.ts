// The one place the order of systems is declared.

import { historySystem } from './history.js';
import { applyInputsSystem } from './systems/applyInputs.js';
import { boundarySystem } from './systems/boundary.js';
import { combatSystem } from './systems/combat.js';
import { interestSystem } from './systems/interest.js';
import { itemsSystem } from './systems/items.js';
import { movementSystem } from './systems/movement.js';
import { patrolSystem } from './systems/patrol.js';
import type { ZoneWorld } from './world.js';

export interface Phase {
  readonly name: string;
  readonly run: (world: ZoneWorld) => void;
}

export const PHASES: readonly Phase[] = [
  { name: 'inputs', run: applyInputsSystem },
  { name: 'movement', run: movementSystem },
  { name: 'patrol', run: patrolSystem },
  { name: 'combat', run: combatSystem },
  { name: 'items', run: itemsSystem },
  { name: 'boundary', run: boundarySystem },
  { name: 'interest', run: interestSystem },
  { name: 'history', run: historySystem },
];
