// How every long-running `mmo` command stops: SIGTERM or SIGINT runs its graceful stop, a
// second signal forces the exit, and a stop that hangs (a stuck disk, say) still ends the
// process. Install it before announcing readiness: whoever reads that may signal at once.

/** The most a graceful stop may take before the process exits anyway. */
export const STOP_LIMIT_MS = 15_000;

/** Resolves once a signal asked the process to stop and `stop` has run. */
export function untilStopped(print: (line: string) => void, what: string, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        print(`${signal} again: forcing exit`);
        process.exit(1);
      }
      stopping = true;
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
  });
}
