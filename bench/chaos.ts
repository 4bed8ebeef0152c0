// Chaos: a 4-zone multi-process world (nats-server, master, zone processes, one SQLite file)
// with bots logging in through the gateway and walking across zone borders, while zone
// processes are SIGKILLed at random and nats-server is restarted (bench/lib/chaos.ts). Prints
// one JSON line: what held (names in two zones, zones back, bots back, items, integrity) and
// the handoffs completed, recalled and lost.
//
//   npm run bench -- chaos [--seconds 60] [--bots 20] [--kills N] [--nats-restarts N] [--seed 1] [--heal-seconds 15]
//   (defaults: a kill every 10 s, a nats-server restart every 30 s; CI runs a short one through
//   test/reliability/chaos.test.ts)

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from './lib/chaos.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    bots: { type: 'string', default: '20' },
    kills: { type: 'string' },
    'nats-restarts': { type: 'string' },
    seed: { type: 'string', default: '1' },
    'heal-seconds': { type: 'string', default: '15' },
  },
});
const seconds = Number(values.seconds);
for (const [k, v] of Object.entries(values)) {
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= 0)) throw new Error(`--${k} must be a whole number, got ${v}`);
}
const report = await runChaos({
  seconds, bots: Number(values.bots), seed: Number(values.seed),
  zoneKills: Number(values.kills ?? Math.max(1, Math.floor(seconds / 10))),
  natsRestarts: Number(values['nats-restarts'] ?? Math.max(1, Math.floor(seconds / 30))),
  healTimeS: Number(values['heal-seconds']),
  db: join(mkdtempSync(join(tmpdir(), 'mmo-chaos-')), 'world.db'),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ bench: 'chaos', ...report })}\n`);
