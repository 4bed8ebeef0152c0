// The client SDK's public shapes: the WebSocket it needs, the events it emits, its counters,
// its options. No logic beyond the empty counters, so the other client files share one source.

import type { EventObj, PongMsg, SnapshotMsg, WelcomeMsg, ZoneChangeMsg } from '../protocol/index.js';
import type { ServerClockOptions } from './clock.js';
import type { ZoneClientError } from './errors.js';
import type { PredictionOptions } from './prediction.js';
import type { ClientWorldOptions, SnapshotChanges } from './world.js';

// ---------------------------------------------------------------- WebSocket abstraction

/**
 * The part of the WHATWG WebSocket API the client uses. Both the browser's WebSocket and the
 * `ws` package's WebSocket satisfy it. Handler parameters are `any` so that either's event
 * types fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((ev: any) => unknown) | null;
  onmessage: ((ev: any) => unknown) | null;
  onclose: ((ev: any) => unknown) | null;
  onerror: ((ev: any) => unknown) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** A WebSocket class: `WebSocket` in browsers, `import { WebSocket } from 'ws'` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/** Opens a socket for a URL (for constructor options, proxies, fakes). */
export type WebSocketFactory = (url: string) => WebSocketLike;

// ---------------------------------------------------------------- events and counters

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** True if the close was asked for by this client (close() or a new connect()). */
  readonly byClient: boolean;
}

export interface PongInfo {
  readonly pong: PongMsg;
  /** This round trip, ms. */
  readonly rttMs: number;
  /** Moving average, ms. */
  readonly rttAverageMs: number;
}

/** Listener signatures, by event type. */
export interface ZoneClientEvents {
  welcome: (welcome: WelcomeMsg) => void;
  /** After the snapshot was applied to `world`. */
  snapshot: (snapshot: SnapshotMsg, changes: SnapshotChanges) => void;
  /** Each event of a snapshot, in order, after the 'snapshot' listeners. */
  event: (event: EventObj, tick: number) => void;
  pong: (info: PongInfo) => void;
  zoneChange: (change: ZoneChangeMsg) => void;
  error: (error: ZoneClientError) => void;
  close: (info: CloseInfo) => void;
}
export type ZoneClientEventType = keyof ZoneClientEvents;

export type ZoneClientState = 'idle' | 'connecting' | 'joined' | 'closed';

export interface ZoneClientStats {
  /** Frames received (any kind, also undecodable ones). */
  framesReceived: number;
  bytesReceived: number;
  framesSent: number;
  bytesSent: number;
  snapshots: number;
  /** Local ms between the last two snapshots; NaN until two have arrived. */
  lastSnapshotIntervalMs: number;
  /** Local time of the last snapshot; NaN before the first. */
  lastSnapshotAtMs: number;
  /** Error frames from the server. */
  serverErrors: number;
  /** Frames that failed to decode (unknown message types not included). */
  decodeErrors: number;
  /** Frames of a message type this version does not know (ignored). */
  unknownMessages: number;
}

/** Zeroed counters: a new client, and every connect() that does not keep them. */
export function emptyZoneClientStats(): ZoneClientStats {
  return {
    framesReceived: 0, bytesReceived: 0, framesSent: 0, bytesSent: 0, snapshots: 0,
    lastSnapshotIntervalMs: NaN, lastSnapshotAtMs: NaN,
    serverErrors: 0, decodeErrors: 0, unknownMessages: 0,
  };
}

// ---------------------------------------------------------------- options

export interface ZoneClientOptions {
  /** Display name sent in Hello. */
  readonly name: string;
  /** Join token ('' or absent: guest). */
  readonly token?: string;
  /** WebSocket class; defaults to globalThis.WebSocket when there is one. */
  readonly WebSocket?: WebSocketConstructor;
  /** Socket factory; takes precedence over `WebSocket`. */
  readonly createSocket?: WebSocketFactory;
  /** Local clock in ms. Default: the platform's monotonic clock (see defaultNow, connection.ts). */
  readonly now?: () => number;
  /** Reject connect() if no Welcome arrives within this many ms (0: never). Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Hello.protocol_version. Default PROTOCOL_VERSION (tests may send another). */
  readonly protocolVersion?: number;
  readonly world?: ClientWorldOptions;
  readonly clock?: Omit<ServerClockOptions, 'tickMs'>;
  /** RTT moving-average gain. Default 0.125. */
  readonly rttAlpha?: number;
  /**
   * On ZoneChange, connect to the new zone with its token at once (keeping the counters), so a
   * handoff between zones needs nothing from the application. Default false.
   */
  readonly followZoneChange?: boolean;
  /**
   * Predict the player's own entity (see prediction.ts): moves take effect at once and are
   * reconciled with the server's acks. Off by default (bots need no rendering). While on, the
   * client pings once a second to know how far ahead to run.
   */
  readonly prediction?: PredictionOptions | boolean;
}

/** Overrides for one connect() (e.g. the token of a ZoneChange). */
export interface ConnectOverrides {
  /** Keep the traffic counters (a handoff continues the same session). */
  readonly keepStats?: boolean;
  readonly name?: string;
  readonly token?: string;
}
