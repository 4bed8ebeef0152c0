// Structured logs: JSON lines on stderr (stdout stays for a command's own output), human-
// readable when stderr is a terminal. One line per session event.

import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Writable } from 'node:stream';

export interface Log {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface LogOptions {
  level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Human-readable lines instead of JSON; default: when stderr is a terminal. */
  pretty?: boolean;
  destination?: Writable;
  /** Fields on every line (e.g. the zone). */
  base?: Record<string, unknown>;
}

export function createLog(o: LogOptions = {}): Log {
  const destination = o.destination ?? process.stderr;
  const human = o.pretty ?? (process.stderr.isTTY === true && o.destination === undefined);
  const stream = human ? pretty({ destination, colorize: process.stderr.isTTY === true, sync: true, translateTime: 'HH:MM:ss.l' }) : destination;
  return pino({ level: o.level ?? process.env.LOG_LEVEL ?? 'info', base: o.base ?? null, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** A plain `(line) => void` as a Log (tests pass `() => {}` to keep quiet). */
export function logFromFunction(fn: (line: string) => void): Log {
  const line = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    fn(Object.keys(fields).length ? `${level} ${msg} ${JSON.stringify(fields)}` : `${level} ${msg}`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
