// The raw WebSocket side of ZoneClient: opening one from the options (factory, class or the
// global), wiring its four handlers so that a replaced socket's late events are ignored, and
// dropping one without a close event. No protocol knowledge lives here.

import { ZoneClientError } from './errors.js';
import type { WebSocketConstructor, WebSocketLike, ZoneClientOptions } from './types.js';

/** WebSocket.readyState of an open socket (the WHATWG value; `ws` uses the same). */
export const WS_OPEN = 1;

/** What a wired socket reports to its client; nothing is called once isCurrent is false. */
export interface SocketEvents {
  /** False once the client has moved on to another socket (or none). */
  isCurrent(socket: WebSocketLike): boolean;
  open(): void;
  frame(data: unknown): void;
  error(err: ZoneClientError): void;
  close(code: number, reason: string): void;
}

// The factory wins over the class, the class over the global WebSocket; none is an error.
export function openSocket(url: string, options: Pick<ZoneClientOptions, 'createSocket' | 'WebSocket'>): WebSocketLike {
  if (options.createSocket !== undefined) return options.createSocket(url);
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) throw new Error('no WebSocket implementation: pass options.WebSocket (in Node: the ws package\'s WebSocket)');
  return new Ctor(url);
}

// Binary frames as ArrayBuffer in every implementation, and events only while still current.
export function wireSocket(socket: WebSocketLike, events: SocketEvents): void {
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => {
    if (events.isCurrent(socket)) events.open();
  };
  socket.onmessage = (ev: { data: unknown }) => {
    if (events.isCurrent(socket)) events.frame(ev.data);
  };
  socket.onerror = (ev: unknown) => {
    if (!events.isCurrent(socket)) return;
    const detail = (ev as { message?: unknown; error?: unknown } | null)?.message;
    events.error(new ZoneClientError('socket', `WebSocket error${typeof detail === 'string' && detail !== '' ? `: ${detail}` : ''}`, { cause: ev }));
  };
  socket.onclose = (ev: { code?: number; reason?: string }) => {
    if (events.isCurrent(socket)) events.close(ev?.code ?? 1006, ev?.reason ?? '');
  };
}

// Drops a socket without a close event: its handlers are removed before it closes.
export function detachAndClose(socket: WebSocketLike, code: number, reason: string): void {
  socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}
