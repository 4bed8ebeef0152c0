import { Worker } from 'node:worker_threads';
const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => {});`, { eval: true });
const sab = new Uint8Array(new SharedArrayBuffer(200000)), ab = new Uint8Array(200000), src = new Uint8Array(110000);
const T: Record<string, number[]> = { str12k: [], frameObj: [], both: [], copySab: [], copyAb: [], tiny: [] };
const line = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ type: 'move', session: i, seq: i * 7, x: 123.456 + i, y: 654.321 })));
const frame = { tick: 1, n: 1301, slot: 3, seq: 9, bits: Array.from({ length: 19 }, (_, i) => 1 << i), nextNetId: 5, rng: [1, 2, 3, 4], itemRespawns: [1, 2, 3], names: [] };
for (let i = 0; i < 400; i++) {
  let a = performance.now(); w.postMessage({ op: 'tick', line }); T.str12k.push(performance.now() - a);
  a = performance.now(); w.postMessage({ op: 'tick', frame }); T.frameObj.push(performance.now() - a);
  a = performance.now(); w.postMessage({ op: 'tick', line, frame }); T.both.push(performance.now() - a);
  a = performance.now(); w.postMessage(7); T.tiny.push(performance.now() - a);
  a = performance.now(); sab.set(src, 0); T.copySab.push(performance.now() - a);
  a = performance.now(); ab.set(src, 0); T.copyAb.push(performance.now() - a);
  await new Promise((r) => setTimeout(r, 5));
}
const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length * p)];
for (const [k, xs] of Object.entries(T)) console.log(k, 'p50', Math.round(q(xs, 0.5) * 1000), 'us');
console.log('line bytes', line.length);
await w.terminate();
