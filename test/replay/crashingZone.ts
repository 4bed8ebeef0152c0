// A zone process that dies of an uncaught error after `ticks` ticks (argv: flight dir, ticks),
// with the crash handler `mmo zone` installs: the flight-crash test runs it as a real process.

import { saveFlightOnCrash } from '../../src/cli/signals.js';
import { startZoneServer } from '../../src/zone/index.js';

const [dir, ticks] = process.argv.slice(2);
const server = await startZoneServer({ port: 0, zone: { npcs: 30, items: 5 }, flight: { dir } }, () => {});
saveFlightOnCrash(server, (line) => process.stdout.write(`${line}\n`));
const timer = setInterval(() => {
  if (server.world.tick < Number(ticks)) return;
  clearInterval(timer);
  throw new Error('a bug in the tick');
}, 20);
