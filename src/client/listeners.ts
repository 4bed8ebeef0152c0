// ZoneClientEmitter: ZoneClient's base class, its on/once/off and the emit that keeps a throwing listener from
// breaking the socket handler (it is reported on 'error' instead).

import { ZoneClientError } from './errors.js';
import type { ZoneClientEventType, ZoneClientEvents } from './types.js';

type ListenerMap = { [K in ZoneClientEventType]: Array<ZoneClientEvents[K]> };

export class ZoneClientEmitter {
  private readonly listeners: ListenerMap = {
    welcome: [], snapshot: [], event: [], pong: [], zoneChange: [], error: [], close: [],
  };

  /** Adds a listener; returns a function that removes it. */
  on<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): () => void {
    (this.listeners[type] as Array<ZoneClientEvents[K]>).push(fn);
    return () => this.off(type, fn);
  }

  /** Adds a listener that runs once. */
  once<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): () => void {
    const off = this.on(type, ((...args: unknown[]) => {
      off();
      (fn as (...a: unknown[]) => void)(...args);
    }) as ZoneClientEvents[K]);
    return off;
  }

  /** Removes a listener added with on() (no-op if it is not there). */
  off<K extends ZoneClientEventType>(type: K, fn: ZoneClientEvents[K]): void {
    const list = this.listeners[type] as Array<ZoneClientEvents[K]>;
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  }

  /** True if `type` has a listener, so callers can skip building what nobody hears. */
  protected hasListeners(type: ZoneClientEventType): boolean {
    return this.listeners[type].length > 0;
  }

  /** Calls the listeners of `type` in order, on a copy so that one may remove itself. */
  protected emit<K extends ZoneClientEventType>(type: K, ...args: Parameters<ZoneClientEvents[K]>): void {
    const list = this.listeners[type];
    if (list.length === 0) return;
    for (const fn of list.slice()) {
      try {
        (fn as (...a: unknown[]) => void)(...args);
      } catch (err) {
        if (type === 'error') {
          // Nowhere left to report it without looping.
          console.error('ZoneClient: error listener threw', err);
        } else {
          this.emit('error', new ZoneClientError('listener', `a '${type}' listener threw: ${(err as Error)?.message ?? err}`, { cause: err }));
        }
      }
    }
  }
}
