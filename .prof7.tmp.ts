import { Worker } from 'node:worker_threads';
const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => {});`, { eval: true });
const inputs = Array.from({ length: 200 }, (_, i) => ({ type: 'move', session: i, seq: i * 7, x: 123.456 + i, y: 654.321 }));
const T: Record<string, number[]> = { wake: [], cloneInputs: [], stringify: [], postString: [] };
for (let i = 0; i < 400; i++) {
  let a = performance.now(); w.postMessage(1); T.wake.push(performance.now() - a);
  a = performance.now(); w.postMessage(inputs); T.cloneInputs.push(performance.now() - a);
  a = performance.now(); const s = JSON.stringify(inputs); T.stringify.push(performance.now() - a);
  a = performance.now(); w.postMessage(s); T.postString.push(performance.now() - a);
  await new Promise((r) => setTimeout(r, 5));
}
const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length * p)];
for (const [k, xs] of Object.entries(T)) console.log(k, 'p50', Math.round(q(xs, 0.5) * 1000), 'us');
await w.terminate();
