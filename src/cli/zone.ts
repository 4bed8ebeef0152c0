// `mmo zone`: a headless zone server on embedded defaults, flags or a JSON config file.
// SIGTERM/SIGINT stop it gracefully: clients are told, the recording is closed.

import { readFileSync } from 'node:fs';
import { NatsBus, ServerType } from '../bus/index.js';
import { RegistryClient, publishLoad } from '../cluster/index.js';
import { startZoneServer, type ZoneServerInit } from '../zone/index.js';
import { keepRegistered, zoneInitFor, type WorldLayout } from './world.js';

export interface ZoneCommandOptions {
  config?: string;
  host?: string;
  port?: number;
  seed?: number;
  tickRate?: number;
  npcs?: number;
  items?: number;
  size?: number;
  spawnRadius?: number;
  idleTimeout?: number;
  record?: string;
  /** A file path, or false for --no-db. */
  db?: string | false;
  flushTicks?: number;
  /** One zone of a world: the layout file written by `mmo world`, and which zone this is. */
  world?: string;
  zoneId?: number;
  nats?: string;
  secret?: string;
  /** Registry HTTP base URL to register and heartbeat with. */
  registry?: string;
}

/** Reads a world layout file (as `mmo world` writes it). */
export function readLayout(file: string): WorldLayout {
  const layout = JSON.parse(readFileSync(file, 'utf8')) as WorldLayout;
  if (!layout || !Array.isArray(layout.zones) || !layout.bounds) throw new Error(`${file}: not a world layout`);
  return layout;
}

/** A zone process of a multi-process world: its slice of the layout, NATS, the registry. */
async function startWorldZone(o: ZoneCommandOptions, print: (line: string) => void) {
  if (!o.nats || !o.secret || o.zoneId === undefined) throw new Error('--world needs --zone-id, --nats and --secret');
  const layout = readLayout(o.world!);
  const entry = layout.zones.find((z) => z.zoneId === o.zoneId);
  if (!entry) throw new Error(`zone ${o.zoneId} is not in ${o.world}`);
  const bus = await NatsBus.connect({ servers: o.nats, serverId: entry.serverId, serverType: ServerType.Zone, secret: o.secret });
  const init = zoneInitFor(layout, entry, bus, {
    host: o.host ?? '127.0.0.1', seed: o.seed ?? 1, secret: o.secret, db: typeof o.db === 'string' ? o.db : undefined,
    npcs: o.npcs, items: o.items, tickRate: o.tickRate,
  });
  const server = await startZoneServer(init);
  const unregister = o.registry ? keepRegistered(new RegistryClient(o.registry, { secret: o.secret }), server, entry.serverId, print) : async () => {};
  // The same heartbeat over the bus, for a master listening there.
  const report = setInterval(() => publishLoad(bus, server.status().players, server.options.maxClients), 5000);
  // Deregistered while the server drains, before its socket closes; the bus goes last.
  return { server, deregister: async () => { clearInterval(report); await unregister(); }, close: () => bus.close() };
}

/** The most a graceful stop may take before the process exits anyway. */
const STOP_LIMIT_MS = 15_000;

/** Config file first, then flags on top. */
export function zoneInit(o: ZoneCommandOptions): ZoneServerInit {
  let init: ZoneServerInit = {};
  if (o.config) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.config, 'utf8'));
    } catch (e) {
      throw new Error(`config ${o.config}: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`config ${o.config}: expected a JSON object`);
    init = parsed as ZoneServerInit;
  }
  const zone = { ...init.zone };
  if (o.npcs !== undefined) zone.npcs = o.npcs;
  if (o.items !== undefined) zone.items = o.items;
  if (o.spawnRadius !== undefined) zone.spawnRadius = o.spawnRadius;
  if (o.size !== undefined) {
    zone.bounds = { minX: 0, minY: 0, maxX: o.size, maxY: o.size };
    zone.spawn = { x: o.size / 2, y: o.size / 2 };
  }
  return {
    ...init,
    zone,
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.tickRate !== undefined ? { tickRate: o.tickRate } : {}),
    ...(o.idleTimeout !== undefined ? { idleTimeoutMs: o.idleTimeout * 1000 } : {}),
    ...(o.record !== undefined ? { record: o.record } : {}),
    ...(typeof o.db === 'string' ? { db: o.db } : {}),
    ...(o.db === false ? { db: undefined } : {}),
    ...(o.flushTicks !== undefined ? { flushTicks: o.flushTicks } : {}),
  };
}

export async function runZoneCommand(o: ZoneCommandOptions, print: (line: string) => void): Promise<void> {
  const inWorld = o.world ? await startWorldZone(o, print) : undefined;
  const server = inWorld?.server ?? await startZoneServer(zoneInit(o));
  const db = server.options.db;
  const { host } = server.options;
  const { config } = server.world;
  print(`zone ${config.id} "${config.name}" listening on ws://${host}:${server.port}/ ` +
    `(${config.npcs} npcs, ${config.items} items, seed ${server.options.seed}, ${server.options.tickRate} Hz)`);
  print(db ? `players kept in ${db} (written every ${server.options.flushTicks} ticks)` : 'no database: nothing is kept');
  print(`status http://${host}:${server.port}/status  metrics http://${host}:${server.port}/metrics`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        print(`${signal} again: forcing exit`);
        process.exit(1);
      }
      stopping = true;
      print(`${signal}: draining (health says so), saving players, telling clients`);
      // Bounded: a stop that hangs (a stuck disk, say) still ends the process.
      const limit = setTimeout(() => {
        print(`stop took over ${STOP_LIMIT_MS} ms: exiting anyway`);
        process.exit(1);
      }, STOP_LIMIT_MS);
      limit.unref();
      server.stop(inWorld?.deregister).then(() => inWorld?.close()).then(resolve, resolve);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  print(`stopped at tick ${server.world.tick}`);
}
