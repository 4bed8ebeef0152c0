import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { createLog } from '../../src/runtime/index.js';
import { waitFor } from '../persistence/helpers.js';

describe('structured logs', () => {
  it('a zone process writes one JSON line per session event on stderr', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../src/cli/mmo.js'), 'zone', '--port', '0', '--no-db', '--npcs', '0', '--items', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const port = await waitFor('listening', () => Number(/ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1] ?? 0), 15_000);
    const c = new ZoneClient({ name: 'logged', WebSocket: WebSocket as never });
    await c.connect(`ws://127.0.0.1:${port}/`);
    c.close();
    await waitFor('the leave line', () => err.includes('"leave"'), 5000);
    child.kill('SIGTERM');
    await once(child, 'exit');
    const lines = err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const join1 = lines.find((l) => l.event === 'join')!;
    const leave = lines.find((l) => l.event === 'leave')!;
    expect(join1).toMatchObject({ level: 30, name: 'logged', zone: 'meadow', msg: 'player joined' });
    expect(typeof join1.session).toBe('string');
    expect(typeof join1.time).toBe('string');
    expect(leave).toMatchObject({ level: 30, session: join1.session, by: 'client', code: 1000 });
  });

  it('is human-readable when asked for a terminal', () => {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (d: Buffer) => { text += d.toString(); });
    createLog({ pretty: true, destination: sink }).info({ event: 'join', name: 'ann' }, 'player joined');
    expect(text).toContain('INFO');
    expect(text).toContain('player joined');
    expect(text.trimStart().startsWith('{')).toBe(false);
  });
});
