// The floor under fan-out: what one uWS send costs on this machine. A uWS server sends one frame
// per tick to each of N idle WebSocket clients in another process (which only count), plain
// and corked, for frames of several sizes. Run it on one core and the clients go to another, as
// in bench/ccu (`taskset -c 0 npx tsx bench/sockets.ts`: the clients are pinned to core 1 when
// taskset is there). Prints one JSON line with ms per tick and µs per send per case.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uWS, type WebSocket } from '../src/runtime/index.js';

const CLIENTS = [500, 2500];
const FRAME_BYTES = [16, 120, 1024];
const TICKS = 60;
const CLIENTS_SCRIPT = fileURLToPath(new URL('./lib/idleClients.mjs', import.meta.url));
const PINNED = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
const results: Record<string, { tickMsP50: number; usPerSend: number }> = {};

/** Median ms of TICKS rounds of one send to every socket, a tick apart. */
async function sendRounds(sockets: WebSocket<unknown>[], frame: Uint8Array, corked: boolean): Promise<number> {
  const times: number[] = [];
  for (let t = 0; t < TICKS; t++) {
    const start = performance.now();
    if (corked) for (const ws of sockets) ws.cork(() => ws.send(frame, true));
    else for (const ws of sockets) ws.send(frame, true);
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 50));
  }
  return times.sort((a, b) => a - b)[TICKS >> 1];
}

for (const n of CLIENTS) {
  const sockets: WebSocket<unknown>[] = [];
  let listen: unknown;
  const app = uWS.App().ws('/*', { open: (ws) => { sockets.push(ws); } });
  const port = await new Promise<number>((r) => app.listen('127.0.0.1', 0, (s) => { listen = s; r(uWS.us_socket_local_port(s)); }));
  const node = [process.execPath, CLIENTS_SCRIPT, String(n), String(port)];
  const [cmd, ...args] = PINNED ? ['taskset', '-c', '1', ...node] : node;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout!.once('data', r));
  for (const bytes of FRAME_BYTES) {
    for (const corked of [false, true]) {
      const p50 = await sendRounds(sockets, new Uint8Array(bytes), corked);
      results[`${corked ? 'corked' : 'plain'}${n}x${bytes}B`] = { tickMsP50: Math.round(p50 * 100) / 100, usPerSend: Math.round((p50 / n) * 10000) / 10 };
    }
  }
  child.stdin!.end();
  uWS.us_listen_socket_close(listen as never);
  for (const ws of sockets) ws.close();
}
process.stdout.write(JSON.stringify({ bench: 'sockets', ticks: TICKS, clientsPinned: PINNED ? 'core 1' : 'any', results }) + '\n');
process.exit(0);
