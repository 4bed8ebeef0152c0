// `mmo bots`: a swarm of real WebSocket clients against a zone server, with a live progress
// line on a terminal (plain log lines otherwise) and a final report, optionally as JSON.

import { writeFileSync } from 'node:fs';
import { clearLine, cursorTo } from 'node:readline';
import { formatReport, readStatus, runSwarm, type BehaviorName, type SwarmProgress } from '../bots/index.js';
import { lineChart } from '../metrics/index.js';

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
  /** Write an SVG chart of server tick time and KB/s per bot against connected bots. */
  chart?: string;
}

function progressLine(p: SwarmProgress): string {
  return `[${p.elapsedS.toFixed(1)}s] connected ${p.connected}/${p.started}  failed ${p.failed}  ` +
    `disconnected ${p.disconnected}  errors ${p.errors}  ${p.framesPerSec} frames/s  rtt ${p.rttMs} ms`;
}

export async function runBotsCommand(o: BotsCommandOptions, print: (line: string) => void): Promise<void> {
  if (!o.url && !o.gateway) throw new Error('give --url (a zone) or --gateway (log in and be routed)');
  const tty = process.stdout.isTTY === true;
  let lastLog = 0;
  const samples: { bots: number; tickP99: number; kbPerBot: number }[] = [];
  const report = await runSwarm(
    { url: o.url ?? '', gateway: o.gateway, count: o.count, durationS: o.duration, behavior: o.behavior, ramp: o.ramp, workers: o.workers, seed: o.seed },
    (p) => {
      if (o.chart && o.url && p.connected > 0) {
        void readStatus(o.url).then((s) => {
          if (typeof s !== 'string') samples.push({ bots: p.connected, tickP99: s.tickMs.p99, kbPerBot: p.bytesPerSec / p.connected / 1000 });
        });
      }
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
  if (o.chart) {
    writeFileSync(o.chart, lineChart({
      title: `${o.count} bots (${o.behavior}) against ${o.url ?? o.gateway}`, xLabel: 'connected bots',
      leftLabel: 'server tick p99 (ms)', rightLabel: 'KB/s per bot',
      series: [
        { name: 'tick p99 ms', axis: 'left', points: samples.map((s) => [s.bots, s.tickP99] as const) },
        { name: 'KB/s per bot', axis: 'right', points: samples.map((s) => [s.bots, s.kbPerBot] as const) },
      ],
    }));
    print(`chart written to ${o.chart} (${samples.length} samples)`);
  }
}
