// The `mmo` command. Each subcommand lives in its own file; this one only parses arguments.

import { Command, InvalidArgumentError, Option } from 'commander';
import { formatSimReport, runSim } from './sim.js';
import { runReplayCommand, type ReplayCommandOptions } from './replay.js';
import { readLayout, runZoneCommand, type ZoneCommandOptions } from './zone.js';
import { runBotsCommand, type BotsCommandOptions } from './bots.js';
import { BEHAVIORS } from '../bots/index.js';
import { runWorldCommand, startMaster, type WorldOptions } from './world.js';
import { untilStopped } from './signals.js';

function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

export function buildProgram(print: (line: string) => void = (l) => process.stdout.write(l + '\n')): Command {
  const program = new Command('mmo')
    .description('Deterministic MMO zone server: simulation, replay, zone server, bots')
    .showHelpAfterError()
    .exitOverride();

  program.command('sim')
    .description('run a generated zone headless (no network) and print tick figures and the final state hash')
    .addOption(new Option('--entities <n>', 'entities in the zone (10% players, 1% items, rest NPCs)').argParser(intArg(1, 2_000_000)).default(10_000))
    .addOption(new Option('--ticks <n>', 'ticks to run').argParser(intArg(1, 10_000_000)).default(200))
    .addOption(new Option('--seed <n>', 'world seed').argParser(intArg(0, 0xffffffff)).default(1))
    .addOption(new Option('--warmup <n>', 'ticks run before measuring').argParser(intArg(0, 1_000_000)).default(0))
    .option('--record <file>', 'write a replay file')
    .option('--json', 'print one JSON line')
    .action((o: { entities: number; ticks: number; seed: number; warmup: number; record?: string; json?: boolean }) => {
      const report = runSim(o);
      print(o.json ? JSON.stringify(report) : formatSimReport(report));
    });

  program.command('replay')
    .description('re-run a recording; exit 0 if every tick matches, 1 naming the first diverging tick, 2 for a bad file, 3 for a file cut short whose ticks all match')
    .argument('<file>', 'replay file (JSON Lines, or gzip when compressed)')
    .option('--json', 'print one JSON line')
    .option('--from <tick>', 'start at the nearest snapshot before this tick (or seconds: 90s)')
    .option('--to <tick>', 'stop after this tick (or seconds: 120s)')
    .addOption(new Option('--workers <n>', 'threads (default: by length and cores)').argParser(intArg(1, 64)))
    .option('--convert <out>', 'write the recording to OUT instead (gzip if OUT ends in .gz, JSON Lines otherwise)')
    .action(async (file: string, o: ReplayCommandOptions) => {
      process.exitCode = await runReplayCommand(file, o, print);
    });

  program.command('zone')
    .description('run a zone server: WebSocket clients at ws://HOST:PORT/, HTTP /health /status /metrics')
    .option('--config <file>', 'JSON file of server options (flags override it)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port; 0 picks a free one and prints it').argParser(intArg(0, 65535)).default(7777))
    .addOption(new Option('--seed <n>', 'world seed').argParser(intArg(0, 0xffffffff)))
    .addOption(new Option('--tick-rate <hz>', 'ticks per second of wall time').argParser(intArg(1, 250)))
    .addOption(new Option('--npcs <n>', 'patrolling NPCs').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--items <n>', 'ground items').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--size <units>', 'square zone side').argParser(intArg(100, 1_000_000)))
    .addOption(new Option('--spawn-radius <units>', 'new players appear this far around the spawn point').argParser(intArg(0, 1_000_000)))
    .addOption(new Option('--idle-timeout <s>', 'close clients idle this long').argParser(intArg(1, 86_400)))
    .option('--record <file>', 'record the session to a replay file')
    .option('--db <file>', 'SQLite file for players, inventory and stats', './data/world.db')
    .option('--no-db', 'keep nothing')
    .addOption(new Option('--flush-ticks <n>', 'write changed players every n ticks').argParser(intArg(1, 1_000_000)))
    .option('--world <file>', 'run one zone of a world laid out in this file (with --zone-id, --nats, --secret)')
    .addOption(new Option('--zone-id <n>', 'which zone of --world').argParser(intArg(1, 65535)))
    .option('--nats <url>', 'NATS server of the world bus')
    .option('--secret <s>', 'shared secret of tokens, bus and registry')
    .option('--registry <url>', 'registry HTTP URL to register with')
    .action((o: ZoneCommandOptions) => runZoneCommand(o, print));

  program.command('master')
    .description('the registry and the gateway of a multi-process world, on one HTTP port')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'HTTP port').argParser(intArg(0, 65535)).default(7700))
    .requiredOption('--secret <s>', 'shared secret of tokens and the registry')
    .requiredOption('--world <file>', 'world layout (for the spawn of new players)')
    .option('--db <file>', 'SQLite file of accounts and players', './data/world.db')
    .option('--nats <url>', 'also take registry heartbeats (load reports) over this NATS bus')
    .action(async (o: { host: string; port: number; secret: string; world: string; db: string; nats?: string }) => {
      const layout = readLayout(o.world);
      const b = layout.zones[0].bounds;
      const master = await startMaster({ host: o.host, port: o.port, secret: o.secret, db: o.db, nats: o.nats, spawn: { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2, zone: layout.zones[0].serverId } });
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
    .option('--nats <url>', 'NATS URL of the bus (roles then run as separate processes); "auto" starts a nats-server on 127.0.0.1')
    .option('--secret <s>', 'shared secret of tokens and the bus (default: random per run)')
    .action((o: { zones: number; host: string; port: number; zoneSize: number; seed: number; db: string; nats?: string; secret?: string }) =>
      runWorldCommand({ zones: o.zones, host: o.host, port: o.port, zoneSize: o.zoneSize, seed: o.seed, db: o.db, nats: o.nats, secret: o.secret } satisfies WorldOptions, print));

  program.command('bots')
    .description('drive a swarm of WebSocket bots against a zone server and report what they saw')
    .option('--url <url>', 'zone WebSocket URL, e.g. ws://127.0.0.1:7777/ (guests)')
    .option('--gateway <url>', 'gateway of a world, e.g. http://127.0.0.1:7700/: each bot logs in and is routed')
    .addOption(new Option('--count <n>', 'bots').argParser(intArg(1, 100_000)).default(100))
    .addOption(new Option('--duration <s>', 'seconds every bot stays after the ramp').argParser(intArg(1, 86_400)).default(30))
    .addOption(new Option('--behavior <b>', 'what bots do').choices(BEHAVIORS).default('mixed'))
    .addOption(new Option('--ramp <n>', 'bots started per second').argParser(intArg(1, 100_000)).default(200))
    .addOption(new Option('--workers <n>', 'worker threads (default: one per 250 bots, at most the cores)').argParser(intArg(1, 64)))
    .addOption(new Option('--seed <n>', 'seed of the bots\' choices').argParser(intArg(0, 0xffffffff)).default(1))
    .option('--json <file>', 'also write the report as JSON')
    .option('--chart <file>', 'write an SVG chart of server tick time and KB/s per bot against connected bots (needs --url)')
    .action((o: BotsCommandOptions) => runBotsCommand(o, print));

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    const code = (e as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
      return;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}

await main();
