// The zone's admin HTTP routes, for operators: POST <prefix>/admin/flight/save {"lastMs"?}
// saves the flight recorder's last minutes as a replay file the server names, and answers
// {path, fromTick, toTick, ticks, bytes}. Authorized by `Authorization: Bearer <admin token>`
// (compared in constant time); a zone started without an admin token has no admin routes and
// says so.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FlightSave } from '../replay/index.js';
import type { HttpResponse, TemplatedApp } from '../runtime/index.js';
import { FlightOffError } from './recording.js';

/** The most an admin request body may hold. */
const MAX_BODY_BYTES = 4096;
/** The longest a save may reach back (a day: the ring holds far less). */
const MAX_LAST_MS = 86_400_000;
/** What a save without "lastMs" covers: the ring's default length. */
export const DEFAULT_SAVE_MS = 600_000;

export interface ZoneAdminSource {
  /** The admin token; undefined: admin routes are off. */
  token: string | undefined;
  save(lastMs: number): FlightSave;
}

/** True when `given` is the token; the time taken does not depend on where they differ. */
export function tokenMatches(given: string, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Mounts the admin routes on `app` under `prefix`. */
export function mountZoneAdmin(app: TemplatedApp, prefix: string, zone: ZoneAdminSource): TemplatedApp {
  return app.post(`${prefix}/admin/flight/save`, (res, req) => {
    const refusal = authorize(req.getHeader('authorization'), zone.token);
    if (refusal) return reply(res, refusal.status, { error: refusal.error }, refusal.status.startsWith('401') ? { 'WWW-Authenticate': 'Bearer' } : {});
    readBody(res, (body) => {
      const lastMs = parseLastMs(body);
      if (typeof lastMs === 'string') return reply(res, '400 Bad Request', { error: lastMs });
      try {
        reply(res, '200 OK', zone.save(lastMs));
      } catch (e) {
        if (e instanceof FlightOffError) return reply(res, '409 Conflict', { error: e.message });
        reply(res, '500 Internal Server Error', { error: `saving failed: ${(e as Error).message}` });
      }
    });
  });
}

/** Why a request is refused, or undefined when its bearer token is the admin token. */
function authorize(header: string, token: string | undefined): { status: string; error: string } | undefined {
  if (token === undefined) return { status: '404 Not Found', error: 'admin routes are off: no admin token configured (set MMO_ADMIN_TOKEN or use --admin-token-file FILE)' };
  const given = /^Bearer (.+)$/.exec(header)?.[1];
  if (given === undefined) return { status: '401 Unauthorized', error: 'admin token required: Authorization: Bearer <token>' };
  return tokenMatches(given, token) ? undefined : { status: '403 Forbidden', error: 'wrong admin token' };
}

/** {"lastMs"?: milliseconds} (an empty body: the default), or why it is refused. */
function parseLastMs(body: string): number | string {
  if (body.trim() === '') return DEFAULT_SAVE_MS;
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return 'body is not JSON: expected {"lastMs": milliseconds}';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object {"lastMs": milliseconds}';
  const { lastMs } = v as { lastMs?: unknown };
  if (lastMs === undefined) return DEFAULT_SAVE_MS;
  if (typeof lastMs !== 'number' || !Number.isInteger(lastMs) || lastMs < 1 || lastMs > MAX_LAST_MS) return `lastMs must be an integer in [1, ${MAX_LAST_MS}]`;
  return lastMs;
}

/** Collects the request body (bounded), then calls `done` unless the client went away. */
function readBody(res: HttpResponse, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0, aborted = false;
  res.onAborted(() => { aborted = true; });
  res.onData((chunk, isLast) => {
    if (aborted) return;
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) {
      aborted = true;
      return reply(res, '413 Payload Too Large', { error: `body over ${MAX_BODY_BYTES} bytes` });
    }
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this call
    if (isLast) done(Buffer.concat(chunks).toString('utf8'));
  });
}

function reply(res: HttpResponse, status: string, body: unknown, headers: Record<string, string> = {}): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(JSON.stringify(body));
  });
}
