// `mmo replay`'s arguments. Its own file so that `mmo replay` loads only this command (bin.ts)
// while `mmo --help` lists it with the others (main.ts); the replay itself loads when it runs.

import { Option, type Command } from 'commander';
import { intArg } from './program.js';
import type { ReplayCommandOptions } from './replay.js';

export function addReplayCommand(program: Command, print: (line: string) => void): Command {
  program.command('replay')
    .description('re-run a recording; exit 0 if every tick matches, 1 naming the first diverging tick, 2 for a bad file, 3 for a file cut short whose ticks all match')
    .argument('<file>', 'replay file (JSON Lines, or gzip when compressed)')
    .option('--json', 'print one JSON line')
    .option('--from <tick>', 'start at the nearest snapshot before this tick (or seconds: 90s)')
    .option('--to <tick>', 'stop after this tick (or seconds: 120s)')
    .addOption(new Option('--workers <n>', 'threads (default: by length and cores)').argParser(intArg(1, 64)))
    .addOption(new Option('--check-every <n>', 'hash the whole state every n ticks, the world and events lanes of every tick between (default 10; 1: every tick in full)').argParser(intArg(1, 1_000_000)))
    .option('--convert <out>', 'write the recording to OUT instead (gzip if OUT ends in .gz, JSON Lines otherwise)')
    .action(async (file: string, o: ReplayCommandOptions) => {
      const { runReplayCommand } = await import('./replay.js');
      process.exitCode = await runReplayCommand(file, o, print);
    });
  return program;
}
