// Several zones of one process on one port. A new connection's first frame must be Hello; its
// join token names the zone server it is for (read here only to route it; that zone verifies
// the token); without one (an observer, the viewer) the path it was opened on does (/zone-N/).
// From then on the socket belongs to that zone until a handoff moves it. GET /zones lists them.

import { decodeClientMessage } from '../protocol/index.js';
import { tokenServerId } from '../cluster/tokens.js';
import { closeAppAfterGrace, listenExclusive, uWS, type TemplatedApp, type WebSocket } from '../runtime/index.js';
import type { ZoneServer } from './server.js';
import { mountZoneList } from './http.js';
import { zoneSocketBehavior, type SocketData } from './socket.js';

export class SharedFront {
  readonly app: TemplatedApp = uWS.App();
  port = 0;
  private listenSocket: unknown;
  private readonly zones = new Map<string, ZoneServer>();

  constructor(sendBudgetBytes = 256 * 1024) {
    this.app.ws<SocketData>('/*', zoneSocketBehavior(sendBudgetBytes, () => {}, (ws, message, isBinary) => this.route(ws, message, isBinary)));
    mountZoneList(this.app, () => [...this.zones].map(([id, zone]) => zone.listing(`/${id}`)));
  }

  add(serverId: string, zone: ZoneServer): void {
    this.zones.set(serverId, zone);
  }

  zone(serverId: string): ZoneServer | undefined {
    return this.zones.get(serverId);
  }

  private route(ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean): void {
    const decoded = isBinary ? decodeClientMessage(new Uint8Array(message)) : undefined;
    const hello = decoded?.ok && decoded.msg.type === 'hello' ? decoded.msg : undefined;
    // A join token names its zone; else the path the socket was opened on does (/zone-N/...).
    const byPath = this.zones.get(/^\/([^/]+)/.exec(ws.getUserData().path ?? '')?.[1] ?? '');
    const zone = (hello ? this.zones.get(tokenServerId(hello.token) ?? '') : undefined) ?? byPath;
    // Anything else goes to a zone anyway, which answers it with the proper Error and close.
    const target = zone ?? this.zones.values().next().value;
    if (!target) return void ws.end(1013, 'no zone here');
    target.onOpen(ws);
    target.onMessage(ws, message, isBinary);
  }

  /** Listens on its own (a busy port is refused with PortInUseError); resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    const listening = await listenExclusive(this.app, host, port);
    this.listenSocket = listening.socket;
    this.port = listening.port;
    return this.port;
  }

  close(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket as never);
    this.listenSocket = undefined;
    closeAppAfterGrace(this.app);
  }
}
