// The zone server (Quake III's sv_main): builds the parts of a zone around one world, starts
// and stops them, and runs the tick. The parts, each in its own file:
//   socket.ts      the WebSocket adapter (uWS settings; whose socket a frame is)
//   io/            I/O threads: the sockets on other threads, frames through shared memory
//   admission.ts   connections, Hello, tokens, observers, joins; timeouts.ts closes silent ones
//   inbound.ts     client frames: checked, then answered, applied or queued for the step
//   delivery.ts    everything sent: per-client frames with backpressure, errors, closes
//   cluster.ts     handoffs and global chat over the bus
//   http.ts        /health, /status, /metrics, /players, the viewer; admin.ts the admin routes
//   recording.ts   the session recording and the flight recorder
//   profile.ts     tick timing; status.ts the /status figures; metrics.ts the Prometheus registry
// Adapters only decode, validate and enqueue; the tick drains the queue, steps the world and
// sends each client one frame. Nothing here ever waits on a socket.

import { performance } from 'node:perf_hooks';
import { Encoder, PROTOCOL_VERSION, ErrorCode } from '../protocol/index.js';
import type { FlightSave } from '../replay/index.js';
import { generateZone, liveCount, stepZone, type ZoneWorld } from '../sim/index.js';
import { BetweenTicksGc, closeAppAfterGrace, createLog, listenExclusive, logFromFunction, uWS, type Log, type TemplatedApp } from '../runtime/index.js';
import { mountZoneAdmin } from './admin.js';
import { Admission } from './admission.js';
import { ZoneCluster } from './cluster.js';
import { Connections } from './connections.js';
import type { ZoneContext } from './context.js';
import { Delivery } from './delivery.js';
import { TickDriver } from './driver.js';
import { mountZoneHttp, mountZoneList, notFound, type ZoneListing } from './http.js';
import { Inbound } from './inbound.js';
import { IoThreads } from './io/ioThreads.js';
import { LatencyProbe } from './latency.js';
import { InputSchedule } from './schedule.js';
import { createZoneMetrics, metricsText, type ZoneMetrics } from './metrics.js';
import { resolveOptions, type ZoneServerInit, type ZoneServerOptions } from './options.js';
import { ZonePersistence } from './persistence.js';
import { TickProfile } from './profile.js';
import { FlightOffError, ZoneRecording } from './recording.js';
import { zoneSocketBehavior, type SocketData, type ZoneSocket } from './socket.js';
import { zoneStatus, type ZoneStatus } from './status.js';

export { zoneSocketBehavior, type SocketData } from './socket.js';
export type { ZoneStatus } from './status.js';

export class ZoneServer {
  readonly options: ZoneServerOptions;
  readonly world: ZoneWorld;
  readonly metrics: ZoneMetrics;
  /** Structured log: one line per session event. */
  readonly logger: Log;
  port = 0;
  private readonly z: ZoneContext;
  private readonly app: TemplatedApp;
  private listenSocket: unknown;
  private readonly driver: TickDriver;
  /** Opened once the zone listens (a zone refused its port must not touch the flight directory). */
  private recording: ZoneRecording | undefined;
  private readonly profile: TickProfile;
  private readonly admission: Admission;
  private readonly inbound: Inbound;
  private readonly delivery: Delivery;
  private readonly cluster: ZoneCluster | undefined;
  private readonly latency: LatencyProbe;
  /** The threads that own the client sockets, when the options ask for any. */
  private readonly io: IoThreads | undefined;
  private readonly startedAt = performance.now();
  /** Scavenges between ticks (options.gcBetweenTicks), run once a tick's frames are on their way. */
  private readonly youngGc: BetweenTicksGc | undefined;
  private readonly collectYoung = () => this.youngGc!.afterTick();

  constructor(options: ZoneServerInit = {}, log?: Log | ((line: string) => void)) {
    const o = this.options = resolveOptions(options);
    this.logger = typeof log === 'function' ? logFromFunction(log) : log ?? createLog({ base: { zone: o.zone.name } });
    this.world = generateZone(o.zone, o.seed);
    this.driver = new TickDriver(1000 / o.tickRate, () => this.tick(), o.maxCatchUp);
    this.youngGc = o.gcBetweenTicks ? new BetweenTicksGc() : undefined;
    this.metrics = createZoneMetrics(o.zone.name, {
      players: () => this.world.sessions.size, entities: () => liveCount(this.world),
      connections: () => this.z.conns.size, missedTicks: () => this.driver.missedTicks,
      framesOut: () => this.delivery.framesOut, bytesOut: () => this.delivery.bytesOut,
    });
    const conns = new Connections((s) => this.admission.timeouts.watch(s));
    this.z = {
      options: o, world: this.world, conns, encoder: new Encoder(), metrics: this.metrics, logger: this.logger,
      inputs: [], schedule: new InputSchedule(), store: undefined, stopped: false,
    };
    this.latency = new LatencyProbe(this.z);
    this.profile = new TickProfile(this.metrics);
    this.delivery = new Delivery(this.z, this.profile);
    this.cluster = o.cluster ? new ZoneCluster(this.z, this.delivery, o.cluster) : undefined;
    this.admission = new Admission(this.z, this.delivery, this, this.cluster);
    this.inbound = new Inbound(this.z, this.delivery, this.admission, this.cluster, this.latency);
    this.io = o.ioThreads > 0
      ? new IoThreads({ threads: o.ioThreads, host: o.host, sendBudgetBytes: o.sendBudgetBytes, slots: o.maxConnections, logger: this.logger }, (ws) => this.onOpen(ws))
      : undefined;
    // With I/O threads this thread serves only HTTP (on loopback; the threads relay to it).
    const own = () => this.io ? uWS.App() : uWS.App().ws<SocketData>('/*', zoneSocketBehavior(o.sendBudgetBytes, (ws) => this.onOpen(ws)));
    this.app = o.front ? this.mountHttp(o.front.app, o.front.prefix) : notFound(mountZoneList(this.mountHttp(own(), ''), () => [this.listing('')]));
  }

  /** Opens the store, listens, starts the tick, and resolves with the bound port. */
  async start(): Promise<number> {
    if (this.options.db) {
      this.z.store = await ZonePersistence.open(this.options.db, this.world.config.name, (m) => this.logger.warn({ event: 'store' }, m), (s) => this.metrics.storeFlush.observe(s));
    }
    this.cluster?.join();
    if (this.options.front) this.port = this.options.front.port;
    else {
      try {
        const { host, port } = this.options;
        const listening = await listenExclusive(this.app, this.io ? '127.0.0.1' : host, this.io ? 0 : port);
        this.listenSocket = listening.socket;
        this.port = this.io ? await this.io.start(port, listening.port) : listening.port;
      } catch (e) {
        await this.stop(); // the store and bus subscriptions opened above
        throw e;
      }
    }
    try {
      this.recording = new ZoneRecording(this.world, this.options, (m) => this.logger.warn({ event: 'flight_off' }, m));
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.profile.start();
    this.driver.start();
    this.admission.timeouts.start();
    return this.port;
  }

  /**
   * Takes over a live socket handed over by a zone of this process: a new session here, joined
   * with the handoff token as if the client had sent Hello. The client sees a new Welcome and
   * a keyframe on the same connection.
   */
  adopt(ws: unknown, token: string): void {
    const socket = ws as ZoneSocket;
    if (!this.onOpen(socket)) return;
    this.admission.hello(socket.getUserData().conn!, { type: 'hello', protocolVersion: PROTOCOL_VERSION, token, name: 'handoff' }, performance.now());
  }

  /** The HTTP endpoints, under `prefix` (a shared front mounts each zone under /zone-N). */
  mountHttp(app: TemplatedApp, prefix: string): TemplatedApp {
    mountZoneAdmin(app, prefix, { token: this.options.adminToken, save: (ms) => this.saveFlight(ms) });
    return mountZoneHttp(app, prefix, {
      health: () => (this.z.stopped ? 'draining' : 'ok'), status: () => this.status(),
      players: () => this.sessionsByStage(), names: () => this.z.conns.playerNames(), metricsText: () => metricsText(this.metrics),
    });
  }

  /**
   * Saves the flight recorder's last `lastMs` as a replay file under its directory (saved/);
   * throws FlightOffError when the zone runs without one.
   */
  saveFlight(lastMs: number): FlightSave {
    if (!this.recording) throw new FlightOffError('the zone has not started recording yet');
    return this.recording.save(lastMs);
  }

  /** Where the flight recorder keeps its ring; undefined when it is off. */
  get flightDir(): string | undefined {
    return this.recording?.flightDir;
  }

  /** Closes the recordings at once (a dying process keeps what it recorded). */
  closeRecording(): void {
    this.recording?.close();
  }

  /** This zone in a /zones list, its routes under `prefix`. */
  listing(prefix: string): ZoneListing {
    const c = this.world.config;
    return { zoneId: c.id, name: c.name, prefix, bounds: c.bounds };
  }

  /** A new connection of this zone (from its own endpoint, a shared front, or a local handoff). */
  onOpen(ws: ZoneSocket): boolean {
    return this.admission.open(ws);
  }

  /** A frame from one of this zone's sockets (its adapter or a shared front routes it here). */
  onMessage(ws: ZoneSocket, message: ArrayBuffer, isBinary: boolean): void {
    this.inbound.receive(ws, message, isBinary);
  }

  /** A pong from one of this zone's sockets: a latency sample. */
  onPong(ws: ZoneSocket, at = performance.now()): void {
    const conn = ws.getUserData().conn;
    if (conn) this.latency.pong(conn, at);
  }

  /** One of this zone's sockets closed, by either side. */
  onClose(ws: ZoneSocket, code: number): void {
    this.admission.closed(ws, code);
  }

  /** Names of the connections by stage (for operators and tests). */
  sessionsByStage(): Record<string, string[]> {
    return this.z.conns.byStage();
  }

  /** Each joined player's round trip as the server measured it (name, ms). */
  *rtts(): Generator<[string, number]> {
    for (const { session: s } of this.z.conns.values()) if (s.rttMs !== undefined) yield [s.name, s.rttMs];
  }

  /** Open connections on each I/O thread (none without them). */
  ioConnections(): number[] {
    return this.io?.connections() ?? [];
  }

  /** Handoffs started, completed, refused, received (in a world; undefined otherwise). */
  get handoffStats() {
    return this.cluster?.stats;
  }

  /** The store, once opened (tests reach it to inject faults). */
  private get store(): ZonePersistence | undefined {
    return this.z.store;
  }

  /** What /status shows: the zone's figures at this moment. */
  status(): ZoneStatus {
    const { world, options, z, driver, delivery, profile } = this;
    return zoneStatus({ world, tickRate: options.tickRate, connections: z.conns.size, driver, delivery, profile, store: this.store, startedAt: this.startedAt });
  }

  /** One step, top to bottom: inputs in, world stepped and recorded, clients told, players moved on and saved. */
  tick(): void {
    const { z, world } = this;
    this.io?.drain(); // handled as a socket callback would be: outside the tick's time
    const start = performance.now();
    z.schedule.release(world.tick + 1, z.inputs);
    const inputs = z.inputs;
    z.inputs = [];
    stepZone(world, inputs);
    const stepped = performance.now();
    this.profile.add('step', stepped - start);
    this.recording?.record(inputs);
    this.profile.add('record', performance.now() - stepped);
    this.admission.finishJoins(start);
    this.delivery.reportRejections();
    this.delivery.index(this.cluster?.takeHeard() ?? []);
    this.delivery.sendFrames(start);
    this.latency.probe(start);
    this.cluster?.startHandoffs();
    z.store?.afterTick(world, z.conns.onlinePlayers(), this.options.flushTicks);
    this.profile.endTick(performance.now() - start);
    // After the I/O threads' batch (a microtask of this tick) and the socket callbacks: idle time.
    if (this.youngGc) setImmediate(this.collectYoung);
  }

  /**
   * Graceful stop: draining (health says so, new connections are refused), ticking stops,
   * every player is saved, clients are told (ShuttingDown), the recording is closed, and last
   * the listen socket; connections still open after a grace are cut. `beforeClose` runs just
   * before that (e.g. deregistering).
   */
  async stop(beforeClose?: () => Promise<void>): Promise<void> {
    const { z } = this;
    if (z.stopped) return;
    z.stopped = true;
    this.driver.stop();
    this.profile.stop();
    this.admission.timeouts.stop();
    this.cluster?.leave();
    // Save everyone before telling them, so nothing acknowledged is lost on the way out.
    if (z.store) {
      try {
        await z.store.close(this.world, z.conns.onlinePlayers());
      } catch (e) {
        this.logger.error({ event: 'store_close_failed', error: (e as Error).message }, 'store close failed');
      }
    }
    const now = performance.now();
    for (const conn of [...z.conns.values()]) this.delivery.refuse(conn, ErrorCode.ShuttingDown, 'server shutting down', now);
    this.recording?.close();
    if (beforeClose) await beforeClose().catch((e: Error) => this.logger.error({ event: 'stop_failed', error: e.message }, 'while stopping'));
    await this.io?.stop(); // they send what is queued, then close their sockets
    if (this.options.front) return; // a shared front closes its own sockets
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket as never);
    this.listenSocket = undefined;
    closeAppAfterGrace(this.app); // what the clients have not closed by then (an idle keep-alive HTTP connection)
  }
}

/** Creates a zone server and starts it; resolves once it listens. */
export async function startZoneServer(options: ZoneServerInit = {}, log?: (msg: string) => void): Promise<ZoneServer> {
  const server = new ZoneServer(options, log);
  await server.start();
  return server;
}
