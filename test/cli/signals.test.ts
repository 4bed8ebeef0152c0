import { afterEach, describe, expect, it, vi } from 'vitest';
import { PARENT_CHECK_MS, watchParent } from '../../src/cli/signals.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('watchParent', () => {
  it('calls back once when the process is re-parented (its parent died)', () => {
    vi.useFakeTimers();
    let ppid = 4242;
    const gone = vi.fn();
    watchParent(gone, () => ppid);
    vi.advanceTimersByTime(PARENT_CHECK_MS * 10);
    expect(gone).not.toHaveBeenCalled();
    ppid = 1;
    vi.advanceTimersByTime(PARENT_CHECK_MS);
    expect(gone).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(PARENT_CHECK_MS * 10);
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it('watches nothing when started by PID 1 (systemd, a container init) or after it is cancelled', () => {
    vi.useFakeTimers();
    const gone = vi.fn();
    let ppid = 1;
    watchParent(gone, () => ppid);
    ppid = 77;
    vi.advanceTimersByTime(PARENT_CHECK_MS * 10);
    const cancel = watchParent(gone, () => ppid);
    cancel();
    ppid = 1;
    vi.advanceTimersByTime(PARENT_CHECK_MS * 10);
    expect(gone).not.toHaveBeenCalled();
  });
});
