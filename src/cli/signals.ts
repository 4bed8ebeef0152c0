// How every long-running `mmo` command stops: SIGTERM or SIGINT runs its graceful stop, a
// second signal forces the exit, and a stop that hangs (a stuck disk, say) still ends the
// process. A Ctrl-C reaches the server twice under `npm start` or `npx` (the terminal signals
// the whole group, and the launcher passes its own copy on), so the same signal again within
// REPEAT_WINDOW_MS is the same request, not the second one. Its parent going away counts as a stop too: a launcher that does not pass SIGTERM
// on (npx's shell, a killed `mmo world`) must not leave the server running under PID 1.
// Install it before announcing readiness: whoever reads that may signal at once.
// A zone's flight recorder adds two: SIGUSR2 saves its last minutes, an uncaught error saves
// them and exits 1.

import type { FlightSave } from '../replay/index.js';

/** The most a graceful stop may take before the process exits anyway. */
export const STOP_LIMIT_MS = 15_000;

/** A repeat of the first signal sooner than this is its copy from a launcher (npm forwards within milliseconds). */
export const REPEAT_WINDOW_MS = 500;

/** What a stop request is: the first ('drain'), a launcher's copy of the first ('same'), or an insistence ('force'). */
export function stopRequest(first: { signal: string; atMs: number } | undefined, signal: string, nowMs: number): 'drain' | 'same' | 'force' {
  if (!first) return 'drain';
  return signal === first.signal && nowMs - first.atMs < REPEAT_WINDOW_MS ? 'same' : 'force';
}

/** How often the parent's pid is looked at. */
export const PARENT_CHECK_MS = 500;

/**
 * Calls `onGone` once the parent process is gone (we are re-parented: the pid changes). A
 * process started by PID 1 itself (systemd, a container's init) has nothing to watch.
 */
export function watchParent(onGone: () => void, ppid = () => process.ppid): () => void {
  const parent = ppid();
  if (parent <= 1) return () => {};
  const timer = setInterval(() => {
    if (ppid() === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Resolves once a signal (or the parent's exit) asked the process to stop and `stop` has run. */
export function untilStopped(print: (line: string) => void, what: string, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let first: { signal: string; atMs: number } | undefined;
    let toldSame = false;
    const onSignal = (signal: string) => {
      const request = stopRequest(first, signal, performance.now());
      if (request === 'same') {
        if (!toldSame) print(`${signal} again at once: taken as the same request (a launcher passing it on); one more from half a second on forces the exit`);
        toldSame = true;
        return;
      }
      if (request === 'force') {
        print(`${signal} again: forcing exit`);
        process.exit(1);
      }
      first = { signal, atMs: performance.now() };
      unwatch();
      print(`${signal}: draining (${what})`);
      const limit = setTimeout(() => {
        print(`stop took over ${STOP_LIMIT_MS} ms: exiting anyway`);
        process.exit(1);
      }, STOP_LIMIT_MS);
      limit.unref();
      stop().catch((e: Error) => print(`while stopping: ${e.message}`)).then(resolve);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    const unwatch = watchParent(() => {
      // Our stdout may have been a pipe to the parent that is gone: a failed write must not cut the drain short.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      onSignal('parent process exited');
    });
  });
}

/** What the flight recorder's signal and crash handlers need of a zone. */
export interface FlightSaver {
  readonly flightDir: string | undefined;
  saveFlight(lastMs: number): FlightSave;
  closeRecording(): void;
}

/** How much SIGUSR2 and a crash save: the flight recorder's default ring. */
export const SAVE_ON_SIGNAL_MS = 600_000;

/** One line about a save, for the operator's log. */
function describeSave(s: FlightSave): string {
  return `${s.path} (ticks ${s.fromTick}..${s.toTick}, ${s.ticks} ticks, ${s.bytes} bytes; replay it with: mmo replay ${s.path})`;
}

/** SIGUSR2: save the flight recorder's last 10 minutes and log where (the zone keeps running). */
export function saveFlightOnSignal(zone: FlightSaver, print: (line: string) => void): void {
  if (zone.flightDir === undefined) return; // nothing to save: SIGUSR2 keeps its default meaning
  process.on('SIGUSR2', () => {
    try {
      print(`SIGUSR2: flight recording saved to ${describeSave(zone.saveFlight(SAVE_ON_SIGNAL_MS))}`);
    } catch (e) {
      print(`SIGUSR2: saving the flight recording failed: ${(e as Error).message}`);
    }
  });
}

/**
 * An uncaught error: save what the flight recorder holds (the minutes that led to it), close
 * the recordings so they end cleanly, log both, and exit 1.
 */
export function saveFlightOnCrash(zone: FlightSaver, print: (line: string) => void): void {
  process.on('uncaughtException', (error) => {
    print(`uncaught error: ${error.stack ?? error.message}`);
    if (zone.flightDir !== undefined) {
      try {
        print(`flight recording of the crash saved to ${describeSave(zone.saveFlight(SAVE_ON_SIGNAL_MS))}`);
      } catch (e) {
        print(`saving the flight recording failed: ${(e as Error).message}`);
      }
    }
    try {
      zone.closeRecording();
    } catch (e) {
      print(`closing the recording failed: ${(e as Error).message}`);
    }
    process.exit(1);
  });
}
