// Moving players between zones over the bus, with no loss and no duplicate:
//
//   source: player crossed its bounds → PlayerTransfer to the target zone, player frozen
//   target: reserves the player (state from the message), answers TransferAck
//   source: on ack in time → saves and removes the player, sends the client ZoneChange with a
//           handoff ticket (`handoff:` and the transfer id); on refusal or timeout → recalls
//           the player inside its own bounds (a late ack is then ignored)
//   target: admits a Hello whose token is the ticket of a live reservation, once
//
// The ticket is signed by nobody and needs no key: the reservation is what admits, and only
// the source could have made it (the bus authenticates the sender: per-server NATS users), so
// a zone holds nothing that would let it speak for the gateway or for another zone. What makes
// the ticket unforgeable is the transfer id's 128 random bits, which only the two zones (each
// reads only its own transfers and acks) and the client ever see.
//
// The source decides once (ack first, or timeout first), and only the ack path hands out the
// token, so the player is in exactly one zone: the source's until it leaves, the target's
// from the moment it holds the reservation. A reservation nobody claims expires.

import type { Bus, PlayerTransferBody, Unsubscribe } from '../bus/index.js';
import { newNonce } from '../cluster/tokens.js';
import { inRect, type PlayerState, type Rect } from '../sim/index.js';

/** What a handoff ticket starts with: never the start of a join token (base64url, then "."). */
const HANDOFF_TICKET = 'handoff:';

/** The Hello token a handed-over client presents to the target zone. */
export function handoffTicket(transferId: string): string {
  return `${HANDOFF_TICKET}${transferId}`;
}

/** Whether a Hello token is a handoff ticket (else a join token, or nothing). */
export function isHandoffTicket(token: string): boolean {
  return token.startsWith(HANDOFF_TICKET);
}

export interface ZoneEntry {
  zoneId: number;
  /** Registry/bus id of the server running it. */
  serverId: string;
  endpoint: string;
  bounds: Rect;
}

export interface ClusterOptions {
  bus: Bus;
  /** Every zone of the world (this one included). */
  zones: readonly ZoneEntry[];
  /** How long the source waits for an ack before recalling the player. */
  transferTimeoutMs?: number;
  /** How long a target keeps an unclaimed reservation. */
  reservationMs?: number;
}

export interface Reservation {
  playerId: number;
  /** The server id of the zone handing the player over (its online lease passes on). */
  from: string;
  name: string;
  state: PlayerState;
  expiresAt: number;
}

interface Outgoing {
  session: number;
  playerId: number;
  name: string;
  target: ZoneEntry;
  timer: ReturnType<typeof setTimeout>;
}

export interface HandoffStats {
  sent: number;
  completed: number;
  refused: number;
  timedOut: number;
  received: number;
  admitted: number;
  expired: number;
}

/** What the zone server does for the handoff; kept narrow so this file holds only the protocol. */
export interface HandoffHost {
  readonly zoneId: number;
  /** Called when the target took a player this zone offered: the client goes there with the ticket. */
  complete(session: number, target: ZoneEntry, ticket: string): void;
  abort(session: number, reason: string): void;
  /** Whether this zone can take one more player. */
  hasRoom(): boolean;
  log(msg: string): void;
}

export class Handoffs {
  readonly stats: HandoffStats = { sent: 0, completed: 0, refused: 0, timedOut: 0, received: 0, admitted: 0, expired: 0 };
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly subs: Unsubscribe[] = [];
  private readonly self: ZoneEntry;

  constructor(private readonly o: ClusterOptions, private readonly host: HandoffHost) {
    const self = o.zones.find((z) => z.zoneId === host.zoneId);
    if (!self) throw new Error(`zone ${host.zoneId} is not in the world's zone list`);
    this.self = self;
    this.subs.push(o.bus.subscribe(`zone.${host.zoneId}.transfer`, (msg, meta) => {
      if (msg.type === 'playerTransfer') this.onTransfer(msg, meta.from);
    }));
    this.subs.push(o.bus.subscribe(`zone.${host.zoneId}.transferAck`, (msg, meta) => {
      if (msg.type === 'transferAck') this.onAck(msg.transferId, msg.accepted, msg.reason, meta.from);
    }));
  }

  /** The zone whose bounds hold (x, y), other than this one. */
  zoneAt(x: number, y: number): ZoneEntry | undefined {
    return this.o.zones.find((z) => z.zoneId !== this.host.zoneId && inRect(z.bounds, x, y));
  }

  /**
   * Starts moving a player; false when no zone holds the point (the caller recalls it).
   * `playerId` is the store's id, or for a guest any id ≥ 1 (the name is what identifies it).
   */
  begin(session: number, playerId: number, name: string, state: PlayerState): boolean {
    const target = this.zoneAt(state.x, state.y);
    if (!target) return false;
    const transferId = `${this.o.bus.serverId}-${newNonce()}`; // at most 87 bytes: a server id is at most 64
    const timer = setTimeout(() => {
      if (!this.outgoing.delete(transferId)) return;
      this.stats.timedOut++;
      this.host.abort(session, `zone ${target.zoneId} did not answer`);
    }, this.o.transferTimeoutMs ?? 3000);
    this.outgoing.set(transferId, { session, playerId, name, target, timer });
    this.stats.sent++;
    const body: PlayerTransferBody = {
      type: 'playerTransfer', transferId, playerId, name, fromZone: this.host.zoneId, toZone: target.zoneId, state, inventory: [],
    };
    this.o.bus.publish(`zone.${target.zoneId}.transfer`, body);
    return true;
  }

  private onAck(transferId: string, accepted: boolean, reason: string, from: string): void {
    const out = this.outgoing.get(transferId);
    if (!out) return; // timed out already: the player stayed here
    if (from !== out.target.serverId) return this.host.log(`ack for ${transferId} from ${from}, not from ${out.target.serverId}: ignored`);
    this.outgoing.delete(transferId);
    clearTimeout(out.timer);
    if (!accepted) {
      this.stats.refused++;
      this.host.abort(out.session, `zone ${out.target.zoneId} refused: ${reason}`);
      return;
    }
    this.stats.completed++;
    this.host.complete(out.session, out.target, handoffTicket(transferId));
  }

  private onTransfer(m: PlayerTransferBody, from: string): void {
    this.stats.received++;
    this.expire(Date.now());
    const reply = (accepted: boolean, reason: string) =>
      this.o.bus.publish(`zone.${m.fromZone}.transferAck`, { type: 'transferAck', transferId: m.transferId, accepted, reason });
    if (m.toZone !== this.host.zoneId) return reply(false, 'wrong zone');
    if (!m.transferId.startsWith(`${from}-`)) return reply(false, 'transfer id does not name its sender');
    if (!inRect(this.self.bounds, m.state.x, m.state.y)) return reply(false, 'position is not in this zone');
    if (!this.host.hasRoom()) return reply(false, 'zone full');
    this.reservations.set(m.transferId, {
      playerId: m.playerId, from, name: m.name, expiresAt: Date.now() + (this.o.reservationMs ?? 30_000),
      state: { ...m.state, hp: Math.max(1, m.state.hp) },
    });
    reply(true, '');
  }

  /** The reservation a handoff ticket names, taken (once); undefined when none is live. */
  claim(ticket: string, now: number): Reservation | undefined {
    this.expire(now);
    const id = ticket.slice(HANDOFF_TICKET.length);
    const r = isHandoffTicket(ticket) ? this.reservations.get(id) : undefined;
    if (!r) return undefined;
    this.reservations.delete(id);
    this.stats.admitted++;
    return r;
  }

  private expire(now: number): void {
    for (const [id, r] of this.reservations) {
      if (r.expiresAt > now) continue;
      this.reservations.delete(id);
      this.stats.expired++;
    }
  }

  get pendingReservations(): number {
    return this.reservations.size;
  }

  close(): void {
    for (const u of this.subs) u();
    for (const out of this.outgoing.values()) clearTimeout(out.timer);
    this.outgoing.clear();
  }
}
