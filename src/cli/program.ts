// The `mmo` program before its commands: name, version, error handling and the refusal of
// secrets on command lines; and the integer argument parser the commands share. Light on purpose:
// `mmo replay` builds its program from this and its one command, without the others' modules.

import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { SECRET_ENV, secretOnCommandLine } from './secrets.js';

/** An option's parser: an integer in [min, max], or a usage error. */
export function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

/** The version in package.json, which sits two levels up from src/cli and from dist/cli alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Where commands print by default: a line on stdout. */
export function printLine(line: string): void {
  process.stdout.write(line + '\n');
}

/** The `mmo` program with no command yet. */
export function baseProgram(): Command {
  return new Command('mmo')
    .description('Deterministic MMO zone server: simulation, replay, zone server, bots')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_program, command) => {
      if (command.opts().secret !== undefined) throw secretOnCommandLine('--secret', SECRET_ENV, '--secret-file FILE');
    });
}
