// Temp directories for real store files, a second (independent) connection to read them back,
// and an integrity check of every file a test file created.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect } from 'vitest';

/** A fresh temp dir removed after the file's tests; `file(name)` paths inside it are integrity-checked at the end. */
export function tempStore(prefix: string): { dir: string; file: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), `store-${prefix}-`));
  const files = new Set<string>();
  afterAll(() => {
    try {
      for (const f of files) if (existsSync(f)) expect({ file: f, integrity: integrityCheck(f) }).toEqual({ file: f, integrity: 'ok' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return {
    dir,
    file: (name) => {
      const f = join(dir, name);
      files.add(f);
      return f;
    },
  };
}

/** A connection of its own, as another process would have. */
export function otherConnection(path: string): Database.Database {
  return new Database(path, { fileMustExist: true, timeout: 5000 });
}

export function integrityCheck(path: string): string {
  const db = otherConnection(path);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  } finally {
    db.close();
  }
}

export const SPAWN = { x: 100, y: 200, zone: 'meadow' } as const;
