// `mmo world`: a whole world in one process — registry and gateway on one HTTP port, and
// N zone servers tiling the map, talking over the bus (in-process by default, NATS with
// --nats), sharing one SQLite file. Players cross zone borders by handoff.

import { randomBytes } from 'node:crypto';
import { Gateway, Registry, listen, mountGateway, mountRegistry, newApp, notFound } from '../cluster/index.js';
import { InProcessBus, InProcessHub, NatsBus, ServerType, freePort, type Bus } from '../bus/index.js';
import { PlayerStore } from '../store/index.js';
import { startZoneServer, type ZoneServer } from '../zone/index.js';
import type { ZoneEntry } from '../zone/handoff.js';
import type { Rect } from '../sim/index.js';

export interface WorldOptions {
  zones: number;
  host: string;
  /** Registry + gateway HTTP port (0: a free one). */
  port: number;
  /** Side of one square zone tile, world units. */
  zoneSize: number;
  seed: number;
  db?: string;
  nats?: string;
  secret?: string;
  npcsPerZone?: number;
  itemsPerZone?: number;
  transferTimeoutMs?: number;
  /** Wall ticks per second (tests run the game faster). Default 20. */
  tickRate?: number;
  /** Fault injection: what each zone actually talks through (e.g. a delaying wrapper). */
  wrapBus?: (bus: Bus) => Bus;
}

export interface World {
  readonly port: number;
  readonly secret: string;
  readonly registry: Registry;
  readonly zones: ZoneServer[];
  readonly directory: ZoneEntry[];
  readonly bounds: Rect;
  stop(): Promise<void>;
}

/** Tiles of a cols × rows grid, row by row. */
export function tileWorld(count: number, size: number): { bounds: Rect; tiles: Rect[] } {
  const cols = Math.ceil(Math.sqrt(count)), rows = Math.ceil(count / cols);
  const tiles: Rect[] = [];
  for (let i = 0; i < count; i++) {
    const cx = i % cols, cy = Math.floor(i / cols);
    tiles.push({ minX: cx * size, minY: cy * size, maxX: (cx + 1) * size, maxY: (cy + 1) * size });
  }
  return { bounds: { minX: 0, minY: 0, maxX: cols * size, maxY: rows * size }, tiles };
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const secret = o.secret ?? randomBytes(24).toString('base64url');
  const { bounds, tiles } = tileWorld(o.zones, o.zoneSize);
  const ports = await Promise.all(tiles.map(() => freePort()));
  const directory: ZoneEntry[] = tiles.map((t, i) => ({
    zoneId: i + 1, serverId: `zone-${i + 1}`, endpoint: `ws://${o.host}:${ports[i]}/`, bounds: t,
  }));
  const hub = new InProcessHub();
  const buses: Bus[] = [];
  for (const z of directory) {
    const opts = { serverId: z.serverId, serverType: ServerType.Zone, secret };
    buses.push(o.nats ? await NatsBus.connect({ ...opts, servers: o.nats }) : new InProcessBus({ ...opts, hub }));
  }
  await Promise.all(buses.map((b) => b.waitForPeers(directory.filter((z) => z.serverId !== b.serverId).map((z) => z.serverId), 10_000)));

  const zones: ZoneServer[] = [];
  for (const [i, z] of directory.entries()) {
    const t = z.bounds;
    zones.push(await startZoneServer({
      host: o.host, port: ports[i], seed: o.seed + i, db: o.db, tickRate: o.tickRate, tokenSecret: secret, serverId: z.serverId, allowGuests: false,
      zone: {
        id: z.zoneId, name: z.serverId, bounds: t, worldBounds: bounds, spawn: { x: (t.minX + t.maxX) / 2, y: (t.minY + t.maxY) / 2 },
        spawnRadius: o.zoneSize / 4, npcs: o.npcsPerZone ?? 100, items: o.itemsPerZone ?? 50,
      },
      cluster: { bus: o.wrapBus ? o.wrapBus(buses[i]) : buses[i], zones: directory, tokenSecret: secret, transferTimeoutMs: o.transferTimeoutMs },
    }));
  }

  const registry = new Registry();
  const heartbeat = () => {
    const now = Date.now();
    const known = new Set(registry.servers(now).map((s) => s.id));
    for (const [i, z] of zones.entries()) {
      const id = directory[i].serverId;
      if (!known.has(id)) registry.register({ id, type: 'zone', host: o.host, port: z.port, region: 'local', capacity: z.options.maxClients }, now);
      registry.heartbeat(id, { load: z.status().players, players: z.status().players }, now);
    }
  };
  heartbeat();
  const beat = setInterval(heartbeat, 5000);
  const store = PlayerStore.open(o.db ?? ':memory:');
  const first = directory[0].bounds;
  const gateway = new Gateway({
    store, directory: registry, secret, strategy: 'least_connections',
    spawn: { x: (first.minX + first.maxX) / 2, y: (first.minY + first.maxY) / 2, zone: directory[0].serverId },
  });
  const app = newApp();
  mountRegistry(app, registry);
  mountGateway(app, gateway);
  notFound(app);
  const http = await listen(app, o.host, o.port);

  return {
    port: http.port, secret, registry, zones, directory, bounds,
    async stop() {
      clearInterval(beat);
      http.close();
      await Promise.all(zones.map((z) => z.stop()));
      await Promise.all(buses.map((b) => b.close()));
      store.close();
    },
  };
}

export async function runWorldCommand(o: WorldOptions, print: (line: string) => void): Promise<void> {
  const world = await startWorld(o);
  print(`world: ${o.zones} zones over ${o.nats ? `NATS ${o.nats}` : 'the in-process bus'}; registry + gateway on http://${o.host}:${world.port}/ (POST /login, /route; GET /servers)`);
  for (const [i, z] of world.zones.entries()) print(`  zone ${world.directory[i].zoneId} ${world.directory[i].endpoint} bounds ${JSON.stringify(world.directory[i].bounds)}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      print(`${signal}: stopping`);
      world.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
