// Admission (Quake III's sv_client, the connection half): a socket becomes a session; Hello
// says who it is (a join token from the gateway, a guest name, or an observer); a saved player
// is loaded and its join queued; the step's answer is a Welcome or a refusal. Sessions that
// never say Hello or go quiet are closed on time (timeouts.ts). Closing releases everything.

import { randomBytes } from 'node:crypto';
import { ReplayGuard, verifyJoinToken } from '../cluster/tokens.js';
import { ErrorCode, type HelloMsg } from '../protocol/index.js';
import type { Rejection } from '../sim/index.js';
import type { ZoneCluster } from './cluster.js';
import { isHandoffTicket, type Reservation } from './handoff.js';
import type { ZoneContext } from './context.js';
import type { Delivery } from './delivery.js';
import { newViewer } from './fanout.js';
import { ZonePersistence } from './persistence.js';
import { Session } from './session.js';
import type { Conn, SocketOwner, ZoneSocket } from './socket.js';
import { TimeoutSweeper, expiryReason } from './timeouts.js';

/** Sim rejection reasons that mean the join failed: the connection cannot go on. */
const JOIN_FAILURE: Partial<Record<Rejection['reason'], ErrorCode>> = {
  zone_full: ErrorCode.ServerFull,
  bad_name: ErrorCode.BadString,
  duplicate_session: ErrorCode.AlreadyJoined,
  bad_input: ErrorCode.BadFrame,
};

export class Admission {
  private nextSession = 1;
  /** Join tokens already used here (each works once). */
  private readonly replay = new ReplayGuard();
  /** Closes sessions that never say Hello or go quiet (IdleTimeout), on time. */
  readonly timeouts: TimeoutSweeper<Conn>;

  constructor(
    private readonly z: ZoneContext,
    private readonly out: Delivery,
    private readonly owner: SocketOwner,
    private readonly cluster: ZoneCluster | undefined,
  ) {
    const o = z.options;
    this.timeouts = new TimeoutSweeper({ helloTimeoutMs: o.helloTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, minGapMs: o.idleCheckMs },
      () => z.conns.values(), (conn, now) => out.refuse(conn, ErrorCode.IdleTimeout, expiryReason(conn.session, now), now));
  }

  /** A new socket (own endpoint, shared front or local handoff): a session, or refused at once. */
  open(ws: ZoneSocket): boolean {
    const { z } = this;
    if (z.stopped) { // no new players while stopping
      ws.end(1001, 'server draining');
      return false;
    }
    const o = z.options;
    if (z.conns.size >= o.maxConnections) {
      z.metrics.rejected.inc({ reason: 'too_many_connections' });
      z.metrics.closed.inc({ reason: 'too_many_connections' });
      ws.end(1013, 'too many connections; try again later');
      return false;
    }
    const session = new Session(this.nextSession++, randomBytes(8).toString('hex'), performance.now(), o.inputRate, o.inputBurst);
    const conn: Conn = { session, ws };
    ws.getUserData().conn = conn;
    ws.getUserData().owner = this.owner;
    z.conns.add(conn);
    return true;
  }

  /** The socket closed (either side): the player leaves the world and is saved, the log says why. */
  closed(ws: ZoneSocket, code: number): void {
    const { z } = this;
    const conn = ws.getUserData().conn;
    if (!conn) return;
    const s = conn.session;
    // A join already queued is followed by the leave, so the sim never keeps a ghost.
    z.schedule.drop(s.number);
    if (!s.observer && (s.stage === 'joining' || s.stage === 'joined')) z.inputs.push({ type: 'leave', session: s.number });
    if (s.stage === 'joined' && s.playerId > 0 && z.store && !z.stopped) z.store.leave(z.world, s.eid, s.playerId);
    // Handed over: the target takes the lease from this zone. Stopping: close() drops them all.
    if (s.leased > 0 && s.stage !== 'transferring' && z.store && !z.stopped) z.store.releaseOnline(s.leased);
    if (s.stage !== 'connecting') {
      z.logger.info({ event: 'leave', session: s.id, name: s.name, code, by: s.closedByServer ? 'server' : 'client', reason: s.closeReason }, 'connection closed');
    }
    z.conns.remove(s);
    if (!s.closedByServer) z.metrics.closed.inc({ reason: `peer_${code}` });
  }

  /** Handshake: who the player is (token or guest name), then load it (with a store) and queue the join. */
  hello(conn: Conn, msg: HelloMsg, now: number): void {
    const { z } = this;
    const s = conn.session;
    if (s.stage !== 'connecting') return this.out.refuse(conn, ErrorCode.AlreadyJoined, 'already joined', now);
    if (conn.ws.getUserData().observer) return this.observe(conn, msg.name, now);
    let name = msg.name, tokenPlayer = 0;
    if (msg.token !== '' || !this.guestsAllowed()) {
      const who = this.identify(msg.token);
      if (typeof who === 'string') return this.out.refuse(conn, ErrorCode.BadToken, who, now);
      // A player handed over by another zone: its state came with the transfer.
      if ('state' in who) return this.handedOver(s, who, now);
      // The identity is the token's, never the name the client sent.
      name = who.name;
      tokenPlayer = who.playerId;
    }
    if (z.world.sessions.size + z.conns.joinsInProgress >= z.options.maxClients) {
      return this.out.refuse(conn, ErrorCode.ServerFull, 'server full', now);
    }
    s.name = name;
    if (!z.store) {
      z.conns.setStage(s, 'joining');
      z.inputs.push({ type: 'join', session: s.number, name });
      return;
    }
    if (z.conns.names.has(name)) return this.out.refuse(conn, ErrorCode.AlreadyJoined, 'that name is already playing', now);
    if (tokenPlayer !== 0 && !this.takeLease(s, tokenPlayer)) return this.refuseSecondCopy(conn, now);
    z.conns.names.set(name, s);
    z.conns.setStage(s, 'loading');
    this.load(conn, z.store, name, tokenPlayer);
  }

  /** A player another zone handed over (its reservation, claimed): it joins as it was there. */
  private handedOver(s: Session, reserved: Reservation, now: number): void {
    const { z } = this;
    const conn = z.conns.get(s.number)!;
    if (z.store && !this.takeLease(s, reserved.playerId, reserved.from)) return this.refuseSecondCopy(conn, now);
    s.name = reserved.name;
    s.playerId = z.store ? reserved.playerId : 0;
    if (z.store) z.conns.names.set(reserved.name, s);
    z.conns.setStage(s, 'joining');
    z.inputs.push({ type: 'join', session: s.number, name: reserved.name, state: reserved.state });
  }

  /**
   * One player, one place: the session takes the player's online lease for this zone (from
   * `from` on a handoff); false while another zone of the world holds it.
   */
  private takeLease(s: Session, playerId: number, from?: string): boolean {
    if (!this.z.store!.claimOnline(playerId, from)) return false;
    s.leased = playerId;
    return true;
  }

  /** A second join while the first session lives elsewhere in the world: refused, the first plays on. */
  private refuseSecondCopy(conn: Conn, now: number): void {
    this.z.metrics.rejected.inc({ reason: 'online_elsewhere' });
    this.out.refuse(conn, ErrorCode.AlreadyJoined, 'this player is already online in another zone of this world', now);
  }

  /** Loads a saved player (off the tick; a guest and an account player are looked up apart), then queues its join; a token must name that player. */
  private load(conn: Conn, store: ZonePersistence, name: string, tokenPlayer: number): void {
    const { z } = this;
    const s = conn.session;
    store.loadPlayer(name, this.spawnPoint(), tokenPlayer !== 0 ? 'account' : 'guest').then((row) => {
      if (s.stage !== 'loading') return; // gone while loading
      if (tokenPlayer !== 0 && row.id !== tokenPlayer) {
        return this.out.refuse(conn, ErrorCode.BadToken, 'join token names another player', performance.now());
      }
      s.playerId = row.id;
      z.conns.setStage(s, 'joining');
      z.inputs.push({ type: 'join', session: s.number, name, state: ZonePersistence.joinState(row) });
    }, (e: Error) => {
      z.logger.error({ event: 'load_failed', name, error: e.message }, 'loading a player failed');
      this.out.refuse(conn, ErrorCode.Internal, 'could not load the player', performance.now());
    });
  }

  /** After the step: joins it accepted get their Welcome; joins it refused are closed. */
  finishJoins(now: number): void {
    const { z } = this;
    for (const j of z.world.joined) {
      const conn = z.conns.get(j.session);
      if (!conn || conn.session.stage !== 'joining') continue; // left before joining: its leave is queued
      const s = conn.session;
      s.netId = j.netId;
      s.eid = z.world.netToEid.get(j.netId)!;
      s.viewer = newViewer(s.eid);
      z.conns.setStage(s, 'joined');
      z.logger.info({ event: 'join', session: s.id, name: s.name, netId: j.netId, playerId: s.playerId || undefined }, 'player joined');
      this.out.welcome(conn, j.netId);
    }
    for (const r of z.world.rejections) {
      const conn = r.input === 'join' ? z.conns.get(r.session) : undefined;
      if (!conn) continue;
      z.metrics.rejected.inc({ reason: `input_${r.reason}` });
      this.out.refuse(conn, JOIN_FAILURE[r.reason] ?? ErrorCode.BadFrame, `join refused: ${r.reason}`, now);
    }
  }

  /**
   * An observer (the viewer): no entity, no inputs into the simulation; its view starts at the
   * spawn point and moves where it sends Move; with `scope=zone` it is sent the whole zone.
   * Allowed where the options say (default: where guests are), up to maxObservers at once.
   */
  private observe(conn: Conn, name: string, now: number): void {
    const o = this.z.options;
    if (!(o.allowObservers ?? this.guestsAllowed())) return this.out.refuse(conn, ErrorCode.BadToken, 'this zone takes no observers', now);
    if (this.observers() >= o.maxObservers) return this.out.refuse(conn, ErrorCode.ServerFull, `too many observers (at most ${o.maxObservers})`, now);
    const s = conn.session, { spawn } = this.z.world.config;
    s.name = name;
    s.observer = true;
    s.viewer = newViewer(-1, spawn.x, spawn.y);
    s.viewer.wholeZone = conn.ws.getUserData().wholeZone === true;
    this.z.conns.setStage(s, 'joined');
    this.out.welcome(conn, 0);
    this.z.logger.info({ event: 'observe', session: s.id, name }, 'observer joined');
  }

  /** Observers watching now. */
  private observers(): number {
    let n = 0;
    for (const { session: s } of this.z.conns.values()) if (s.observer && s.stage === 'joined') n++;
    return n;
  }

  /**
   * Where a new saved player starts: around the spawn point. Drawn here, outside the sim, and
   * passed in the join input, so a recording still replays exactly.
   */
  private spawnPoint(): { x: number; y: number } {
    const { spawn, spawnRadius: r } = this.z.world.config;
    return { x: spawn.x + (Math.random() * 2 - 1) * r, y: spawn.y + (Math.random() * 2 - 1) * r };
  }

  /** Guests (empty token, identity from the name) only where asked for or where no tokens exist. */
  private guestsAllowed(): boolean {
    return this.z.options.allowGuests ?? this.z.options.joinKey === undefined;
  }

  /**
   * Who a Hello's token says the player is: a handoff ticket's reservation (claimed: each
   * works once), or the player a join token from the gateway names; else why it is refused.
   */
  private identify(token: string): Reservation | { name: string; playerId: number } | string {
    const key = this.z.options.joinKey;
    if (token === '') return 'this zone requires a join token from the gateway';
    if (isHandoffTicket(token)) return this.cluster?.claim(token) ?? 'handoff ticket refused: no transfer of that id is waiting here (unknown, used or expired)';
    if (key === undefined) return 'this zone accepts guests only (empty token)';
    const r = verifyJoinToken(token, key, Date.now(), { serverId: this.z.options.serverId, replay: this.replay });
    return r.ok ? { name: r.payload.name, playerId: r.payload.playerId } : `join token refused: ${r.reason}`;
  }
}
