// Child process for bench/sockets: N WebSocket clients that only count what they receive.
import WebSocket from 'ws';

const [n, port] = process.argv.slice(2).map(Number);
let open = 0;
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on('open', () => { if (++open === n) process.stdout.write('open\n'); });
  ws.on('message', () => {});
}
process.stdin.on('end', () => process.exit(0)); // the parent closes stdin to stop us
process.stdin.resume();
