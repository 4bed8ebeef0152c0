// Messages between WorkerWriter (tick thread) and the writer thread (writer.ts).

import type { StoreOptions } from './playerStore.js';
import type { NewPlayer } from './players.js';
import type { StoreFault } from './zoneStore.js';

/** workerData of the writer thread. */
export interface WriterInit {
  path: string;
  options: Omit<StoreOptions, 'now'>;
}

export type WriterRequest =
  | { op: 'flush'; id: number; data: Float64Array; count: number; zones: readonly string[] }
  | { op: 'addItem'; id: number; playerId: number; itemType: number; quantity: number }
  | { op: 'removeItem'; id: number; playerId: number; itemType: number; quantity: number }
  | { op: 'loadOrCreatePlayer'; id: number; name: string; spawn: NewPlayer }
  | { op: 'stats'; id: number; set: Record<string, number>; add: Record<string, number> }
  | { op: 'close'; id: number }
  /** Test-only fault injection (see WorkerWriter.injectFault). */
  | { op: 'fault'; id: number; fault: StoreFault };

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** id 0 is the start-up report (value: schema version). */
export type WriterReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
