// Real HTTP against a uWS app on 127.0.0.1 port 0, and temp store files.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { afterAll } from 'vitest';
import { listen, type Listening } from '../../src/cluster/index.js';

export interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: any;
}

/** Listens on a free loopback port; closed after the file's tests. */
export async function serve(app: TemplatedApp): Promise<{ base: string; server: Listening }> {
  const server = await listen(app, '127.0.0.1', 0);
  afterAll(() => server.close());
  return { base: `http://127.0.0.1:${server.port}`, server };
}

/** POSTs `body` (JSON-encoded unless already a string or bytes). */
export async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw: string | Blob = typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body);
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  return answer(res);
}

export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(base + path, { headers }));
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* left as text */ }
  return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body };
}

/** A temp dir removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cluster-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
