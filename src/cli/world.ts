// Worlds of zones. One layout (the map tiled into zones, each with its server id and
// endpoint) drives both ways of running it:
//   startWorld(): registry + gateway and every zone in this process, over the in-process bus
//                 (or NATS with `nats`);
//   `mmo world --nats auto|URL`: the same roles as separate processes (`mmo master`, one
//                 `mmo zone --world FILE --zone-id N` per zone) over NATS, supervised here.
// A zone process or the master that dies is started again (supervisor.ts), with backoff: a
// new master has an empty registry, which the zones fill again at their next heartbeat.
// Secrets reach the children by environment (secrets.ts), never on their command lines; with
// `--nats auto` the world starts its own nats-server with one user per zone (worldNats.ts).
// Each role gets only what it needs: the master the gateway's secret and the join key that
// signs join tokens (a fresh pair per run), every zone the public half it checks them with.

import { spawn, type ChildProcess } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Gateway, LocalDirectory, Registry, listen, mountGateway, mountOps, mountRegistry, joinKeyPem, newApp, newJoinKeyPair, newServerKeys, notFound,
  type Directory, type Listening,
} from '../cluster/index.js';
import { InProcessBus, InProcessHub, freePort, startNatsServer, type Bus, type NatsServer } from '../bus/index.js';
import { OnlineLeases, PlayerStore } from '../store/index.js';
import { SERVER_KEYS_ENV, SERVER_KEY_ENV } from './registryKeys.js';
import { untilStopped } from './signals.js';
import { Supervisor } from './supervisor.js';
import { JOIN_KEY_ENV, JOIN_PUBLIC_KEY_ENV, SECRET_ENV, childEnv, natsCredentials, newSecret, type NatsCredentials } from './secrets.js';
import { credentialsOf, worldNatsUsers, zoneSubscriptions } from './worldNats.js';
import { RUNNING_FROM_SOURCE } from '../runtime/index.js';
import { SharedFront, startZoneServer, type ZoneServer, type ZoneServerInit } from '../zone/index.js';
import type { ZoneEntry } from '../zone/handoff.js';
import type { Rect } from '../sim/index.js';

export interface WorldLayout {
  bounds: Rect;
  zones: ZoneEntry[];
}

/** The map as a cols × rows grid of square zones, row by row, on the given ports. */
export function worldLayout(count: number, size: number, host: string, ports: readonly number[]): WorldLayout {
  const cols = Math.ceil(Math.sqrt(count)), rows = Math.ceil(count / cols);
  const zones: ZoneEntry[] = [];
  for (let i = 0; i < count; i++) {
    const cx = i % cols, cy = Math.floor(i / cols);
    zones.push({
      zoneId: i + 1, serverId: `zone-${i + 1}`, endpoint: `ws://${host}:${ports[i]}/`,
      bounds: { minX: cx * size, minY: cy * size, maxX: (cx + 1) * size, maxY: (cy + 1) * size },
    });
  }
  return { bounds: { minX: 0, minY: 0, maxX: cols * size, maxY: rows * size }, zones };
}

export interface ZoneRole {
  host: string;
  seed: number;
  /** The gateway's join public key, which the zone checks join tokens with. */
  joinKey: KeyObject;
  db?: string;
  npcs?: number;
  items?: number;
  tickRate?: number;
  transferTimeoutMs?: number;
}

/** Server options of one zone of a world. */
export function zoneInitFor(layout: WorldLayout, entry: ZoneEntry, bus: Bus, r: ZoneRole): ZoneServerInit {
  const t = entry.bounds, size = t.maxX - t.minX;
  return {
    host: r.host, port: Number(new URL(entry.endpoint).port), seed: r.seed + entry.zoneId, db: r.db, tickRate: r.tickRate,
    joinKey: r.joinKey, serverId: entry.serverId, allowGuests: false, allowObservers: true,
    zone: {
      id: entry.zoneId, name: entry.serverId, bounds: t, worldBounds: layout.bounds,
      spawn: { x: (t.minX + t.maxX) / 2, y: (t.minY + t.maxY) / 2 }, spawnRadius: size / 4,
      npcs: r.npcs ?? 100, items: r.items ?? 50,
    },
    cluster: { bus, zones: layout.zones, transferTimeoutMs: r.transferTimeoutMs },
  };
}

/**
 * Registers a zone and keeps heartbeating its load through a directory holding the zone's own
 * key; the returned function stops and deregisters.
 */
export function keepRegistered(dir: Directory, server: ZoneServer, id: string, log: (m: string) => void): () => Promise<void> {
  let registered = false;
  const beat = async (again = true): Promise<void> => {
    try {
      if (!registered) {
        await dir.register({ id, type: 'zone', host: server.options.host, port: server.port, region: 'local', capacity: server.options.maxClients });
        registered = true;
      }
      const players = server.status().players;
      await dir.heartbeat(id, { load: players, players });
    } catch (e) {
      // A registry started again knows no one: register at once rather than a beat later.
      const was = registered;
      registered = false;
      if (was && again) return beat(false);
      log(`registry: ${(e as Error).message}`);
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), 5000);
  return async () => {
    clearInterval(timer);
    if (registered) await dir.deregister(id);
  };
}

export interface Master {
  readonly port: number;
  readonly registry: Registry;
  stop(): Promise<void>;
}

export interface MasterOptions {
  host: string;
  port: number;
  /** The gateway's own secret: session tokens. */
  secret: string;
  /** The gateway's Ed25519 private key: join tokens, which zones check with its public half. */
  joinKey: KeyObject;
  db?: string;
  spawn: { x: number; y: number; zone: string };
  /** Server id → that server's own registry key: only its holder may register it. Absent: an open registry. */
  serverKeys?: Record<string, string>;
  /** The world's zones, so the gateway sends a returning player to the zone holding its saved position. */
  zones?: readonly ZoneEntry[];
}

/** The registry, the gateway and their /health and /metrics on one HTTP port (the only way to reach the registry). */
export async function startMaster(o: MasterOptions): Promise<Master> {
  const registry = new Registry({ serverKeys: o.serverKeys });
  const store = PlayerStore.open(o.db ?? ':memory:');
  // The zones' online leases live in the same file; with no file there are none to read.
  const online = o.db ? OnlineLeases.open(o.db) : undefined;
  const gateway = new Gateway({
    store, directory: new LocalDirectory(registry), secret: o.secret, joinKey: o.joinKey, strategy: 'least_connections', spawn: o.spawn, zones: o.zones, positions: store, online,
  });
  const app = newApp();
  let stopping = false;
  mountRegistry(app, registry);
  mountGateway(app, gateway);
  mountOps(app, { registry, draining: () => stopping });
  notFound(app);
  const close = async () => {
    online?.close();
    store.close();
  };
  const http: Listening = await listen(app, o.host, o.port).catch(async (e: unknown) => {
    await close();
    throw e;
  });
  return {
    port: http.port, registry,
    async stop() {
      stopping = true;
      http.close();
      await close();
    },
  };
}

function spawnOf(layout: WorldLayout): { x: number; y: number; zone: string } {
  const b = layout.zones[0].bounds;
  return { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2, zone: layout.zones[0].serverId };
}

export interface WorldOptions extends Omit<ZoneRole, 'joinKey'> {
  zones: number;
  /** Registry + gateway HTTP port (0: a free one). */
  port: number;
  /** Side of one square zone, world units. */
  zoneSize: number;
  /** The gateway's secret (session tokens); default a fresh one per run. */
  secret?: string;
  /** Fault injection: what each zone actually talks through (e.g. a delaying wrapper). */
  wrapBus?: (bus: Bus) => Bus;
}

export interface World {
  readonly port: number;
  /** What the gateway signs join tokens with (a fresh key per run): for a test that plays the gateway. */
  readonly joinKey: KeyObject;
  readonly registry: Registry;
  readonly zones: ZoneServer[];
  readonly directory: ZoneEntry[];
  readonly bounds: Rect;
  stop(): Promise<void>;
}

/**
 * Every role in this process. The zones share one port (a SharedFront routes each new
 * connection by its join token), so a handoff moves the live socket: no reconnect.
 */
export async function startWorld(o: WorldOptions): Promise<World> {
  const secret = o.secret ?? newSecret();
  const joinKeys = newJoinKeyPair();
  const front = new SharedFront();
  const port = await front.listen(o.host, 0);
  const layout = worldLayout(o.zones, o.zoneSize, o.host, Array(o.zones).fill(port));
  const hub = new InProcessHub();
  // Each zone speaks only as itself and hears only its own transfers, as over NATS.
  const buses: Bus[] = layout.zones.map((z) => new InProcessBus({ hub, serverId: z.serverId, subscribe: zoneSubscriptions(z.zoneId) }));
  const zones: ZoneServer[] = [];
  for (const [i, z] of layout.zones.entries()) {
    const zone = await startZoneServer({
      ...zoneInitFor(layout, z, o.wrapBus ? o.wrapBus(buses[i]) : buses[i], { ...o, joinKey: joinKeys.publicKey }),
      front: { app: front.app, port, prefix: `/${z.serverId}` },
      localZone: (id) => front.zone(id),
    });
    front.add(z.serverId, zone);
    zones.push(zone);
  }
  const stopZones = async () => {
    await Promise.all(zones.map((z) => z.stop()));
    front.close();
    await Promise.all(buses.map((b) => b.close()));
  };
  const serverKeys = newServerKeys(layout.zones.map((z) => z.serverId));
  const master = await startMaster({ host: o.host, port: o.port, secret, joinKey: joinKeys.privateKey, db: o.db, spawn: spawnOf(layout), serverKeys, zones: layout.zones })
    .catch(async (e: unknown) => {
      await stopZones();
      throw e;
    });
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const stops = zones.map((z, i) => {
    const id = layout.zones[i].serverId;
    return keepRegistered(new LocalDirectory(master.registry, { key: serverKeys[id] }), z, id, log);
  });
  return {
    port: master.port, joinKey: joinKeys.privateKey, registry: master.registry, zones, directory: layout.zones, bounds: layout.bounds,
    async stop() {
      await Promise.all(stops.map((s) => s()));
      await master.stop();
      await stopZones();
    },
  };
}

// Child roles run the way this process runs: the tsx launcher from sources, the compiled entry from a build.
const MMO = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? './mmo.js' : './bin.js', import.meta.url));

export interface ProcessWorld {
  readonly port: number;
  /** What the master signs join tokens with (a fresh key per run): for a test that plays the gateway. */
  readonly joinKey: KeyObject;
  readonly layout: WorldLayout;
  /** The processes running now: the master first, then one per zone (a restarted zone's new one). */
  readonly children: ChildProcess[];
  /** Per zone (layout order): times it died and was started again. */
  readonly restarts: number[];
  /** Times the master died and was started again. */
  readonly masterRestarts: number;
  /** The nats-server this world started (`nats: 'auto'`); a new one after restartNats(). */
  readonly nats?: NatsServer;
  /** With `nats: 'auto'`: stops its nats-server and starts it again on the same port with the same users (zones reconnect). */
  restartNats(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessWorldOptions extends WorldOptions {
  /** `auto`: start a nats-server with one user per zone; else the URL of the operator's. */
  nats: string;
  /** With `nats: 'auto'`: the address it listens on (default 127.0.0.1). */
  natsHost?: string;
  /** With an operator's nats-server: the directory `mmo nats-config` wrote `<server id>.json` into. */
  natsCredentials?: string;
}

/**
 * Starts a child `mmo` with `env` and resolves once it printed a line matching `ready`. In a
 * process group of its own: a terminal's Ctrl-C reaches the world alone, which stops the roles
 * in order (zones draining while the master and the bus still serve them); had it reached every
 * role, the world's own stop would have come to each as a second signal, forcing its exit. A
 * child whose world dies unasked drains by itself (it watches its parent).
 */
async function child(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, echo?: (line: string) => void): Promise<ChildProcess> {
  const p = spawn(process.execPath, [MMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  let out = '';
  let err = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-2000);
    echo?.(d.trimEnd());
  });
  p.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (d: string) => {
      out += d;
      echo?.(d.trimEnd());
      if (ready.test(out)) resolve();
    };
    p.stdout!.on('data', onData);
    p.once('exit', (code) => reject(new Error(`mmo ${args[0]} exited (${code}) before it was ready: ${(out + err).slice(-500)}`)));
  });
  return p;
}

/**
 * Every role in its own process, over NATS: a master and one process per zone. The master gets
 * the gateway's secret and join key in its environment, each zone the join public key and its
 * own NATS credentials and registry key.
 */
export async function startProcessWorld(o: ProcessWorldOptions, echo?: (line: string) => void): Promise<ProcessWorld> {
  const secret = o.secret ?? newSecret();
  const joinKeys = newJoinKeyPair();
  const ports = await Promise.all(Array.from({ length: o.zones }, () => freePort()));
  const layout = worldLayout(o.zones, o.zoneSize, o.host, ports);
  const file = join(mkdtempSync(join(tmpdir(), 'mmo-world-')), 'world.json');
  writeFileSync(file, JSON.stringify(layout));
  const masterPort = o.port || await freePort();
  let master: Supervisor | undefined;
  const zones: Supervisor[] = [];
  let nats: NatsServer | undefined;
  let users: ReturnType<typeof worldNatsUsers> | undefined;
  const stop = async () => {
    await Promise.all(zones.map((z) => z.stop()));
    await master?.stop(); // SIGTERM by its own pid
    await nats?.stop();
  };
  try {
    let url = o.nats;
    let credentials: (serverId: string) => NatsCredentials | undefined = (id) =>
      o.natsCredentials === undefined ? undefined : natsCredentials({ natsCredentials: join(o.natsCredentials, `${id}.json`) });
    if (o.nats === 'auto') {
      users = worldNatsUsers(layout);
      nats = await startNatsServer({ host: o.natsHost, users, ownProcessGroup: true });
      echo?.(`nats-server ${nats.url} (pid ${nats.pid}), one user per zone`);
      url = nats.url;
      credentials = (id) => credentialsOf(users!, id);
    }
    const db = o.db ? ['--db', o.db] : [];
    // Each zone gets only its own registry key; the master gets them all. By environment, never a flag.
    const serverKeys = newServerKeys(layout.zones.map((z) => z.serverId));
    const masterArgs = ['master', '--host', o.host, '--port', String(masterPort), '--world', file, ...db];
    const masterEnv = childEnv(undefined, { [SECRET_ENV]: secret, [JOIN_KEY_ENV]: joinKeyPem(joinKeys.privateKey), [SERVER_KEYS_ENV]: JSON.stringify(serverKeys) });
    // Accounts and online leases are in the database, the keys in its environment: a master started again serves the same world.
    master = await Supervisor.start({ name: 'master', start: () => child(masterArgs, masterEnv, /listening/, echo), log: (m) => echo?.(m) });
    for (const z of layout.zones) {
      const args = ['zone', '--world', file, '--zone-id', String(z.zoneId), '--nats', url, '--seed', String(o.seed),
        '--registry', `http://${o.host}:${masterPort}`, '--host', o.host, ...(o.tickRate ? ['--tick-rate', String(o.tickRate)] : []),
        ...(o.npcs !== undefined ? ['--npcs', String(o.npcs)] : []), ...(o.items !== undefined ? ['--items', String(o.items)] : []),
        ...(o.db ? db : ['--no-db'])];
      const env = childEnv(credentials(z.serverId), { [JOIN_PUBLIC_KEY_ENV]: joinKeyPem(joinKeys.publicKey), [SERVER_KEY_ENV]: serverKeys[z.serverId] });
      // A zone that dies is started again (it registers itself anew); one stopped on purpose stays stopped.
      zones.push(await Supervisor.start({ name: z.serverId, start: () => child(args, env, /listening on/, echo), log: (m) => echo?.(m) }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port: masterPort, joinKey: joinKeys.privateKey, layout, stop,
    get nats() {
      return nats;
    },
    async restartNats() {
      if (!nats || !users) throw new Error('restartNats: this world did not start its nats-server (nats: auto)');
      const port = nats.port;
      await nats.stop();
      nats = await startNatsServer({ host: o.natsHost, port, users, ownProcessGroup: true });
      echo?.(`nats-server restarted: ${nats.url} (pid ${nats.pid})`);
    },
    get children() {
      return [master!.child, ...zones.map((z) => z.child)];
    },
    get restarts() {
      return zones.map((z) => z.restarts);
    },
    get masterRestarts() {
      return master!.restarts;
    },
  };
}

export async function runWorldCommand(o: WorldOptions & Partial<ProcessWorldOptions>, print: (line: string) => void): Promise<void> {
  let stop: () => Promise<void>;
  let lines: string[];
  if (o.nats) {
    const w = await startProcessWorld({ ...o, nats: o.nats }, print);
    lines = [`world: ${o.zones} zone processes + master over NATS ${w.nats?.url ?? o.nats}; registry + gateway on http://${o.host}:${w.port}/`];
    stop = w.stop;
  } else {
    const w = await startWorld(o);
    lines = [`world: ${o.zones} zones in one process; registry + gateway on http://${o.host}:${w.port}/ (POST /login, /route; GET /servers /health /metrics)`,
      ...w.directory.map((z) => `  zone ${z.zoneId} ${z.endpoint} bounds ${JSON.stringify(z.bounds)}  viewer ${z.endpoint.replace(/^ws/, 'http')}${z.serverId}/viewer`)];
    stop = w.stop;
  }
  const stopped = untilStopped(print, 'stopping every zone', stop);
  for (const l of lines) print(l);
  await stopped;
}
