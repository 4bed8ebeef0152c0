// The viewer's simulated latency: a socket wrapper that delays both directions, in order.

import { describe, expect, it } from 'vitest';
import { LaggedSocket } from '../../src/viewer/lag.js';
import type { WebSocketLike } from '../../src/client/index.js';

/** A socket that records what it sends, and a clock whose timers run when it is advanced. */
function setup(oneWayMs: number) {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const sent: number[] = [];
  const inner: WebSocketLike & { closed?: number } = {
    binaryType: 'blob', readyState: 1,
    send: (d) => void sent.push(d[0]),
    close(code) { this.closed = code; },
    onopen: null, onmessage: null, onclose: null, onerror: null,
  };
  const socket = new LaggedSocket(inner, oneWayMs, () => now, {
    setTimeout: (fn, ms) => void timers.push({ at: now + ms, fn }),
  });
  const advance = (to: number) => {
    for (let guard = 0; guard < 1000; guard++) {
      timers.sort((a, b) => a.at - b.at);
      if (timers.length === 0 || timers[0].at > to) break;
      const t = timers.shift()!;
      now = t.at;
      t.fn();
    }
    now = to;
  };
  return { inner, socket, sent, advance };
}

describe('LaggedSocket', () => {
  it('sends a copy of each frame one-way-delay later, in order', () => {
    const { socket, sent, advance } = setup(75);
    const buf = new Uint8Array([1]);
    socket.send(buf);
    buf[0] = 9; // the caller reuses its buffer
    advance(10);
    socket.send(new Uint8Array([2]));
    advance(74);
    expect(sent).toEqual([]);
    advance(75);
    expect(sent).toEqual([1]);
    advance(85);
    expect(sent).toEqual([1, 2]);
  });

  it('delivers messages and then the close late, in order; open at once', () => {
    const { inner, socket, advance } = setup(75);
    const seen: string[] = [];
    socket.onopen = () => seen.push('open');
    socket.onmessage = (ev: { data: string }) => seen.push(ev.data);
    socket.onclose = (ev: { code: number }) => seen.push(`close ${ev.code}`);
    inner.onopen!({});
    inner.onmessage!({ data: 'a' });
    advance(30);
    inner.onmessage!({ data: 'b' });
    inner.onclose!({ code: 1000 });
    expect(seen).toEqual(['open']);
    advance(75);
    expect(seen).toEqual(['open', 'a']);
    advance(105);
    expect(seen).toEqual(['open', 'a', 'b', 'close 1000']);
  });

  it('closes after what was sent before, and drops sends once the socket is closed', () => {
    const { inner, socket, sent, advance } = setup(50);
    socket.binaryType = 'arraybuffer';
    expect(inner.binaryType).toBe('arraybuffer');
    socket.send(new Uint8Array([1]));
    socket.close(1000, 'bye');
    socket.send(new Uint8Array([2]));
    (inner as { readyState: number }).readyState = 3;
    advance(50);
    expect(sent).toEqual([]);
    expect(inner.closed).toBe(1000);
  });
});
