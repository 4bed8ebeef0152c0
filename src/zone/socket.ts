// The WebSocket adapter of a zone endpoint: uWS settings and callbacks. It only decides whose
// socket a frame is (the zone that owns it, or a shared front's router) and passes it on. A
// zone talks to a socket through ZoneSocket: a uWS socket of its own thread, or one that an
// I/O thread owns (io/remoteSocket.ts).

import { MAX_CLIENT_FRAME_BYTES } from '../protocol/index.js';
import { uWS, type HttpRequest, type HttpResponse, type WebSocket } from '../runtime/index.js';
import type { Session } from './session.js';

/** What a zone does with a client's socket (a uWS WebSocket is one). */
export interface ZoneSocket {
  /** Queues a frame; sent as binary when `isBinary`. */
  send(message: Uint8Array, isBinary: boolean): unknown;
  /** Closes with a code and reason; the owner's onClose runs before this returns. */
  end(code: number, reason: string): void;
  /** Bytes queued for this client and not yet written to the network. */
  getBufferedAmount(): number;
  /** A WebSocket ping (its pong goes to the owner's onPong). */
  ping(): unknown;
  getUserData(): SocketData;
}

/** One client connection of a zone: its protocol state and its socket. */
export interface Conn {
  session: Session;
  ws: ZoneSocket;
}

/** What a socket is handed to once a zone owns it. */
export interface SocketOwner {
  onMessage(ws: ZoneSocket, message: ArrayBuffer, isBinary: boolean): void;
  onClose(ws: ZoneSocket, code: number): void;
  /** A pong control frame (the answer to the server's latency ping), arrived at `at` (performance.now()). */
  onPong(ws: ZoneSocket, at?: number): void;
}

export interface SocketData {
  conn?: Conn;
  /** Opened with `?observer=1`: watches the zone from a point it moves, has no entity. */
  observer?: boolean;
  /** Opened with `?observer=1&scope=zone`: the observer is sent the whole zone. */
  wholeZone?: boolean;
  /** Path the socket was opened on (a shared front routes `/zone-N/` to zone N). */
  path?: string;
  /** The zone whose session this socket is: it changes when a local handoff moves it. */
  owner?: SocketOwner;
}

/** The uWS settings of a zone's WebSocket endpoint, whichever thread serves it; `upgrade` keeps what the URL says. */
export function socketSettings(sendBudgetBytes: number) {
  return {
    compression: uWS.DISABLED,
    // Above the protocol cap, so a frame a little too big still reaches the decoder and gets
    // Error{TooLarge} + 1009; only grossly oversized ones are cut off by uWS itself.
    maxPayloadLength: MAX_CLIENT_FRAME_BYTES * 4,
    maxBackpressure: sendBudgetBytes * 4,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    upgrade: (res: HttpResponse, req: HttpRequest, context: unknown) => {
      const observer = req.getQuery('observer') === '1';
      const data: SocketData = { observer, wholeZone: observer && req.getQuery('scope') === 'zone', path: req.getUrl() };
      res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'), context as never);
    },
  };
}

/** WebSocket settings of a zone endpoint served on this thread; handlers go through the socket's owner. */
export function zoneSocketBehavior(sendBudgetBytes: number, open: (ws: WebSocket<SocketData>) => void, unowned?: (ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean) => void) {
  return {
    ...socketSettings(sendBudgetBytes),
    open,
    message: (ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean) => {
      const owner = ws.getUserData().owner;
      if (owner) owner.onMessage(ws, message, isBinary);
      else unowned?.(ws, message, isBinary);
    },
    close: (ws: WebSocket<SocketData>, code: number) => ws.getUserData().owner?.onClose(ws, code),
    pong: (ws: WebSocket<SocketData>) => ws.getUserData().owner?.onPong(ws),
  };
}
