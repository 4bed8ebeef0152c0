import { Worker } from 'node:worker_threads';
const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { if (m.buf) parentPort.postMessage({ buf: m.buf }, [m.buf]); });`, { eval: true });
const pool: ArrayBuffer[] = [];
w.on('message', (m) => pool.push(m.buf));
const T = { transfer: 0, plain: 0, small: 0 }; let N = 0;
for (let i = 0; i < 300; i++) {
  const buf = pool.pop() ?? new ArrayBuffer(120000);
  const a = performance.now();
  w.postMessage({ op: 'tick', line: 'x'.repeat(2000), buf, rng: [1, 2, 3, 4], names: [] }, [buf]);
  const b = performance.now();
  w.postMessage({ op: 'tick', line: 'x'.repeat(2000), rng: [1, 2, 3, 4], names: [] });
  const c = performance.now();
  w.postMessage('x');
  const d = performance.now();
  if (i > 20) { T.transfer += b - a; T.plain += c - b; T.small += d - c; N++; }
  await new Promise((r) => setTimeout(r, 20));
}
for (const k of Object.keys(T)) (T as any)[k] = Math.round((T as any)[k] / N * 1000) + 'us';
console.log(T); await w.terminate();
