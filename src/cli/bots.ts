// `mmo bots`: a swarm of real WebSocket clients against a zone server, with a live progress
// line on a terminal (plain log lines otherwise) and a final report, optionally as JSON.

import { writeFileSync } from 'node:fs';
import { clearLine, cursorTo } from 'node:readline';
import { formatReport, runSwarm, type BehaviorName, type SwarmProgress } from '../bots/index.js';

export interface BotsCommandOptions {
  url?: string;
  gateway?: string;
  count: number;
  duration: number;
  behavior: BehaviorName;
  ramp: number;
  workers?: number;
  seed: number;
  json?: string;
}

function progressLine(p: SwarmProgress): string {
  return `[${p.elapsedS.toFixed(1)}s] connected ${p.connected}/${p.started}  failed ${p.failed}  ` +
    `disconnected ${p.disconnected}  errors ${p.errors}  ${p.framesPerSec} frames/s  rtt ${p.rttMs} ms`;
}

export async function runBotsCommand(o: BotsCommandOptions, print: (line: string) => void): Promise<void> {
  if (!o.url && !o.gateway) throw new Error('give --url (a zone) or --gateway (log in and be routed)');
  const tty = process.stdout.isTTY === true;
  let lastLog = 0;
  const report = await runSwarm(
    { url: o.url ?? '', gateway: o.gateway, count: o.count, durationS: o.duration, behavior: o.behavior, ramp: o.ramp, workers: o.workers, seed: o.seed },
    (p) => {
      if (tty) {
        clearLine(process.stdout, 0);
        cursorTo(process.stdout, 0);
        process.stdout.write(progressLine(p));
      } else if (p.elapsedS - lastLog >= 5) {
        lastLog = p.elapsedS;
        print(progressLine(p));
      }
    },
  );
  if (tty) process.stdout.write('\n');
  print(formatReport(report));
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
}
