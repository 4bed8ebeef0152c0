// Streams a recording to disk: one line a tick, buffered and written synchronously in
// chunks so the tick thread never waits on more than a small write.

import { closeSync, openSync, writeSync } from 'node:fs';
import { HASH_PARTS, type SimInput, type StateHash, type ZoneConfig } from '../sim/index.js';
import { REPLAY_FORMAT, REPLAY_VERSION, type ReplayHeader } from './format.js';

const FLUSH_BYTES = 256 * 1024;
const FLUSH_TICKS = 20;

export class Recorder {
  private fd: number | undefined;
  private chunks: string[] = [];
  private bytes = 0;
  private ticks = 0;
  private lastHash = '';

  constructor(readonly path: string, seed: number, zone: ZoneConfig, source: string) {
    this.fd = openSync(path, 'w');
    const header: ReplayHeader = { format: REPLAY_FORMAT, version: REPLAY_VERSION, seed: seed >>> 0, zone, source };
    this.push(JSON.stringify(header));
    this.flush();
  }

  private push(line: string): void {
    this.chunks.push(line, '\n');
    this.bytes += line.length + 1;
  }

  /** Records a tick's inputs and the hash of the state after stepping them. */
  record(tick: number, inputs: readonly SimInput[], hash: StateHash): void {
    if (this.fd === undefined) throw new Error(`recorder for ${this.path} is closed`);
    this.ticks++;
    this.lastHash = hash.hex;
    this.push(JSON.stringify({ t: tick, in: inputs, h: hash.hex, p: HASH_PARTS.map((k) => hash.parts[k]) }));
    if (this.bytes >= FLUSH_BYTES || this.ticks % FLUSH_TICKS === 0) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.bytes = 0;
  }

  /** Writes the end line; a file without it reads as truncated. */
  close(): void {
    if (this.fd === undefined) return;
    this.push(JSON.stringify({ end: true, ticks: this.ticks, h: this.lastHash }));
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
