// `mmo bots` as a CI job runs it, against a real zone server on loopback: the report, its JSON
// and chart, thresholds deciding the exit code, a run that cannot run, and the report on SIGTERM
// (also when a launcher passes the signal on a second time).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bus/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { startWorld } from '../../src/cli/world.js';
import { waitUntil } from '../cli/processes.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const dir = mkdtempSync(join(tmpdir(), 'mmo-bots-'));
let server: ZoneServer;
let url: string;

beforeAll(async () => {
  server = await startZoneServer({ port: 0, seed: 4 }, () => {}); // its join/leave log is not under test
  url = `ws://127.0.0.1:${server.port}/`;
});

afterAll(async () => {
  await server.stop();
});

interface Run { code: number | null; out: string; err: string }

/**
 * Runs `mmo bots ARGS` as a child (asynchronously: the server under test shares this event
 * loop); `during` runs alongside, given the child. Killed if it runs past 90 s.
 */
function bots(args: string[], during?: (child: ChildProcess) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MMO, 'bots', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    void during?.(p);
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const limit = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`mmo bots did not finish: ${out.slice(-500)}`));
    }, 90_000);
    p.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, out, err });
    });
  });
}

describe('mmo bots', () => {
  it('exit 0 when the thresholds hold; writes the JSON report and a chart against time', async () => {
    const file = join(dir, 'report.json');
    const r = await bots(['--url', url, '--count', '10', '--duration', '3', '--ramp', '20', '--json', file, '--chart', `${file}.svg`,
      '--threshold', 'disconnected==0', '--threshold', 'connected>=10', '--threshold', 'server.tickMs.p99<1000']);
    expect(r.out).toContain('connected 10, failed 0');
    expect(r.out).toMatch(/pass {2}disconnected==0 {2}\(0\)/);
    expect(r.out).toMatch(/pass {2}failed==0/);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    for (const k of ['connected', 'failed', 'disconnected', 'loginRetries', 'framesPerBotPerSec', 'bytesPerBotPerSec']) expect(typeof json[k]).toBe('number');
    expect(Object.keys(json.rttMs)).toEqual(expect.arrayContaining(['p50', 'p99']));
    expect(Object.keys(json.server)).toEqual(expect.arrayContaining(['tickMs', 'missedTicks']));
    expect(json.connected).toBe(10);
    const svg = readFileSync(`${file}.svg`, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('seconds since start');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"[^>]*><title>([^<]+)</g)].map((m) => ({ name: m[2], points: m[1].split(' ') }));
    // Two panels (tick time, KB/s per bot), each with the connected bots as a series.
    expect(lines.map((l) => l.name)).toEqual(['tick p99 ms', 'connected bots', 'KB/s per bot', 'connected bots']);
    // x is time: one sample a second, so x never goes back along the line and spans the run
    // (on a busy machine a late sample and the next one can land on the same x).
    const xs = lines[1].points.map((p) => Number(p.split(',')[0]));
    expect(xs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThanOrEqual(xs[i - 1]);
    expect(xs[xs.length - 1]).toBeGreaterThan(xs[0]);
  }, 120_000);

  it('logs every bot in through a world\'s gateway and is routed to a zone', async () => {
    const world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 6, db: join(dir, 'world.db'), npcs: 0, items: 0 });
    try {
      const r = await bots(['--gateway', `http://127.0.0.1:${world.port}/`, '--count', '4', '--duration', '1', '--ramp', '20', '--threshold', 'connected==4']);
      expect(r.out).toContain('connected 4, failed 0');
      expect(r.out).toMatch(/pass {2}connected==4/);
      expect(r.code).toBe(0);
    } finally {
      await world.stop();
    }
  }, 120_000);

  it('exit 1 naming the threshold that failed', async () => {
    const r = await bots(['--url', url, '--count', '3', '--duration', '1', '--ramp', '20', '--threshold', 'server.tickMs.p99<0', '--threshold', 'connected==3']);
    expect(r.out).toMatch(/FAIL {2}server\.tickMs\.p99<0 {2}\(\d/);
    expect(r.out).toMatch(/pass {2}connected==3/);
    expect(r.code).toBe(1);
  }, 120_000);

  it('exit 3 when no bot could join (nothing listens on the port), without waiting out the duration', async () => {
    const dead = await freePort();
    // (A 600 s hold: the run ends long before, once every bot is gone, or bots() gives up at 90 s.)
    const r = await bots(['--url', `ws://127.0.0.1:${dead}/`, '--count', '5', '--duration', '600', '--ramp', '50']);
    expect(r.out).toMatch(/could not run: no bot joined \(5× /);
    expect(r.code).toBe(3);
  }, 120_000);

  it('exit 2 with the reason for a threshold that does not parse or names no figure', async () => {
    const bad = await bots(['--url', url, '--threshold', 'tick<<3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("threshold 'tick<<3': expected FIGURE OP NUMBER");
    const unknown = await bots(['--url', url, '--threshold', 'server.tickMs.p95<20']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no figure 'server.tickMs.p95'");
  }, 120_000);

  it('a launcher passing the signal on at once (npx, npm) is not a second signal: the report still comes', async () => {
    const r = await bots(['--url', url, '--count', '2', '--duration', '600', '--ramp', '20'], async (child) => {
      if (!(await waitUntil(() => server.status().players >= 2, 60_000))) return;
      // The copy comes the moment the first is taken (two sent at once would merge into one
      // pending signal), while the bots are still being stopped.
      child.stdout!.on('data', (d: string) => { if (d.includes('stopping the bots')) child.kill('SIGINT'); });
      child.kill('SIGINT');
    });
    expect(r.out).toContain('SIGINT: stopping the bots; the report follows');
    expect(r.out).toContain('(interrupted)');
    expect(r.code).toBe(0);
  }, 120_000);

  it('prints the final report on SIGTERM and exits', async () => {
    let signalled = false;
    const r = await bots(['--url', url, '--count', '4', '--duration', '600', '--ramp', '20'], async (child) => {
      // Once every bot is on the server, interrupt the 600 s run.
      if (await waitUntil(() => server.status().players === 4, 60_000)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(r.out).toContain('SIGTERM: stopping the bots; the report follows');
    expect(r.out).toContain('(interrupted)');
    expect(r.out).toContain('connected 4, failed 0');
    expect(r.code).toBe(0);
  }, 120_000);
});
