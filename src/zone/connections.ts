// The table of a zone's connections: each one by its session number, the stage it is in, and
// the names in use. Every stage change goes through here, so the counts other parts read
// (joins in progress, players online) stay exact without scanning on every Hello.

import type { ZoneWorld } from '../sim/index.js';
import type { Session, SessionStage } from './session.js';
import type { Conn } from './socket.js';

/** Stages in which a Hello was accepted but the player is not in the world yet. */
function isPending(stage: SessionStage): boolean {
  return stage === 'loading' || stage === 'joining';
}

export class Connections {
  private readonly byNumber = new Map<number, Conn>();
  /** Names of players loading or online, when the store makes a name an identity. */
  readonly names = new Map<string, Session>();
  private pending = 0;

  /** @param onWatch told of a session that now has a timeout running (opened, or joined). */
  constructor(private readonly onWatch: (s: Session) => void) {}

  get size(): number {
    return this.byNumber.size;
  }

  /** A connection just opened (stage 'connecting'): its Hello timeout starts. */
  add(conn: Conn): void {
    this.byNumber.set(conn.session.number, conn);
    this.onWatch(conn.session);
  }

  get(session: number): Conn | undefined {
    return this.byNumber.get(session);
  }

  values(): IterableIterator<Conn> {
    return this.byNumber.values();
  }

  /** Closed or handed over: gone from the table, its name free again. */
  remove(s: Session): void {
    this.setStage(s, 'closed');
    this.byNumber.delete(s.number);
    this.releaseName(s);
  }

  private releaseName(s: Session): void {
    if (this.names.get(s.name) === s) this.names.delete(s.name);
  }

  /** The only way a stage changes, so the pending count never drifts. */
  setStage(s: Session, stage: SessionStage): void {
    this.pending += Number(isPending(stage)) - Number(isPending(s.stage));
    s.stage = stage;
    if (stage === 'joined') this.onWatch(s); // its idle timeout starts
  }

  /** Hellos accepted but not yet in the world (their join is loading or queued). */
  get joinsInProgress(): number {
    return this.pending;
  }

  /** Players in the world with a store row: what the write-behind saves. */
  *onlinePlayers(): Generator<{ eid: number; playerId: number }> {
    for (const { session: s } of this.byNumber.values()) {
      if (s.stage === 'joined' && s.playerId > 0) yield { eid: s.eid, playerId: s.playerId };
    }
  }

  /** Store id of the player with this NetId, if it is online here. */
  playerOf(world: ZoneWorld, netId: number): number | undefined {
    const eid = world.netToEid.get(netId);
    if (eid === undefined) return undefined;
    const id = this.byNumber.get(world.c.Player.session[eid])?.session.playerId;
    return id ? id : undefined;
  }

  /** Names of the players in the world by NetId (the viewer's labels). */
  playerNames(): Record<number, string> {
    const out: Record<number, string> = {};
    for (const { session: s } of this.byNumber.values()) if (s.stage === 'joined' && !s.observer) out[s.netId] = s.name;
    return out;
  }

  /** Names of the connections by stage (for operators and tests). */
  byStage(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const { session: s } of this.byNumber.values()) (out[s.stage] ??= []).push(s.name);
    return out;
  }
}
