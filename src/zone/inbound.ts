// Inbound frames (Quake III's sv_client, the command half): every client frame is checked
// (binary, rate limit, decodes) and then answered (Ping), handed to admission (Hello), applied
// to an observer's view, said on the bus (global chat), or queued as an input for the next
// step (a move a predicting client tagged for a later tick waits in the schedule; an attack
// carries the rewind its measured latency earns). Nothing here touches the world: the tick
// applies the queue.

import { ErrorCode, decodeClientMessage } from '../protocol/index.js';
import type { Admission } from './admission.js';
import type { ZoneCluster } from './cluster.js';
import type { ZoneContext } from './context.js';
import type { Delivery } from './delivery.js';
import type { LatencyProbe } from './latency.js';
import type { ZoneSocket } from './socket.js';

export class Inbound {
  constructor(
    private readonly z: ZoneContext,
    private readonly out: Delivery,
    private readonly admission: Admission,
    private readonly cluster: ZoneCluster | undefined,
    private readonly latency: LatencyProbe,
  ) {}

  /** One frame from a client of this zone. */
  receive(ws: ZoneSocket, message: ArrayBuffer, isBinary: boolean): void {
    const conn = ws.getUserData().conn;
    if (!conn || conn.session.stage === 'closed') return;
    const { z, out } = this;
    const s = conn.session;
    const now = performance.now();
    z.metrics.framesIn.inc();
    if (!isBinary) return out.refuse(conn, ErrorCode.BadFrame, 'text frames are not accepted', now);
    if (!s.bucket.take(now)) return out.refuse(conn, ErrorCode.RateLimited, 'too many frames; dropped', now);
    const decoded = decodeClientMessage(new Uint8Array(message));
    if (!decoded.ok) return out.refuse(conn, decoded.code, decoded.reason, now);
    s.lastActivity = now;
    const msg = decoded.msg;
    switch (msg.type) {
      case 'ping':
        return out.send(conn, z.encoder.pong({ clientTime: msg.clientTime, serverTick: z.world.tick }));
      case 'hello':
        return this.admission.hello(conn, msg, now);
      default:
        if (s.stage === 'transferring') return; // on its way to another zone
        if (s.stage !== 'joined') return out.refuse(conn, ErrorCode.NotJoined, 'send Hello first', now);
        if (s.observer) {
          if (msg.type !== 'move') return out.refuse(conn, ErrorCode.InputRejected, `${msg.type} #${msg.seq}: observers only move their view`, now);
          const b = z.world.worldBounds;
          s.viewer!.x = Math.min(b.maxX, Math.max(b.minX, msg.x));
          s.viewer!.y = Math.min(b.maxY, Math.max(b.minY, msg.y));
          return;
        }
        if (msg.type === 'chat' && this.cluster?.globalChat(conn, msg.seq, msg.text, now)) return;
        const session = s.number, next = z.world.tick + 1;
        switch (msg.type) {
          case 'move':
            return z.schedule.offer(session, { type: 'move', session, seq: msg.seq, x: msg.x, y: msg.y }, msg.applyTick ?? 0, next, z.inputs);
          case 'attack':
            return z.schedule.offer(session, { ...msg, session, rewind: this.latency.rewindFor(conn) }, 0, next, z.inputs);
          default:
            return z.schedule.offer(session, { ...msg, session }, 0, next, z.inputs);
        }
    }
  }
}
