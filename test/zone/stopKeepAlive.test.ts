import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAndWait, type Started } from '../cli/processes.js';

// A zone stopped (SIGTERM) while an HTTP client holds an idle keep-alive connection, a scraper
// or a browser say: the zone closes it and exits 0. With I/O threads it used to end the
// threads by force after 5 s with the connection open, which aborts the process (SIGABRT);
// on the tick thread alone the connection held the process until uWS's 10 s idle timeout.

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
let zone: Started | undefined;

afterEach(() => {
  if (zone && zone.proc.exitCode === null && zone.proc.signalCode === null) zone.proc.kill('SIGKILL'); // by its own pid
  zone = undefined;
});

/** Sends one keep-alive GET and resolves with the status line, the connection left open. */
async function keepAliveGet(port: number, path: string): Promise<{ socket: Socket; status: string; closedByServer: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const closedByServer = once(socket, 'end').then(() => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  const [first] = await once(socket, 'data') as [Buffer];
  return { socket, status: first.toString().split('\r\n')[0], closedByServer };
}

describe('a zone stopping with an idle keep-alive HTTP connection', () => {
  it.each([0, 1])('closes it and exits 0 (I/O threads: %i)', async (ioThreads) => {
    zone = await startAndWait(process.execPath, [MMO, 'zone', '--port', '0', '--host', '127.0.0.1', '--no-db', '--io-threads', String(ioThreads)],
      /listening on ws:\/\/127\.0\.0\.1:\d+/, { env: { ...process.env, LOG_LEVEL: 'warn' } });
    const port = Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(zone.output())![1]);
    const http = await keepAliveGet(port, '/health');
    expect(http.status).toBe('HTTP/1.1 200 OK');
    const exited = once(zone.proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    zone.proc.kill('SIGTERM');
    await http.closedByServer;
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(zone.output()).not.toContain('io_thread_stuck');
    http.socket.destroy();
  }, 90_000);
});
