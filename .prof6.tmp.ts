import { $internal } from 'bitecs';
import { FrameCapture, frameLayout } from './src/replay/capture.ts';
import { DEFAULT_ZONE, Scenario, generateZone, stepZone } from './src/sim/index.ts';
const w = generateZone(DEFAULT_ZONE, 20261202);
const sc = new Scenario(w, { players: 1000, seed: 20261202 });
for (let t = 0; t < 50; t++) stepZone(w, sc.next());
const cap = new FrameCapture(w);
const sab = new Uint8Array(new SharedArrayBuffer(400000));
const ecs = (w.ecs as any)[$internal];
const T: Record<string, number[]> = { full: [], size: [], masks: [], layout: [] };
for (let i = 0; i < 400; i++) {
  let a = performance.now(); cap.capture({ bytes: sab, slot: 0, seq: 0 }); T.full.push(performance.now() - a);
  a = performance.now(); cap.size(); T.size.push(performance.now() - a);
  a = performance.now(); const src = ecs.entityMasks[0]; const m = new Int32Array(sab.buffer, 0, 1301); for (let e = 0; e < 1301; e++) m[e] = src[e] ?? 0; T.masks.push(performance.now() - a);
  a = performance.now(); frameLayout(cap.table, 1301); T.layout.push(performance.now() - a);
  await new Promise((r) => setTimeout(r, 5));
}
const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length * p)];
for (const [k, xs] of Object.entries(T)) console.log(k, 'p50', Math.round(q(xs, 0.5) * 1000), 'us');
console.log(ecs.entityMasks[0].length, ecs.entityMasks.length);
const ab = new Uint8Array(400000);
const cols = Object.values(w.c).flatMap((c) => Object.values(c as any)) as any[];
const U: Record<string, number[]> = { fullAb: [], colsSab: [], colsAb: [], bits: [], rest: [] };
for (let i = 0; i < 400; i++) {
  let a = performance.now(); cap.capture({ bytes: ab, slot: 0, seq: 0 }); U.fullAb.push(performance.now() - a);
  a = performance.now(); let at = 0; for (const c of cols) { sab.set(new Uint8Array(c.buffer, c.byteOffset, 1301 * c.BYTES_PER_ELEMENT), at); at += 5204; } U.colsSab.push(performance.now() - a);
  a = performance.now(); at = 0; for (const c of cols) { ab.set(new Uint8Array(c.buffer, c.byteOffset, 1301 * c.BYTES_PER_ELEMENT), at); at += 5204; } U.colsAb.push(performance.now() - a);
  a = performance.now(); Object.values(w.c).map((c) => ecs.componentMap.get(c)?.bitflag ?? 0); U.bits.push(performance.now() - a);
  a = performance.now(); [...w.rng.state]; w.itemRespawns.slice(); w.joined.map((j) => [j.netId, j.name]); U.rest.push(performance.now() - a);
  await new Promise((r) => setTimeout(r, 5));
}
for (const [k, xs] of Object.entries(U)) console.log(k, 'p50', Math.round(q(xs, 0.5) * 1000), 'us');
