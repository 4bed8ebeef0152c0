import { afterEach, describe, expect, it, vi } from 'vitest';
import { PARENT_CHECK_MS, REPEAT_WINDOW_MS, stopRequest, watchParent } from '../../src/cli/signals.js';

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

describe('stopRequest', () => {
  it('drains on the first signal, takes the same one at once again as its copy, and forces on anything later or different', () => {
    expect(stopRequest(undefined, 'SIGINT', 1000)).toBe('drain');
    const first = { signal: 'SIGINT', atMs: 1000 };
    expect(stopRequest(first, 'SIGINT', 1003)).toBe('same'); // npm passing on the terminal's Ctrl-C
    expect(stopRequest(first, 'SIGINT', 1000 + REPEAT_WINDOW_MS - 1)).toBe('same');
    expect(stopRequest(first, 'SIGINT', 1000 + REPEAT_WINDOW_MS)).toBe('force'); // the operator insists
    expect(stopRequest(first, 'SIGTERM', 1001)).toBe('force'); // another signal is never a copy
    expect(stopRequest(first, 'parent process exited', 1001)).toBe('force');
  });
});
