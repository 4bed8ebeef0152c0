// What every part of a zone server shares (in the manner of Quake III's `sv`): the options,
// the world, the connection table, the input queue for the next step, the store, the metrics
// and the log. Each part (admission, inbound, delivery, cluster, HTTP) holds this one object
// instead of reaching into the server or into each other.

import type { Encoder } from '../protocol/index.js';
import type { Log } from '../runtime/index.js';
import type { SimInput, ZoneWorld } from '../sim/index.js';
import type { Connections } from './connections.js';
import type { ZoneMetrics } from './metrics.js';
import type { ZoneServerOptions } from './options.js';
import type { ZonePersistence } from './persistence.js';
import type { InputSchedule } from './schedule.js';

export interface ZoneContext {
  readonly options: ZoneServerOptions;
  readonly world: ZoneWorld;
  readonly conns: Connections;
  readonly encoder: Encoder;
  readonly metrics: ZoneMetrics;
  readonly logger: Log;
  /** Inputs for the next step, in arrival order; the tick takes them all. */
  inputs: SimInput[];
  /** Moves a predicting client asked to have applied at a later tick, and what queues behind them. */
  readonly schedule: InputSchedule;
  /** The player store once opened; undefined when the zone keeps nothing. */
  store: ZonePersistence | undefined;
  /** Set when stopping begins: no new connections, no more saving on each leave. */
  stopped: boolean;
}
