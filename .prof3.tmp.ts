import { FrameCapture } from './src/replay/capture.ts';
import { ThreadSink } from './src/replay/sinkClient.ts';
import { tickLine } from './src/replay/writer.ts';
import { DEFAULT_ZONE, HASH_PARTS, Scenario, generateZone, stateHash, stepZone, serializeSnapshot } from './src/sim/index.ts';
const w = generateZone(DEFAULT_ZONE, 20261202);
const sc = new Scenario(w, { players: 1000, seed: 20261202 });
const cap = new FrameCapture(w);
const sink = new ThreadSink();
sink.send({ op: 'open', path: '/tmp/flightcmp/x.gz', gzip: true, header: '{}', tick: w.tick, snapshot: serializeSnapshot(w), table: cap.table, frame: cap.capture(sink.frameTarget(cap.size())) });
const T: Record<string, number[]> = { step: [], hash: [], cap: [], line: [], post: [], snap: [] };
for (let t = 0; t < 600; t++) {
  const inputs = sc.next();
  const z = performance.now(); stepZone(w, inputs); const y = performance.now(); const h = stateHash(w);
  const a = performance.now();
  const f = cap.capture(sink.frameTarget(cap.size())); const b = performance.now();
  const line = tickLine(w.tick, JSON.stringify(inputs), h.hex, HASH_PARTS.map((k) => h.parts[k])); const c = performance.now();
  const snap = w.tick % 200 === 0 ? serializeSnapshot(w) : undefined; const d = performance.now();
  sink.send({ op: 'tick', tick: w.tick, line, frame: f, ...(snap ? { snapshot: snap } : {}) }); const e = performance.now();
  if (t > 100) { T.step.push(y - z); T.hash.push(a - y); T.cap.push(b - a); T.line.push(c - b); T.snap.push(d - c); T.post.push(e - d); }
  await new Promise((r) => setTimeout(r, 20));
}
sink.close();
const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length * p)];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
for (const [k, xs] of Object.entries(T)) console.log(k, 'p50', Math.round(q(xs, 0.5) * 1000), 'us  mean', Math.round(mean(xs) * 1000), 'us  max', Math.round(Math.max(...xs) * 1000));
