// Delivery (Quake III's sv_snapshot): everything the zone sends a client. Each tick the
// fan-out is indexed once and every joined client with something new gets one frame (with
// nothing new, a heartbeat at most every 250 ms), unless it is behind on reading: then its
// frame is skipped (and the next one is a keyframe) and, behind too long, it is closed. Errors and closes go out through here too, so every byte sent is counted once.

import { ErrorCode, PROTOCOL_VERSION, SNAPSHOT_HEARTBEAT_MS, errorCodeName, errorPolicy } from '../protocol/index.js';
import { rules, type SimEvent } from '../sim/index.js';
import type { ZoneContext } from './context.js';
import { Fanout } from './fanout.js';
import type { TickProfile } from './profile.js';
import type { Conn } from './socket.js';

/**
 * One client in this many has its frame's assembly and its send timed; the loop's whole time is
 * split between the two in the proportion they show. Reading the clock around every client (three
 * reads of about 50 ns each here) cost 0.15 µs per client, a tenth of what it measured.
 */
const TIMED_CLIENT_STRIDE = 8;

export class Delivery {
  framesOut = 0;
  bytesOut = 0;
  /** Snapshots not sent because the client's view had nothing new (and no heartbeat was due). */
  sendsSaved = 0;
  private readonly fanout: Fanout;

  constructor(private readonly z: ZoneContext, private readonly profile: TickProfile) {
    const heartbeatTicks = Math.max(1, Math.floor((SNAPSHOT_HEARTBEAT_MS * z.options.tickRate) / 1000));
    this.fanout = new Fanout(z.world, z.encoder, rules.VIEW_RADIUS, z.options.tickRate / rules.TICK_RATE, heartbeatTicks, z.options.bandwidthBytesPerSec);
  }

  /** The bandwidth budget's cells sent and deferred and their waits; undefined without a cap. */
  budgetTotals() {
    return this.fanout.budgetTotals();
  }

  /** One frame to one client, counted; nothing once the connection is closed. */
  send(conn: Conn, bytes: Uint8Array): void {
    if (conn.session.stage === 'closed') return;
    conn.ws.send(bytes, true);
    this.framesOut++; // /metrics reads these when scraped
    this.bytesOut += bytes.length;
  }

  /** Welcome: the session is in (netId 0 for an observer, which has no entity). */
  welcome(conn: Conn, netId: number): void {
    const { config, tick } = this.z.world;
    this.send(conn, this.z.encoder.welcome({
      protocolVersion: PROTOCOL_VERSION, sessionId: conn.session.id, netId, zoneId: config.id, zoneName: config.name,
      bounds: config.bounds, tickRate: this.z.options.tickRate, tick,
    }));
  }

  /** Sends Error and closes the connection if the code is fatal or the error budget is spent. */
  refuse(conn: Conn, code: ErrorCode, text: string, now: number): void {
    if (conn.session.stage === 'closed') return;
    this.z.metrics.rejected.inc({ reason: errorCodeName(code) });
    this.send(conn, this.z.encoder.error({ code, text: text.slice(0, 200) }));
    const policy = errorPolicy(code);
    if (policy.fatal) this.close(conn, policy.closeCode, `${errorCodeName(code)}: ${text}`);
    else if (conn.session.softError(now)) this.close(conn, 1008, 'too many bad frames');
  }

  /** Ends the connection from this side, with the reason counted and logged on close. */
  close(conn: Conn, code: number, reason: string): void {
    if (conn.session.stage === 'closed') return;
    this.z.metrics.closed.inc({ reason: reason.split(':')[0] });
    conn.session.closedByServer = true;
    conn.session.closeReason = reason;
    conn.ws.end(code, reason.slice(0, 120)); // runs onClose synchronously
  }

  /** Inputs the step refused (other than joins, which admission answers): an Error each. */
  reportRejections(): void {
    for (const r of this.z.world.rejections) {
      if (r.input === 'join') continue;
      const conn = this.z.conns.get(r.session);
      if (!conn) continue;
      this.z.metrics.rejected.inc({ reason: `input_${r.reason}` });
      this.send(conn, this.z.encoder.error({ code: ErrorCode.InputRejected, text: `${r.input} #${r.seq}: ${r.reason}` }));
    }
  }

  /** Builds this tick's per-cell blocks: the step's events as they may be told, plus events heard everywhere. */
  index(everywhere: readonly SimEvent[]): void {
    const t0 = performance.now();
    this.fanout.index(this.toldEvents(), everywhere);
    this.profile.add('index', performance.now() - t0);
  }

  /** With a store, pickups are told once durable: held back this tick, told in the snapshot after the commit. */
  private toldEvents(): readonly SimEvent[] {
    const { world, store, conns } = this.z;
    if (!store) return world.events;
    return [...store.holdPickups(world.events, (netId) => conns.playerOf(world, netId)), ...store.takeConfirmed()];
  }

  /**
   * One frame to every joined client that keeps up and has something new or a heartbeat due
   * (the others count as sends saved). A client over its send budget gets none (what it missed
   * comes whole in a keyframe once it drains); over it longer than laggardMs it is closed
   * (TooSlow). The profile gets the loop's time split into assembly ('encode') and 'send' as
   * the timed clients show it (TIMED_CLIENT_STRIDE).
   */
  sendFrames(now: number): void {
    const { world, options: { sendBudgetBytes, laggardMs } } = this.z;
    this.profile.beginTick(world.tick, now, 1000 / this.z.options.tickRate);
    const start = performance.now();
    let timedEncodeMs = 0, timedSendMs = 0, clients = 0;
    for (const conn of this.z.conns.values()) {
      const s = conn.session;
      if (s.stage !== 'joined' || !s.viewer) continue;
      if (conn.ws.getBufferedAmount() > sendBudgetBytes) {
        s.behindSince ??= now;
        s.viewer.keyframe = true;
        this.z.metrics.skippedFrames.inc();
        if (now - s.behindSince > laggardMs) this.refuse(conn, ErrorCode.TooSlow, 'not reading fast enough', now);
        continue;
      }
      s.behindSince = undefined;
      const timed = clients++ % TIMED_CLIENT_STRIDE === 0;
      const a = timed ? performance.now() : 0;
      const frame = this.fanout.frame(s.viewer, s.observer ? 0 : world.c.Player.lastSeq[s.eid]);
      const b = timed ? performance.now() : 0;
      if (timed) timedEncodeMs += b - a;
      if (!frame) {
        this.sendsSaved++;
        continue;
      }
      this.send(conn, frame);
      if (timed) timedSendMs += performance.now() - b;
    }
    const totalMs = performance.now() - start, timedMs = timedEncodeMs + timedSendMs;
    const encodeMs = timedMs > 0 ? totalMs * (timedEncodeMs / timedMs) : totalMs;
    this.profile.add('encode', encodeMs);
    this.profile.add('send', totalMs - encodeMs);
  }
}
