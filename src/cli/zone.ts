// `mmo zone`: a headless zone server on embedded defaults, flags or a JSON config file.
// SIGTERM/SIGINT stop it gracefully: clients are told, the recording is closed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NatsBus } from '../bus/index.js';
import { HELPER_THREAD_NICENESS, lowerRuntimeThreads, restoreRuntimeThreads } from '../runtime/index.js';
import { RegistryClient } from '../cluster/index.js';
import { resolveOptions, startZoneServer, type ZoneServerInit } from '../zone/index.js';
import { DEFAULT_ZONE } from '../sim/index.js';
import { saveFlightOnCrash, saveFlightOnSignal, untilStopped } from './signals.js';
import { ADMIN_TOKEN_ENV, JOIN_PUBLIC_KEY_ENV, adminToken, joinPublicKey, natsCredentials } from './secrets.js';
import { keepRegistered, zoneInitFor, type WorldLayout } from './world.js';
import { SERVER_KEY_ENV } from './registryKeys.js';

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
  /** Threads that own the client sockets (0: the tick thread). */
  ioThreads?: number;
  /** The runtime's own threads at the idle policy (src/runtime/threadPriority.ts lowerRuntimeThreads). */
  idleRuntimeThreads?: boolean;
  /** Each player's snapshot bandwidth cap, bytes per second (0: none). */
  bandwidth?: number;
  record?: string;
  /** false for --no-flight (commander sets true otherwise). */
  flight?: boolean;
  /** The flight recorder's ring (default ./data/flight; a zone of a world: ./data/flight/<server id>). */
  flightDir?: string;
  flightMinutes?: number;
  flightMaxMb?: number;
  /** Admin token file (0600); else $MMO_ADMIN_TOKEN. */
  adminTokenFile?: string;
  /** A file path, or false for --no-db. */
  db?: string | false;
  flushTicks?: number;
  /** One zone of a world: the layout file written by `mmo world`, and which zone this is. */
  world?: string;
  zoneId?: number;
  nats?: string;
  /** The gateway's join public key (PEM) file; else $MMO_JOIN_PUBLIC_KEY. */
  joinPublicKeyFile?: string;
  /** NATS credentials file (0600); else $MMO_NATS_USER and $MMO_NATS_PASSWORD. */
  natsCredentials?: string;
  /** Registry HTTP base URL to register and heartbeat with. */
  registry?: string;
}

/** Reads a world layout file (as `mmo world` writes it). */
export function readLayout(file: string): WorldLayout {
  const layout = JSON.parse(readFileSync(file, 'utf8')) as WorldLayout;
  if (!layout || !Array.isArray(layout.zones) || !layout.bounds) throw new Error(`${file}: not a world layout`);
  return layout;
}

/** What a process that is a zone and nothing else may do to itself: scavenge between ticks (src/runtime/youngGc.ts). */
const ZONE_PROCESS = { gcBetweenTicks: true } as const;

/** A zone process of a multi-process world: its slice of the layout, NATS, the registry. */
async function startWorldZone(o: ZoneCommandOptions, print: (line: string) => void) {
  const joinKey = joinPublicKey(o);
  if (!o.nats || o.zoneId === undefined) throw new Error('--world needs --zone-id and --nats');
  if (!joinKey) throw new Error(`--world needs the gateway's join public key: set ${JOIN_PUBLIC_KEY_ENV} or use --join-public-key-file FILE`);
  const layout = readLayout(o.world!);
  const entry = layout.zones.find((z) => z.zoneId === o.zoneId);
  if (!entry) throw new Error(`zone ${o.zoneId} is not in ${o.world}`);
  const bus = await NatsBus.connect({ servers: o.nats, serverId: entry.serverId, ...natsCredentials(o) });
  const init = zoneInitFor(layout, entry, bus, {
    host: o.host ?? '127.0.0.1', seed: o.seed ?? 1, joinKey, db: o.db === false ? undefined : o.db ?? ZONE_COMMAND_DEFAULTS.db,
    npcs: o.npcs, items: o.items, tickRate: o.tickRate,
  });
  // A busy port (or any failed start) must not leave the bus connection holding the process open.
  const server = await startZoneServer({ ...init, ...recordingInit(o, entry.serverId), ioThreads: o.ioThreads, ...ZONE_PROCESS }).catch(async (e: unknown) => { await bus.close(); throw e; });
  // This zone's own registry key, from `mmo world` by environment: only it can change its registration.
  const directory = o.registry ? new RegistryClient(o.registry, { key: process.env[SERVER_KEY_ENV] }) : undefined;
  const unregister = directory ? keepRegistered(directory, server, entry.serverId, print) : async () => {};
  // Deregistered while the server drains, before its socket closes; the bus goes last.
  return { server, deregister: unregister, close: () => bus.close() };
}

/** A config file that cannot be used; the message names the file and the field. */
export class ZoneConfigFileError extends Error {
  override name = 'ZoneConfigFileError';
}

/** One line, bounded: the message goes to a terminal as `error: …`. */
function oneLine(s: string, max = 300): string {
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${oneLine(JSON.stringify(v) ?? String(v), 40)}`;
}

// What a config file may set: the server options that are plain data (not the cluster wiring,
// which only code can give), and the zone's fields.
const NUMBER_OPTIONS = ['port', 'seed', 'tickRate', 'idleTimeoutMs', 'idleCheckMs', 'helloTimeoutMs', 'maxClients', 'maxConnections',
  'inputRate', 'inputBurst', 'sendBudgetBytes', 'laggardMs', 'bandwidthBytesPerSec', 'maxCatchUp', 'flushTicks', 'ioThreads'] as const;
const STRING_OPTIONS = ['host', 'record', 'db', 'serverId'] as const;
const BOOLEAN_OPTIONS = ['allowGuests', 'allowObservers', 'lagCompensation'] as const;
/** May be null for "none". */
const NULLABLE_OPTIONS: readonly string[] = ['record', 'db'];
const CONFIG_FIELDS: readonly string[] = [...NUMBER_OPTIONS, ...STRING_OPTIONS, ...BOOLEAN_OPTIONS, 'zone'];
const ZONE_FIELDS: readonly string[] = [...Object.keys(DEFAULT_ZONE), 'worldBounds'];
const RECT_FIELDS: readonly string[] = ['minX', 'minY', 'maxX', 'maxY'];
const POINT_FIELDS: readonly string[] = ['x', 'y'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks the shape of a parsed config file: known fields only (a misspelt option is refused,
 * not ignored), each of the right JSON type. Ranges are checked by resolveOptions.
 */
function checkConfigShape(v: unknown): ZoneServerInit {
  if (!isPlainObject(v)) throw new ZoneConfigFileError(`expected a JSON object, got ${describeValue(v)}`);
  const unknown = (where: string, k: string, allowed: readonly string[]) =>
    new ZoneConfigFileError(`${where}${oneLine(k, 60)}: unknown field (allowed: ${allowed.join(', ')})`);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'tokenSecret') throw new ZoneConfigFileError(`tokenSecret: no longer taken, a zone holds no secret: give it the gateway's public key by $${JOIN_PUBLIC_KEY_ENV} or --join-public-key-file FILE`);
    if (!CONFIG_FIELDS.includes(k)) throw unknown('', k, CONFIG_FIELDS);
    if (val === null && NULLABLE_OPTIONS.includes(k)) {
      out[k] = undefined; // null: none (and the command's default does not apply)
      continue;
    }
    if ((NUMBER_OPTIONS as readonly string[]).includes(k)) {
      if (typeof val !== 'number') throw new ZoneConfigFileError(`${k}: must be a number, got ${describeValue(val)}`);
    } else if ((STRING_OPTIONS as readonly string[]).includes(k)) {
      if (typeof val !== 'string' || val.length === 0 || val.length > 4096) {
        throw new ZoneConfigFileError(`${k}: must be a non-empty string, got ${describeValue(val)}`);
      }
    } else if ((BOOLEAN_OPTIONS as readonly string[]).includes(k)) {
      if (typeof val !== 'boolean') throw new ZoneConfigFileError(`${k}: must be true or false, got ${describeValue(val)}`);
    } else if (k === 'zone') {
      if (!isPlainObject(val)) throw new ZoneConfigFileError(`zone: must be a JSON object, got ${describeValue(val)}`);
      for (const [zk, zv] of Object.entries(val)) {
        if (!ZONE_FIELDS.includes(zk)) throw unknown('zone.', zk, ZONE_FIELDS);
        const inner = zk === 'bounds' || zk === 'worldBounds' ? RECT_FIELDS : zk === 'spawn' ? POINT_FIELDS : undefined;
        if (inner === undefined) continue;
        if (!isPlainObject(zv)) throw new ZoneConfigFileError(`zone.${zk}: must be a JSON object {${inner.join(', ')}}, got ${describeValue(zv)}`);
        for (const ik of Object.keys(zv)) if (!inner.includes(ik)) throw unknown(`zone.${zk}.`, ik, inner);
      }
    }
    out[k] = val;
  }
  return out as ZoneServerInit;
}

/** Reads, parses and checks a config file; every refusal is a ZoneConfigFileError naming the file (and the field). */
function readConfigFile(file: string): ZoneServerInit {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ZoneConfigFileError(`config ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? oneLine((e as Error).message)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ZoneConfigFileError(`config ${file}: not valid JSON: ${oneLine((e as Error).message, 160)}`);
  }
  try {
    return checkConfigShape(parsed);
  } catch (e) {
    throw new ZoneConfigFileError(`config ${file}: ${oneLine((e as Error).message)}`);
  }
}

/** What `mmo zone` keeps when neither flag, environment nor file says otherwise (the server's own defaults aside). */
export const ZONE_COMMAND_DEFAULTS = { db: './data/zone.db', flightDir: './data/flight', flightMinutes: 10, flightMaxMb: 1024 } as const;

/**
 * The flight recorder (on unless --no-flight; a zone of a world keeps its ring in a directory
 * of its own) and the admin token, for `mmo zone` alone or as part of a world.
 */
function recordingInit(o: ZoneCommandOptions, serverId?: string): Pick<ZoneServerInit, 'flight' | 'adminToken'> {
  const d = ZONE_COMMAND_DEFAULTS;
  const dir = o.flightDir ?? (serverId ? join(d.flightDir, serverId) : d.flightDir);
  return {
    flight: o.flight === false ? undefined : { dir, keepMs: (o.flightMinutes ?? d.flightMinutes) * 60_000, maxBytes: (o.flightMaxMb ?? d.flightMaxMb) * 1024 * 1024 },
    adminToken: adminToken(o),
  };
}

/**
 * default < config file < environment < flag. `o` holds only what was given (commander has no
 * defaults for these options; MMO_HOST, MMO_PORT and MMO_DB arrive as given values, below a
 * flag), so a file's value stands unless the user set it again; defaults come last.
 */
export function zoneInit(o: ZoneCommandOptions): ZoneServerInit {
  let init: ZoneServerInit = {};
  if (o.config) init = readConfigFile(o.config);
  const zone = { ...init.zone };
  if (o.npcs !== undefined) zone.npcs = o.npcs;
  if (o.items !== undefined) zone.items = o.items;
  if (o.spawnRadius !== undefined) zone.spawnRadius = o.spawnRadius;
  if (o.size !== undefined) {
    zone.bounds = { minX: 0, minY: 0, maxX: o.size, maxY: o.size };
    zone.spawn = { x: o.size / 2, y: o.size / 2 };
  }
  const joinKey = joinPublicKey(o); // a key is never in a config file: by environment or its own file
  const out: ZoneServerInit = {
    ...('db' in init ? {} : { db: ZONE_COMMAND_DEFAULTS.db }),
    ...init,
    zone,
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.tickRate !== undefined ? { tickRate: o.tickRate } : {}),
    ...(o.idleTimeout !== undefined ? { idleTimeoutMs: o.idleTimeout * 1000 } : {}),
    ...(o.ioThreads !== undefined ? { ioThreads: o.ioThreads } : {}),
    ...(o.bandwidth !== undefined ? { bandwidthBytesPerSec: o.bandwidth } : {}),
    ...(o.record !== undefined ? { record: o.record } : {}),
    ...(joinKey ? { joinKey } : {}),
    ...(typeof o.db === 'string' ? { db: o.db } : {}),
    ...(o.db === false ? { db: undefined } : {}),
    ...(o.flushTicks !== undefined ? { flushTicks: o.flushTicks } : {}),
    ...recordingInit(o),
  };
  if (o.config) {
    // Ranges now, so a bad value is reported against the file before anything starts.
    try {
      resolveOptions(out);
    } catch (e) {
      throw new ZoneConfigFileError(`config ${o.config}: ${oneLine((e as Error).message)}`);
    }
  }
  return out;
}

export async function runZoneCommand(o: ZoneCommandOptions, print: (line: string) => void): Promise<void> {
  // A dedicated host: the runtime's threads give way to the ticks (and are put back once the zone has stopped, so that the process can end).
  const idled = o.idleRuntimeThreads ? lowerRuntimeThreads(HELPER_THREAD_NICENESS).idle : [];
  const inWorld = o.world ? await startWorldZone(o, print) : undefined;
  const server = inWorld?.server ?? await startZoneServer({ ...zoneInit(o), ...ZONE_PROCESS });
  const db = server.options.db;
  const { host } = server.options;
  const { config } = server.world;
  const stopped = untilStopped(print, 'health says so; saving players, telling clients',
    () => server.stop(inWorld?.deregister).then(() => inWorld?.close()));
  saveFlightOnSignal(server, print);
  saveFlightOnCrash(server, print);
  print(`zone ${config.id} "${config.name}" listening on ws://${host}:${server.port}/ ` +
    `(${config.npcs} npcs, ${config.items} items, seed ${server.options.seed}, ${server.options.tickRate} Hz)`);
  print(db ? `players kept in ${db} (written every ${server.options.flushTicks} ticks)` : 'no database: nothing is kept');
  const http = `http://${host}:${server.port}`;
  const observers = server.options.allowObservers ?? (server.options.allowGuests ?? server.options.joinKey === undefined);
  print(`viewer ${http}/viewer${observers ? '' : ' (this zone takes no observers)'}  health ${http}/health  status ${http}/status  metrics ${http}/metrics`);
  const flight = server.flightDir;
  print(flight ? `flight recorder: the last ${server.options.flight!.keepMs! / 60_000} minutes in ${flight}; save them with kill -USR2 ${process.pid}` +
    (server.options.adminToken ? ` or POST ${http}/admin/flight/save` : ` (admin route off: no ${ADMIN_TOKEN_ENV})`) : 'flight recorder off');
  await stopped;
  restoreRuntimeThreads(idled);
  print(`stopped at tick ${server.world.tick}`);
}
