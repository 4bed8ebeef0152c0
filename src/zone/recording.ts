// What a zone records of its ticks: the whole session to one replay file (--record), and the
// flight recorder's ring of the last minutes on disk (on by default in `mmo zone`), from which
// an operator saves a replay file on demand (SIGUSR2, POST /admin/flight/save) and the process
// saves one when it dies of an uncaught error. The state hash and the inputs' JSON are made once a tick for both.
// Both record off the tick thread: the tick only copies the world's bytes and hands them to a
// recording thread that makes the lines, compresses and writes them (src/replay/sinkClient.ts).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlightRecorder, Recorder, type FlightSave } from '../replay/index.js';
import { stateHash, type SimInput, type ZoneWorld } from '../sim/index.js';
import type { ZoneServerOptions } from './options.js';

/** The flight recorder's settings (ZoneServerOptions.flight). */
export interface ZoneFlightOptions {
  /** Directory of the ring; saved files go to DIR/saved. */
  dir: string;
  /** How much to keep (default 10 minutes). */
  keepMs?: number;
  /** Most bytes the ring may take (default 1 GiB). */
  maxBytes?: number;
}

/**
 * Claims a flight directory for this process (DIR/owner.pid): two zones recording into one
 * ring would move and delete each other's segments. A claim left by a dead process is taken
 * over; one held by a live process is refused (undefined).
 */
function claimDir(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'owner.pid');
  let owner = 0;
  try {
    owner = Number(readFileSync(file, 'utf8'));
  } catch { /* no claim yet */ }
  if (owner > 0 && owner !== process.pid && isAlive(owner)) return undefined;
  writeFileSync(file, String(process.pid));
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a save asked of a zone without a flight recorder gets. */
export class FlightOffError extends Error {
  override name = 'FlightOffError';
}

export class ZoneRecording {
  private readonly session: Recorder | undefined;
  private flight: FlightRecorder | undefined;
  private readonly savedDir: string | undefined;
  private readonly claim: string | undefined;
  /** Why the flight recorder is off, when it failed. */
  private flightFailure: string | undefined;

  /** @param warn told when the flight recorder cannot run (its directory is another zone's, or it failed): the zone runs without it. */
  constructor(private readonly world: ZoneWorld, o: Pick<ZoneServerOptions, 'record' | 'flight' | 'seed' | 'tickRate'>, private readonly warn: (message: string) => void) {
    const { tickRate } = o;
    if (o.flight) this.claim = claimDir(o.flight.dir);
    if (o.flight && !this.claim) {
      warn(`flight recorder off: ${o.flight.dir} is in use by another running zone (give this one another --flight-dir)`);
    } else if (o.flight) {
      this.flight = new FlightRecorder(o.seed, world, { dir: o.flight.dir, keepMs: o.flight.keepMs, maxBytes: o.flight.maxBytes, tickRate, offThread: true });
      this.savedDir = join(o.flight.dir, 'saved');
      mkdirSync(this.savedDir, { recursive: true });
    }
    this.session = o.record ? new Recorder(o.record, o.seed, world.config, 'mmo zone', { world, tickRate, offThread: true }) : undefined;
  }

  /** The flight recorder's directory, when it is on. */
  get flightDir(): string | undefined {
    return this.flight?.o.dir;
  }

  /** After each step: the tick's inputs and the hash of the state they led to. */
  record(inputs: readonly SimInput[]): void {
    if (!this.session && !this.flight) return;
    const tick = this.world.tick, hash = stateHash(this.world), json = JSON.stringify(inputs);
    this.session?.record(tick, inputs, hash, json);
    if (this.flight) this.recordFlight(tick, inputs, hash, json);
  }

  /** The flight recorder is a background aid: if it fails, the zone says so and plays on without it. */
  private recordFlight(...args: Parameters<FlightRecorder['record']>): void {
    try {
      this.flight!.record(...args);
    } catch (e) {
      const failed = this.flight!;
      this.flight = undefined;
      this.flightFailure = (e as Error).message;
      failed.abandon(); // its thread ends and its file is closed; the ring stays on disk
      this.warn(`flight recorder off: ${this.flightFailure}`);
    }
  }

  /** Saves the flight recorder's last `lastMs` as DIR/saved/flight-<tick>.replay.gz. */
  save(lastMs: number): FlightSave {
    if (!this.flight || !this.savedDir) throw new FlightOffError(`the flight recorder is off (${this.flightFailure ? `it failed: ${this.flightFailure}` : 'started with --no-flight'})`);
    return this.flight.save(lastMs, join(this.savedDir, `flight-${this.world.tick}.replay.gz`));
  }

  /** Closes both recordings (the session file gets its end line; the ring stays on disk). */
  close(): void {
    this.session?.close();
    this.flight?.close();
    if (this.claim) rmSync(this.claim, { force: true });
  }
}
