// What a zone's tick thread and its I/O threads say to each other. Records in the shared rings
// (ring.ts) carry the traffic; the worker's message port carries only doorbells and the
// lifecycle (listening or failed, stop). Each connection of an I/O thread has a slot in a shared
// table of counters, so the tick thread reads a socket's backlog without asking.

/** Records from the tick thread to an I/O thread. */
export const Out = {
  /** A binary frame: arg = the slot, payload = its bytes. */
  Send: 1,
  /** Close with a code: arg = the code, payload = the reason (UTF-8). */
  End: 2,
  /** A WebSocket ping (the server's latency probe). */
  Ping: 3,
} as const;

/** Records from an I/O thread to the tick thread. */
export const In = {
  /** A new connection: arg = its slot, payload = its OpenInfo as JSON. */
  Open: 1,
  /** A frame: arg = 1 when binary, payload = its bytes. */
  Message: 2,
  /** A pong: payload = when it arrived (ms since the epoch, float64). */
  Pong: 3,
  /** The connection closed (either side): arg = the close code. */
  Close: 4,
} as const;

/** What the upgrade request said about a connection. */
export interface OpenInfo {
  observer: boolean;
  wholeZone: boolean;
  path: string;
}

/**
 * The shared counters, `slots` of each, one row after the other: the bytes uWS holds unsent for
 * the slot's socket (written by the I/O thread), and the bytes of frames the I/O thread has
 * taken off the ring for that slot (a running count; the tick thread keeps the matching count
 * of what it queued, and the difference is what still waits in the ring).
 */
export const Counter = { Buffered: 0, Taken: 1 } as const;
export const COUNTER_ROWS = 2;

/** What an I/O thread is started with. */
export interface IoThreadInit {
  index: number;
  host: string;
  port: number;
  /** The tick thread's HTTP endpoints, on loopback: HTTP requests are relayed there. */
  httpPort: number;
  outbound: SharedArrayBuffer;
  inbound: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  slots: number;
  sendBudgetBytes: number;
}

/** Doorbell on the port: records are waiting in the ring. */
export const BELL = 0;
export type ToIoThread = typeof BELL | { type: 'stop' };
export type FromIoThread = typeof BELL | { type: 'listening' } | { type: 'failed'; error: string };
