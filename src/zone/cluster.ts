// The zone's part in a world of zones: handoffs (start one for a player the step found outside
// the bounds, finish it when the target took the player, recall the player when it did not)
// and global chat over the bus. The handoff protocol itself is in handoff.ts; this file is
// what the zone does around it.

import { ErrorCode } from '../protocol/index.js';
import { EventKind, codePointLength, readPlayerState, rules, type PlayerState, type SimEvent } from '../sim/index.js';
import type { ZoneContext } from './context.js';
import type { Delivery } from './delivery.js';
import { Handoffs, type ClusterOptions, type HandoffStats, type Reservation, type ZoneEntry } from './handoff.js';
import { countersFrom } from './metrics.js';
import type { Conn } from './socket.js';

/** `/g text` is said on the main global channel, `/c NAME text` on channel NAME, in every zone. */
const GLOBAL_CHAT = /^\/(?:g|c ([A-Za-z0-9_-]{1,32})) (.+)$/su;

export class ZoneCluster {
  private handoffs: Handoffs | undefined;
  /** Global chat heard since the last tick, told to every client in the next snapshot. */
  private heard: SimEvent[] = [];
  private unsubscribeChat: (() => void) | undefined;

  constructor(private readonly z: ZoneContext, private readonly out: Delivery, private readonly cluster: ClusterOptions) {
    countersFrom(z.metrics.registry, 'mmo_bus_messages_total', 'Bus messages published, received, delivered to handlers, dropped (malformed), refused (by the broker: outside this server\'s permissions)', 'kind', () => {
      const s = cluster.bus.stats();
      return { published: s.published, received: s.received, delivered: s.delivered, dropped: Object.values(s.dropped).reduce((a, b) => a + b, 0), refused: s.refused };
    });
    countersFrom(z.metrics.registry, 'mmo_handoffs_total', 'Handoffs this zone started or received, by outcome', 'outcome', (): Record<string, number> => {
      const h = this.stats;
      return h ? { completed: h.completed, refused: h.refused, timed_out: h.timedOut, received: h.received, admitted: h.admitted } : {};
    });
  }

  /** Starts taking transfers and hearing global chat (the bus subscriptions). */
  join(): void {
    const { z } = this;
    this.handoffs = new Handoffs(this.cluster, {
      zoneId: z.world.config.id,
      complete: (session, target, ticket) => this.handedOver(session, target, ticket),
      abort: (session, reason) => this.recall(session, reason),
      hasRoom: () => z.world.sessions.size + z.conns.joinsInProgress + (this.handoffs?.pendingReservations ?? 0) < z.options.maxClients,
      log: (m) => z.logger.warn({ event: 'handoff' }, m),
    });
    this.unsubscribeChat = this.cluster.bus.subscribe('chat.global.*', (msg) => {
      if (msg.type !== 'globalChat') return;
      const channel = msg.channel === 'main' ? '' : `[${msg.channel}] `;
      this.heard.push({ kind: EventKind.Chat, source: 0, target: 0, x: 0, y: 0, radius: Infinity, value: 1, text: `${channel}${msg.sender}: ${msg.text}` });
    });
  }

  leave(): void {
    this.handoffs?.close();
    this.unsubscribeChat?.();
  }

  get stats(): HandoffStats | undefined {
    return this.handoffs?.stats;
  }

  /** The reservation a handoff ticket names, taken (once); undefined if none is live. */
  claim(ticket: string): Reservation | undefined {
    return this.handoffs?.claim(ticket, Date.now());
  }

  /** Global chat heard since the last call: every client is told it this tick. */
  takeHeard(): SimEvent[] {
    const heard = this.heard;
    this.heard = [];
    return heard;
  }

  /**
   * Chat that goes to every zone instead of the simulation: true when `text` was such a chat
   * (said on the bus, or refused for its length), false when it is ordinary chat.
   */
  globalChat(conn: Conn, seq: number, text: string, now: number): boolean {
    const global = GLOBAL_CHAT.exec(text);
    if (!global || !this.handoffs) return false;
    const channel = global[1] ?? 'main', said = global[2];
    const shown = `${channel === 'main' ? '' : `[${channel}] `}${conn.session.name}: ${said}`;
    if (codePointLength(shown) > rules.CHAT_MAX_CHARS) {
      this.out.refuse(conn, ErrorCode.InputRejected, `chat #${seq}: global chat must fit 256 characters with channel and name`, now);
    } else {
      this.cluster.bus.publish(`chat.global.${channel}`, { type: 'globalChat', channel, sender: conn.session.name, text: said });
    }
    return true;
  }

  /** Players this tick's step reported outside the zone: offered to the zone they are in. */
  startHandoffs(): void {
    const { z } = this;
    for (const h of z.world.handoffs) {
      const conn = z.conns.get(h.session);
      if (!conn || conn.session.stage !== 'joined' || !this.handoffs) continue;
      const s = conn.session;
      if (this.handoffs.begin(s.number, s.playerId || s.number, s.name, this.playerState(s.eid))) {
        z.conns.setStage(s, 'transferring');
        z.logger.info({ event: 'handoff_start', session: s.id, name: s.name, x: h.x, y: h.y }, 'handing the player over');
      } else this.recall(s.number, 'no zone there');
    }
  }

  private playerState(eid: number): PlayerState {
    return readPlayerState(this.z.world, eid, { x: 0, y: 0, level: 0, hp: 0, maxHp: 0, mana: 0, maxMana: 0 });
  }

  /** The target took the player: save it, remove it here, send the client on. */
  private handedOver(session: number, target: ZoneEntry, ticket: string): void {
    const { z } = this;
    const conn = z.conns.get(session);
    if (!conn || conn.session.stage !== 'transferring') return; // left meanwhile: the reservation expires
    const s = conn.session;
    if (z.store && s.playerId > 0) z.store.leave(z.world, s.eid, s.playerId);
    z.schedule.drop(session);
    z.inputs.push({ type: 'leave', session });
    z.logger.info({ event: 'handoff_done', session: s.id, name: s.name, to: target.serverId }, 'player handed over');
    const local = z.options.localZone?.(target.serverId);
    if (local) {
      // Same process: the socket itself moves; the client never reconnects.
      z.conns.remove(s);
      local.adopt(conn.ws, ticket);
      return;
    }
    this.out.send(conn, z.encoder.zoneChange({ endpoint: target.endpoint, token: ticket, zoneId: target.zoneId }));
    this.out.close(conn, 1000, 'zone change');
  }

  /** The handoff failed: the player stays, put back just inside the border. */
  private recall(session: number, reason: string): void {
    const { z } = this;
    const conn = z.conns.get(session);
    if (!conn) return;
    const s = conn.session;
    if (s.stage === 'transferring') z.conns.setStage(s, 'joined');
    if (s.stage !== 'joined') return;
    const b = z.world.config.bounds, margin = 0.5;
    const { x, y } = this.playerState(s.eid);
    z.logger.warn({ event: 'handoff_aborted', session: s.id, name: s.name, reason }, 'handoff aborted; player recalled');
    z.inputs.push({
      type: 'recall', session,
      x: Math.min(b.maxX - margin, Math.max(b.minX + margin, x)), y: Math.min(b.maxY - margin, Math.max(b.minY + margin, y)),
    });
  }
}
