// `mmo replay FILE`: exit 0 when every tick's hash matches, 1 at the first divergence,
// 2 when the file is missing, truncated or not a recording.

import { readRecording, replay, ReplayFileError } from '../replay/index.js';

export function runReplayCommand(file: string, json: boolean, print: (line: string) => void): number {
  let rec;
  try {
    rec = readRecording(file);
  } catch (e) {
    if (!(e instanceof ReplayFileError)) throw e;
    print(json ? JSON.stringify({ ok: false, error: e.message }) : `error: ${e.message}`);
    return 2;
  }
  const result = replay(rec);
  const d = result.divergence;
  if (json) {
    print(JSON.stringify({ ok: !d, ticks: result.ticks, recordedTicks: rec.ticks.length, hash: result.finalHash, ...(d ? { divergence: d } : {}) }));
  } else if (d) {
    print(`DIVERGED at tick ${d.tick} of ${rec.ticks.length}: expected ${d.expected}, got ${d.actual}; ` +
      `differs in ${d.parts.join(', ') || 'the folded hash only'} (${d.inputs} inputs that tick)`);
  } else {
    print(`ok: ${result.ticks} ticks replayed, every state hash matches; final ${result.finalHash}`);
  }
  return d ? 1 : 0;
}
