import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ZoneClient, type CloseInfo } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { startZoneServer } from '../../src/zone/index.js';
import { tempDb, waitFor, walkTo } from '../persistence/helpers.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');

async function startChild(db: string) {
  const child = spawn(process.execPath, [MMO, 'zone', '--port', '0', '--db', db, '--npcs', '0', '--items', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const port = await waitFor('listening', () => Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0), 120_000); // generous: a loaded machine starts processes slowly
  return { child, port, output: () => out };
}

describe('graceful lifecycle', () => {
  it('drains: health says so and new connections are refused while players are saved and told', async () => {
    const server = await startZoneServer({ port: 0, zone: { npcs: 0, items: 0 } }, () => {});
    const c = new ZoneClient({ name: 'stayer', WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${server.port}/`);
    const errors: number[] = [];
    c.on('error', (e) => errors.push(e.code));
    let health = '', lateCode = 0;
    await server.stop(async () => {
      health = ((await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { status: string }).status;
      const late = new WebSocket(`ws://127.0.0.1:${server.port}/`);
      lateCode = await new Promise<number>((r) => late.on('close', (code) => r(code)));
    });
    expect(health).toBe('draining');
    expect(lateCode).toBe(1001);
    await waitFor('the ShuttingDown error', () => errors.includes(ErrorCode.ShuttingDown), 2000);
  });

  it('SIGTERM: clients told, players saved, exit 0 (a drain, not the forced stop, which exits 1)', async () => {
    const db = tempDb('sigterm');
    const { child, port } = await startChild(db);
    const c = new ZoneClient({ name: 'saver', WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${port}/`);
    await walkTo(c, 512, 488);
    const closed = new Promise<CloseInfo>((r) => c.on('close', r));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect((await closed).code).toBe(1001);
    const store = PlayerStore.open(db);
    expect(store.playerByName('saver', 'guest')).toMatchObject({ x: 512, y: 488 });
    store.close();
  }, 240_000);

  it('a Ctrl-C under a launcher that passes signals on (npm, npx) is one request: a drain, exit 0', async () => {
    // As a terminal does: SIGINT to the whole group (the launcher and the server); the launcher
    // passes its own copy on, as npm does, here once the server says it is draining (so that the
    // two never merge into one pending signal, and the copy comes while the server drains).
    const launcher = spawn(process.execPath, ['-e', `
      const child = require('node:child_process').spawn(process.execPath, ${JSON.stringify([MMO, 'zone', '--port', '0', '--db', tempDb('ctrlc'), '--npcs', '0', '--items', '0'])}, { stdio: ['ignore', 'pipe', 'inherit'] });
      let copy = false;
      process.on('SIGINT', () => { copy = true; });
      child.stdout.on('data', (d) => {
        process.stdout.write(d);
        if (copy && String(d).includes('draining')) child.kill('SIGINT');
      });
      child.on('exit', (code) => process.exit(code ?? 1));`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    launcher.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    launcher.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    await waitFor('listening', () => out.includes('listening on'), 120_000);
    process.kill(-launcher.pid!, 'SIGINT');
    const [code] = await once(launcher, 'exit');
    expect(out).toContain('SIGINT: draining');
    expect(out).not.toContain('forcing exit');
    expect(code).toBe(0);
  }, 240_000);

  it('a second signal while draining forces the exit', async () => {
    const { child, output } = await startChild(tempDb('twice'));
    child.kill('SIGTERM');
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('forcing exit');
  }, 240_000);
});
