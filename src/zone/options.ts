// Zone server options: everything has an embedded default so `npm start` runs with none.

import { KeyObject } from 'node:crypto';
import { DEFAULT_ZONE, validateZoneConfig, type ZoneConfig } from '../sim/index.js';
import type { ClusterOptions } from './handoff.js';
import type { ZoneFlightOptions } from './recording.js';

export interface ZoneServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  seed: number;
  zone: ZoneConfig;
  /** Ticks per second of wall time. The simulation step is always 0.05 s of game time. */
  tickRate: number;
  /** A joined client that sends nothing valid this long is closed. */
  idleTimeoutMs: number;
  /**
   * The least time between two timeout sweeps (the sweep runs when a deadline falls due): a
   * Hello or idle timeout closes at most about this much after its configured time.
   */
  idleCheckMs: number;
  /** A connection that has not said Hello this long is closed. */
  helloTimeoutMs: number;
  maxClients: number;
  /**
   * Open WebSocket connections (joined or not): beyond it a new socket is closed at once with
   * 1013, so a flood of idle sockets cannot exhaust memory or file descriptors.
   */
  maxConnections: number;
  /** Token bucket per connection: sustained frames per second and burst. */
  inputRate: number;
  inputBurst: number;
  /** Unsent bytes above which a client's snapshots are skipped until it drains. */
  sendBudgetBytes: number;
  /** A client that stays over budget this long is closed (TooSlow). */
  laggardMs: number;
  /**
   * Each player's bandwidth cap in snapshot bytes per second: nearer cells first, farther ones
   * later and whole (src/zone/budget.ts). 0: no cap.
   */
  bandwidthBytesPerSec: number;
  /** Catch-up steps per wake-up before ticks are counted missed. */
  maxCatchUp: number;
  /**
   * Scavenge the young generation between ticks when the next tick might not fit, instead of
   * wherever it fills (src/runtime/youngGc.ts; `mmo zone` turns it on). It exposes the
   * engine's gc() to the process, so a library host leaves it off unless it wants that.
   */
  gcBetweenTicks?: boolean;
  /** Write a replay file of the session. */
  record?: string;
  /** Keep the last minutes in a ring on disk (`mmo zone` turns it on); none: off. */
  flight?: ZoneFlightOptions;
  /** Bearer token of the admin HTTP routes (POST /admin/flight/save); none: those routes are off. */
  adminToken?: string;
  /** SQLite file for players, inventory and stats; none: nothing is kept. */
  db?: string;
  /** Changed players are written behind every this many ticks. */
  flushTicks: number;
  /**
   * The gateway's Ed25519 public key, which join tokens are checked with (it makes none); without
   * it the zone takes guests only. Players handed over by another zone come with a ticket instead.
   */
  joinKey?: KeyObject;
  /** This server's registry id: tokens naming another server are refused. */
  serverId?: string;
  /** Guests (Hello with an empty token, identity from its name). Default: only without a join key. */
  allowGuests?: boolean;
  /** Observers (`?observer=1`: no entity, read-only view, e.g. the viewer). Default: where guests are. */
  allowObservers?: boolean;
  /** Observers watching at once (each whole-zone one costs a frame of every cell). */
  maxObservers: number;
  /** Part of a world of zones: the bus, the zone directory, handoff and global chat. */
  cluster?: ClusterOptions;
  /**
   * Served by a shared front (several zones of one process on one port) instead of an own
   * listening socket: its app, its port, and the path prefix of this zone's HTTP endpoints.
   */
  front?: { app: import('../runtime/index.js').TemplatedApp; port: number; prefix: string };
  /**
   * Judge attacks where the attacker saw its target (its render delay plus half its measured
   * round trip ago, at most 200 ms). Default true.
   */
  lagCompensation: boolean;
  /**
   * Threads that own the client sockets (0: the tick thread does). Each runs a uWS app on the
   * zone's port and takes the tick's frames through shared memory, so sends leave the tick.
   */
  ioThreads: number;
  /** Zones in this process by server id: a handoff to one of them moves the live socket. */
  localZone?: (serverId: string) => { adopt(ws: unknown, token: string): void } | undefined;
}

export const DEFAULT_OPTIONS: ZoneServerOptions = {
  host: '127.0.0.1',
  port: 7777,
  seed: 1,
  zone: DEFAULT_ZONE,
  tickRate: 20,
  idleTimeoutMs: 300_000,
  idleCheckMs: 250,
  helloTimeoutMs: 10_000,
  maxClients: 10_000,
  maxConnections: 20_000,
  inputRate: 30,
  inputBurst: 60,
  sendBudgetBytes: 256 * 1024,
  laggardMs: 5_000,
  bandwidthBytesPerSec: 0,
  maxCatchUp: 3,
  flushTicks: 100,
  maxObservers: 8,
  lagCompensation: true,
  ioThreads: 0,
};

/** Options as given: any subset, with a partial zone config. */
export type ZoneServerInit = Omit<Partial<ZoneServerOptions>, 'zone'> & { zone?: Partial<ZoneConfig> };

export function resolveOptions(o: ZoneServerInit = {}): ZoneServerOptions {
  // An option given as undefined means "the default".
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const merged = { ...DEFAULT_OPTIONS, ...given, zone: validateZoneConfig({ ...DEFAULT_ZONE, ...o.zone }) };
  const positive = (k: keyof ZoneServerOptions, max: number) => {
    const v = merged[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw new RangeError(`${k} must be a number in (0, ${max}], got ${String(v)}`);
  };
  if (!Number.isInteger(merged.port) || merged.port < 0 || merged.port > 65535) throw new RangeError(`port must be 0..65535, got ${merged.port}`);
  if (!Number.isInteger(merged.seed) || merged.seed < 0 || merged.seed > 0xffffffff) throw new RangeError(`seed must be an integer 0..4294967295`);
  if (!Number.isInteger(merged.tickRate) || merged.tickRate < 1 || merged.tickRate > 250) throw new RangeError('tickRate must be an integer 1..250');
  positive('idleTimeoutMs', 86_400_000);
  positive('idleCheckMs', 3_600_000);
  positive('helloTimeoutMs', 3_600_000);
  positive('maxClients', 1_000_000);
  positive('maxConnections', 1_000_000);
  positive('inputRate', 10_000);
  positive('inputBurst', 10_000);
  positive('sendBudgetBytes', 1 << 30);
  positive('laggardMs', 3_600_000);
  const cap = merged.bandwidthBytesPerSec;
  if (typeof cap !== 'number' || !Number.isFinite(cap) || (cap !== 0 && (cap < 256 || cap > 1 << 30))) {
    throw new RangeError(`bandwidthBytesPerSec must be 0 (no cap) or a number in [256, ${1 << 30}], got ${String(cap)}`);
  }
  positive('maxCatchUp', 100);
  positive('flushTicks', 1_000_000);
  positive('maxObservers', 10_000);
  if (!Number.isInteger(merged.ioThreads) || merged.ioThreads < 0 || merged.ioThreads > 64) throw new RangeError(`ioThreads must be an integer 0..64, got ${merged.ioThreads}`);
  if (merged.ioThreads > 0 && merged.front) throw new RangeError('ioThreads needs the zone\'s own port, not a shared front');
  const key = merged.joinKey;
  if (key !== undefined && !(key instanceof KeyObject && key.type === 'public' && key.asymmetricKeyType === 'ed25519')) {
    throw new RangeError('joinKey must be the gateway\'s Ed25519 public key (a zone checks join tokens, it never signs them)');
  }
  return merged;
}
