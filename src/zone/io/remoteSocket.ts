// A client socket that an I/O thread owns, as the tick thread sees it: what the zone sends is
// queued in that thread's ring (sent in one batch per tick), and the backlog it reads is what
// uWS holds unsent there plus what still waits in the ring. Closing behaves as a uWS socket's
// does: the owner hears of it before end() returns.

import type { SocketData, ZoneSocket } from '../socket.js';

/** The I/O thread a remote socket lives on (io/ioThreads.ts). */
export interface SocketHost {
  /** False when the frame was dropped (larger than the ring can ever hold). */
  send(s: RemoteSocket, bytes: Uint8Array): boolean;
  end(s: RemoteSocket, code: number, reason: string): void;
  ping(s: RemoteSocket): void;
  buffered(slot: number): number;
}

export class RemoteSocket implements ZoneSocket {
  /** Closed by either side: nothing more is sent. */
  closed = false;

  constructor(
    private readonly host: SocketHost,
    /** The connection's id on its I/O thread. */
    readonly id: number,
    /** Its row in that thread's shared counters. */
    readonly slot: number,
    private readonly data: SocketData,
  ) {}

  /** 1 when queued, 2 when dropped (as uWS answers). */
  send(message: Uint8Array): number {
    return !this.closed && this.host.send(this, message) ? 1 : 2;
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.host.end(this, code, reason);
    this.data.owner?.onClose(this, code);
  }

  getBufferedAmount(): number {
    return this.host.buffered(this.slot);
  }

  ping(): number {
    if (!this.closed) this.host.ping(this);
    return 1;
  }

  getUserData(): SocketData {
    return this.data;
  }

  /** The client closed it (or its I/O thread did): the owner hears of it once. */
  peerClosed(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.data.owner?.onClose(this, code);
  }
}
