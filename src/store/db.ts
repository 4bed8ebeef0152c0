// Opening a store file: pragmas, parent directory, migrations.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, type Migration } from './migrations.js';

export interface OpenOptions {
  /** How long a write waits for another connection's write lock before SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
  /** WAL pages before a commit on this connection checkpoints; 0 = never (leave it to another connection). Default SQLite's 1000. */
  walAutocheckpoint?: number;
  /** Migrations to apply at open (tests pass a prefix to build old files). Default: all. */
  migrations?: readonly Migration[];
  /** Wall clock in ms for timestamps. Default Date.now. */
  now?: () => number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** Opens (creating if needed) a SQLite file in WAL mode and migrates it. `:memory:` for unit tests only. */
export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const busy = nonNegativeInt('busyTimeoutMs', options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  const memory = path === ':memory:' || path === '';
  if (!memory && !path.startsWith('file:')) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: busy });
  try {
    const mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
    if (mode !== 'wal' && !(memory && mode === 'memory')) throw new Error(`could not put ${path} in WAL mode (journal_mode is ${mode})`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${busy}`);
    if (options.walAutocheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${nonNegativeInt('walAutocheckpoint', options.walAutocheckpoint)}`);
    migrate(db, options.migrations ?? MIGRATIONS, options.now ?? Date.now);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}
