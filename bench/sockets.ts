// The floor under fan-out: what one uWS send costs on this machine. A uWS server sends one
// 120-byte frame per tick to each of N idle WebSocket clients in another process (which only
// count), plain and corked. Prints one JSON line with ms per tick and µs per send.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uWS, type WebSocket } from '../src/runtime/index.js';

const CLIENTS = [500, 2000];
const TICKS = 100;
const results: Record<string, { tickMsP50: number; usPerSend: number }> = {};

for (const n of CLIENTS) {
  const sockets: WebSocket<unknown>[] = [];
  let listen: unknown;
  const app = uWS.App().ws('/*', { open: (ws) => { sockets.push(ws); } });
  const port = await new Promise<number>((r) => app.listen('127.0.0.1', 0, (s) => { listen = s; r(uWS.us_socket_local_port(s)); }));
  const child = spawn(process.execPath, [fileURLToPath(new URL('./lib/idleClients.mjs', import.meta.url)), String(n), String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout!.once('data', r));
  const frame = new Uint8Array(120);
  for (const mode of ['plain', 'corked'] as const) {
    const times: number[] = [];
    for (let t = 0; t < TICKS; t++) {
      const start = performance.now();
      if (mode === 'plain') for (const ws of sockets) ws.send(frame, true);
      else for (const ws of sockets) ws.cork(() => ws.send(frame, true));
      times.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 50));
    }
    times.sort((a, b) => a - b);
    const p50 = times[TICKS >> 1];
    results[`${mode}${n}`] = { tickMsP50: Math.round(p50 * 100) / 100, usPerSend: Math.round((p50 / n) * 10000) / 10 };
  }
  child.stdin!.end();
  uWS.us_listen_socket_close(listen as never);
  for (const ws of sockets) ws.close();
}
process.stdout.write(JSON.stringify({ bench: 'sockets', ticks: TICKS, frameBytes: 120, results }) + '\n');
process.exit(0);
