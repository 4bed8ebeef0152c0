// Writes a Recording (or a stretch of one) back out as a normal replay file: the flight
// recorder's saves and the format converter both end here.

import { REPLAY_VERSION, type Recording } from './format.js';
import { LineFile, wantsGzip } from './lineFile.js';

/** The line of one recorded tick, as the recorder writes it. */
export function tickLine(t: number, inputsJson: string, h: string, p: readonly number[]): string {
  return `{"t":${t},"in":${inputsJson},"h":"${h}","p":[${p.join(',')}]}`;
}

/**
 * Writes the recording's ticks after `start` (a tick it has a snapshot of, or its own start)
 * through `to`, with its snapshots, a header starting there and an end line. Gzip by extension.
 */
export function writeRecording(rec: Recording, path: string, start = rec.header.start, to = rec.header.start + rec.ticks.length): { ticks: number; bytes: number } {
  const file = new LineFile(path, wantsGzip(path));
  const s0 = rec.header.start;
  file.push(JSON.stringify({ ...rec.header, version: REPLAY_VERSION, start }));
  const snap = (t: number) => {
    const b64 = rec.snapshots.get(t);
    if (b64 !== undefined) file.push(`{"snap":${t},"b64":"${b64}"}`);
  };
  snap(start);
  let hash = '';
  for (let t = start + 1; t <= to; t++) {
    const k = rec.ticks[t - s0 - 1];
    const change = rec.changes?.get(t);
    if (change !== undefined) file.push(change);
    file.push(tickLine(k.t, JSON.stringify(k.in), k.h, k.p));
    hash = k.h;
    snap(t);
    if (file.pending > 1 << 20) file.flush();
  }
  file.push(JSON.stringify({ end: true, ticks: Math.max(0, to - start), h: hash }));
  file.close(true);
  return { ticks: Math.max(0, to - start), bytes: file.written };
}
