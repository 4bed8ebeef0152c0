// The `mmo` command's arguments (bin.ts is the entry that runs them). Each subcommand lives in its own file, loaded only when that
// subcommand runs, so `mmo --help` does not pay for the zone server's modules; `mmo replay` does not even load
// this file (bin.ts builds it from program.ts and replayCommand.ts alone).

import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseThreshold, type Threshold } from '../bots/thresholds.js';
import { BEHAVIORS } from '../bots/behavior.js';
import type { ZoneCommandOptions } from './zone.js';
import type { BotsCommandOptions } from './bots.js';
import { baseProgram, intArg, printLine } from './program.js';
import { addReplayCommand } from './replayCommand.js';
import { JOIN_KEY_ENV, JOIN_PUBLIC_KEY_ENV, SECRET_ENV } from './secrets.js';

/** Accepted only to be refused with a useful error (preAction hook): secrets stay off command lines. */
const refusedSecretOption = () => new Option('--secret <s>').hideHelp();
const SECRET_FILE_HELP = `file holding the gateway's secret (its session tokens), mode 0600 (default: $${SECRET_ENV})`;

// Several --threshold flags collect into one list; a bad one is refused before anything runs.
function collectThreshold(value: string, previous: Threshold[] = []): Threshold[] {
  try {
    return [...previous, parseThreshold(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function buildProgram(print: (line: string) => void = printLine): Command {
  const program = baseProgram();

  program.command('sim')
    .description('run a generated zone headless (no network) and print tick figures and the final state hash')
    .addOption(new Option('--entities <n>', 'entities in the zone (10% players, 1% items, rest NPCs)').argParser(intArg(1, 2_000_000)).default(10_000))
    .addOption(new Option('--ticks <n>', 'ticks to run').argParser(intArg(1, 10_000_000)).default(200))
    .addOption(new Option('--seed <n>', 'world seed').argParser(intArg(0, 0xffffffff)).default(1))
    .addOption(new Option('--warmup <n>', 'ticks run before measuring').argParser(intArg(0, 1_000_000)).default(0))
    .option('--record <file>', 'write a replay file')
    .option('--json', 'print one JSON line')
    .action(async (o: { entities: number; ticks: number; seed: number; warmup: number; record?: string; json?: boolean }) => {
      const { formatSimReport, runSim } = await import('./sim.js');
      const report = runSim(o);
      print(o.json ? JSON.stringify(report) : formatSimReport(report));
    });

  addReplayCommand(program, print);

  // No defaults here: an option the user did not give must not hide the config file's value.
  // zoneInit applies default < file < environment < flag.
  program.command('zone')
    .description('run a zone server: WebSocket clients at ws://HOST:PORT/, HTTP /health /status /metrics')
    .option('--config <file>', 'JSON file of server options (environment and flags override it)')
    .addOption(new Option('--host <host>', 'address to bind (default 127.0.0.1)').env('MMO_HOST'))
    .addOption(new Option('--port <n>', 'port (default 7777); 0 picks a free one and prints it').argParser(intArg(0, 65535)).env('MMO_PORT'))
    .addOption(new Option('--seed <n>', 'world seed').argParser(intArg(0, 0xffffffff)))
    .addOption(new Option('--tick-rate <hz>', 'ticks per second of wall time').argParser(intArg(1, 250)))
    .addOption(new Option('--npcs <n>', 'patrolling NPCs').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--items <n>', 'ground items').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--size <units>', 'square zone side').argParser(intArg(100, 1_000_000)))
    .addOption(new Option('--spawn-radius <units>', 'new players appear this far around the spawn point').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--idle-timeout <s>', 'close clients idle this long').argParser(intArg(1, 86_400)))
    .addOption(new Option('--io-threads <n>', 'threads that own the client sockets and send the frames, sharing the port (default 0: the tick thread does)').argParser(intArg(0, 64)).env('MMO_IO_THREADS'))
    .option('--idle-runtime-threads', 'for a host whose cores the zone does not share with other busy work: the runtime\'s own threads (V8\'s compiler and GC helpers) at the idle policy, so that a tick never waits for one (Linux, chrt)')
    .addOption(new Option('--bandwidth <bytes/s>', 'each player\'s snapshot cap: nearer entities first, farther ones later, nothing lost (default 0: none; else ≥ 256)')
      .argParser(intArg(0, 1 << 30)).env('MMO_BANDWIDTH'))
    .option('--record <file>', 'record the session to a replay file')
    .option('--no-flight', 'turn the flight recorder off (it keeps the last minutes on disk, saved by SIGUSR2 or the admin route)')
    .option('--flight-dir <dir>', 'the flight recorder\'s directory (default ./data/flight; saves go to DIR/saved)')
    .addOption(new Option('--flight-minutes <n>', 'minutes the flight recorder keeps (default 10)').argParser(intArg(1, 1440)))
    .addOption(new Option('--flight-max-mb <n>', 'most disk the flight recorder takes, MiB (default 1024)').argParser(intArg(1, 1_048_576)))
    .option('--admin-token-file <file>', 'file holding the admin token of POST /admin/flight/save, mode 0600 (default: $MMO_ADMIN_TOKEN)')
    .addOption(new Option('--db <file>', 'SQLite file for players, inventory and stats (default ./data/zone.db; a world keeps ./data/world.db)').env('MMO_DB'))
    .option('--no-db', 'keep nothing')
    .addOption(new Option('--flush-ticks <n>', 'write changed players every n ticks').argParser(intArg(1, 1_000_000)))
    .option('--world <file>', `run one zone of a world laid out in this file (with --zone-id, --nats and $${JOIN_PUBLIC_KEY_ENV} or --join-public-key-file)`)
    .addOption(new Option('--zone-id <n>', 'which zone of --world').argParser(intArg(1, 65535)))
    .option('--nats <url>', 'NATS server of the world bus')
    .option('--nats-credentials <file>', 'this zone\'s NATS user and password, {"user","password"}, mode 0600 (default: $MMO_NATS_USER, $MMO_NATS_PASSWORD)')
    .option('--join-public-key-file <file>', `the gateway's Ed25519 public key (PEM) that join tokens are checked with (default: $${JOIN_PUBLIC_KEY_ENV}); with it the zone takes no guests`)
    .option('--registry <url>', 'registry HTTP URL to register with')
    .action(async (o: ZoneCommandOptions) => {
      const { runZoneCommand } = await import('./zone.js');
      await runZoneCommand(o, print);
    });

  program.command('master')
    .description('the registry and the gateway of a multi-process world, on one HTTP port')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'HTTP port').argParser(intArg(0, 65535)).default(7700))
    .option('--secret-file <file>', SECRET_FILE_HELP)
    .addOption(refusedSecretOption())
    .option('--join-key-file <file>', `file holding the Ed25519 private key (PEM) that signs join tokens, mode 0600 (default: $${JOIN_KEY_ENV}); zones get its public half`)
    .requiredOption('--world <file>', 'world layout (for the spawn of new players)')
    .option('--db <file>', 'SQLite file of accounts and players', './data/world.db')
    .action(async (o: { host: string; port: number; secretFile?: string; joinKeyFile?: string; world: string; db: string }) => {
      const [{ readLayout }, { startMaster }, { untilStopped }, { joinSigningKey, tokenSecret }, { SERVER_KEYS_ENV, serverKeysFromEnv }] = await Promise.all([
        import('./zone.js'), import('./world.js'), import('./signals.js'), import('./secrets.js'), import('./registryKeys.js'),
      ]);
      const secret = tokenSecret(o);
      if (!secret) throw new Error(`the master needs the gateway's secret (session tokens): set ${SECRET_ENV} or use --secret-file FILE`);
      const joinKey = joinSigningKey(o);
      if (!joinKey) throw new Error(`the master needs the Ed25519 key that signs join tokens: set ${JOIN_KEY_ENV} or use --join-key-file FILE (README: "Running the roles yourself")`);
      const layout = readLayout(o.world);
      const b = layout.zones[0].bounds;
      const serverKeys = serverKeysFromEnv();
      const master = await startMaster({
        host: o.host, port: o.port, secret, joinKey, db: o.db, spawn: { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2, zone: layout.zones[0].serverId },
        serverKeys, zones: layout.zones,
      });
      if (!serverKeys) print(`master: no ${SERVER_KEYS_ENV}: the registry is open, any process that reaches the port may register servers`);
      const stopped = untilStopped(print, 'registry and gateway', () => master.stop());
      print(`master: registry + gateway listening on http://${o.host}:${master.port}/`);
      await stopped;
    });

  program.command('world')
    .description('a world of zones: registry + gateway HTTP API on PORT and zones tiling the map, in one process; with --nats URL, as separate processes (master + one per zone) over that nats-server')
    .addOption(new Option('--zones <n>', 'zones').argParser(intArg(1, 64)).default(4))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'registry + gateway HTTP port; 0 picks a free one').argParser(intArg(0, 65535)).default(7700))
    .addOption(new Option('--zone-size <units>', 'side of one square zone').argParser(intArg(100, 1_000_000)).default(500))
    .addOption(new Option('--seed <n>', 'world seed').argParser(intArg(0, 0xffffffff)).default(1))
    .option('--db <file>', 'SQLite file for players, inventory and stats', './data/world.db')
    .option('--nats <url>', 'NATS URL of the bus (roles then run as separate processes); "auto" starts a nats-server with one user per zone')
    .option('--nats-host <host>', 'with --nats auto: the address nats-server listens on', '127.0.0.1')
    .option('--nats-credentials <dir>', 'with --nats URL: the directory `mmo nats-config` wrote the zones\' credentials into')
    .option('--secret-file <file>', `file holding the gateway's secret (its session tokens), mode 0600 (default: $${SECRET_ENV}, else random per run)`)
    .addOption(refusedSecretOption())
    .action(async (o: { zones: number; host: string; port: number; zoneSize: number; seed: number; db: string; nats?: string; natsHost: string; natsCredentials?: string; secretFile?: string }) => {
      const [{ runWorldCommand }, { newSecret, tokenSecret }] = await Promise.all([import('./world.js'), import('./secrets.js')]);
      await runWorldCommand({
        zones: o.zones, host: o.host, port: o.port, zoneSize: o.zoneSize, seed: o.seed, db: o.db, secret: tokenSecret(o) ?? newSecret(),
        nats: o.nats, natsHost: o.natsHost, natsCredentials: o.natsCredentials,
      }, print);
    });

  program.command('nats-config')
    .description('for operators who run their own nats-server: write its config (one user per zone, each publishing only as itself) and one credentials file per zone, all mode 0600')
    .requiredOption('--out <dir>', 'directory to write nats-server.conf and <server id>.json into (created 0700)')
    .option('--world <file>', 'world layout file (as `mmo zone --world` reads it)')
    .addOption(new Option('--zones <n>', 'or: the zones of `mmo world --zones N`').argParser(intArg(1, 64)))
    .option('--host <host>', 'address nats-server listens on', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port nats-server listens on').argParser(intArg(1, 65535)).default(4222))
    .action(async (o: { out: string; world?: string; zones?: number; host: string; port: number }) => {
      if ((o.world === undefined) === (o.zones === undefined)) throw new Error('give exactly one of --world FILE and --zones N');
      const [{ readLayout }, { worldLayout }, { writeNatsConfig }] = await Promise.all([import('./zone.js'), import('./world.js'), import('./worldNats.js')]);
      // Only the zones' server and zone ids matter here, not their sizes or endpoints.
      const layout = o.world !== undefined ? readLayout(o.world) : worldLayout(o.zones!, 500, '127.0.0.1', Array(o.zones!).fill(0));
      for (const f of writeNatsConfig({ layout, out: o.out, host: o.host, port: o.port })) print(`wrote ${f}`);
      print(`start it with: nats-server -c ${o.out}/nats-server.conf; give each zone its file: mmo zone --nats-credentials ${o.out}/<server id>.json`);
    });

  program.command('bots')
    .description('drive a swarm of WebSocket bots against a zone server and report what they saw; ' +
      'exit 1 when a threshold fails, 3 when the run could not run (no bot connected)')
    .option('--url <url>', 'zone WebSocket URL, e.g. ws://127.0.0.1:7777/ (guests)')
    .option('--gateway <url>', 'gateway of a world, e.g. http://127.0.0.1:7700/: each bot logs in and is routed')
    .addOption(new Option('--count <n>', 'bots').argParser(intArg(1, 100_000)).default(100))
    .addOption(new Option('--duration <s>', 'seconds every bot stays after the ramp').argParser(intArg(1, 86_400)).default(30))
    .addOption(new Option('--behavior <b>', 'what bots do').choices(BEHAVIORS).default('mixed'))
    .addOption(new Option('--ramp <n>', 'bots started per second').argParser(intArg(1, 100_000)).default(200))
    .addOption(new Option('--workers <n>', 'worker threads (default: one per 250 bots, at most the cores)').argParser(intArg(1, 64)))
    .addOption(new Option('--seed <n>', 'seed of the bots\' choices').argParser(intArg(0, 0xffffffff)).default(1))
    .addOption(new Option('--threshold <rule>', 'pass/fail rule on a report figure, e.g. \'server.tickMs.p99<20\' or \'disconnected==0\' ' +
      '(repeatable; without one on "failed", failed==0 applies)').argParser(collectThreshold))
    .option('--json <file>', 'also write the report as JSON')
    .option('--chart <file>', 'write an SVG chart against time: connected bots, server tick p99 (with --url) and KB/s per bot')
    .action(async (o: BotsCommandOptions) => {
      const { runBotsCommand } = await import('./bots.js');
      process.exitCode = await runBotsCommand(o, print);
    });

  return program;
}
