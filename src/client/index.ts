// Public face of the client SDK (Node and browsers): no node: modules and no WebSocket
// implementation are imported here; pass one to ZoneClient (see connection.ts, types.ts).
//
// - ZoneClient: handshake, input seqs, ping/RTT, snapshot application, events, counters.
// - ClientWorld: the view rebuilt from snapshots (keyframes, removals, motion model).
// - InterpolationBuffer: per-entity render smoothing (100 ms behind, ≤ 200 ms extrapolation).
// - ServerClock / RttEstimator: local time → server time, round-trip time.

export { ZoneClient } from './connection.js';
export { ZoneClientError, type ZoneClientErrorKind } from './errors.js';
export type {
  CloseInfo,
  ConnectOverrides,
  PongInfo,
  WebSocketConstructor,
  WebSocketFactory,
  WebSocketLike,
  ZoneClientEventType,
  ZoneClientEvents,
  ZoneClientOptions,
  ZoneClientState,
  ZoneClientStats,
} from './types.js';

export { Predictor, type Correction, type PredictionOptions } from './prediction.js';

export {
  ClientWorld,
  DEFAULT_TICK_RATE,
  type ClientWorldOptions,
  type KnownEntity,
  type Point,
  type SnapshotChanges,
} from './world.js';

export {
  DEFAULT_INTERPOLATION_DELAY_MS,
  DEFAULT_MAX_EXTRAPOLATION_MS,
  DEFAULT_MAX_HISTORY_MS,
  DEFAULT_MAX_SAMPLES,
  DEFAULT_TICK_MS,
  InterpolationBuffer,
  angleDelta,
  lerpAngle,
  wrapAngle,
  type InterpolatedState,
  type InterpolationMode,
  type InterpolationOptions,
  type InterpolationSample,
} from './interpolation.js';

export {
  DEFAULT_CLOCK_WINDOW_MS,
  DEFAULT_RTT_ALPHA,
  RttEstimator,
  ServerClock,
  type ServerClockOptions,
} from './clock.js';
