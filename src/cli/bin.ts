#!/usr/bin/env node
// The `mmo` command's entry: parses the arguments (main.ts) and turns errors into exit codes:
// 2 for bad arguments or a refused start, the subcommand's own code otherwise. `mmo replay`
// builds a program of that one command, so it starts without loading the other commands' modules.

import type { Command } from 'commander';

async function program(): Promise<Command> {
  if (process.argv[2] === 'replay') {
    const [{ baseProgram, printLine }, { addReplayCommand }] = await Promise.all([import('./program.js'), import('./replayCommand.js')]);
    return addReplayCommand(baseProgram(), printLine);
  }
  return (await import('./main.js')).buildProgram();
}

async function main(): Promise<void> {
  try {
    await (await program()).parseAsync(process.argv);
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
