import { FrameCapture } from './src/replay/capture.ts';
import { ChangeLogger } from './src/replay/changeLog.ts';
import { DEFAULT_ZONE, Scenario, generateZone, stateHash, stepZone, serializeSnapshot } from './src/sim/index.ts';
const w = generateZone(DEFAULT_ZONE, 20261202);
const sc = new Scenario(w, { players: 1000, seed: 20261202 });
const cap = new FrameCapture(w);
const log = new ChangeLogger(cap.table);
log.reset(cap.capture());
let tc = 0, tl = 0, ts = 0, tj = 0, len = 0, N = 600;
for (let t = 0; t < N; t++) {
  const inputs = sc.next(); stepZone(w, inputs); stateHash(w);
  const a = performance.now(); const f = cap.capture(); const b = performance.now();
  const l = log.line(f); const c = performance.now();
  JSON.stringify(inputs); const d = performance.now();
  tc += b - a; tl += c - b; tj += d - c; len += l?.length ?? 0;
  if (t === N - 1) console.log('n', f.n, 'bytes', f.buffer.byteLength, l?.slice(0, 600));
}
const a = performance.now(); const snap = serializeSnapshot(w); ts = performance.now() - a;
console.log({ captureMs: tc / N, logMs: tl / N, jsonMs: tj / N, lineBytes: len / N, snapshotMs: ts, snapBytes: snap.length });
