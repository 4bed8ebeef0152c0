#!/usr/bin/env node
// The `mmo` command's entry: parses the arguments (main.ts) and turns errors into exit codes:
// 2 for bad arguments or a refused start, the subcommand's own code otherwise.

import { buildProgram } from './main.js';

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
