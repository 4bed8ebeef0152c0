// HTTP fuzz of the registry + gateway API (`startMaster`, in this process, loopback only):
// 5,000+ requests over raw TCP sockets, so nothing a real client library would refuse to send
// is off limits. Bodies start from valid ones and get fields flipped, dropped, duplicated,
// retyped, truncated, nested deeply, blown up past the cap, or replaced by random and
// non-UTF-8 bytes; methods, paths, Authorization and Content-Type headers are mangled too.
// Every request comes from a PRNG seeded by (FUZZ_SEED, request number).
//
// Each answer must be a JSON object (an error with a 4xx, or a 2xx for inputs that happen to
// be valid), never a 500, never later than the per-request timeout; GET /servers keeps
// answering throughout; the heap stays flat; and GET /stats counts every refusal by status and
// reason exactly as the fuzzer saw them.

import { connect } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaster, type Master } from '../../src/cli/world.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/cluster/http.js';
import { newJoinKeyPair } from '../../src/cluster/tokens.js';
import { Rng } from '../../src/sim/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20241124) >>> 0;
const REQUESTS = 5200;
const CONCURRENCY = 8;
/** A hang guard, not a speed limit: generous, since a login hashes a password on a loaded machine. */
const REQUEST_TIMEOUT_MS = 60_000;
const SECRET = 'fuzz-secret-0123456789abcdef';
/** zone-1's own registry key: the only credential that may change zone-1. */
const ZONE_KEY = 'fuzz-zone-1-key-0123456789abcdef';

// ---------------------------------------------------------------- raw HTTP client

interface Answer {
  status: number;
  /** Parsed JSON body, or undefined when the body was not JSON. */
  json: unknown;
  raw: string;
}

/** One request on its own connection; resolves with the answer or rejects on timeout/close. */
function rawRequest(port: number, head: Buffer, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err?: Error, a?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(a!);
    };
    const timer = setTimeout(() => finish(new Error('timeout')), REQUEST_TIMEOUT_MS);
    const tryParse = (): boolean => {
      const buf = Buffer.concat(chunks);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const headers = buf.subarray(0, end).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(headers);
      if (!m) {
        finish(new Error(`not an HTTP response: ${JSON.stringify(headers.slice(0, 80))}`));
        return true;
      }
      const cl = /\r\ncontent-length: *(\d+)/i.exec(headers);
      const len = cl ? Number(cl[1]) : 0;
      if (buf.length < end + 4 + len) return false;
      const raw = buf.subarray(end + 4, end + 4 + len).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      finish(undefined, { status: Number(m[1]), json, raw });
      return true;
    };
    sock.on('data', (d) => {
      chunks.push(d);
      tryParse();
    });
    sock.on('error', (e) => { if (!tryParse()) finish(e); });
    sock.on('close', () => { if (!tryParse()) finish(new Error('closed without an answer')); });
    sock.on('connect', () => {
      sock.write(head);
      if (body.length > 0) sock.write(body, () => {});
    });
  });
}

function buildHead(method: string, path: string, headers: [string, string | Buffer][], bodyLength: number | undefined): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 'latin1')];
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `, 'latin1'), typeof v === 'string' ? Buffer.from(v, 'latin1') : v, Buffer.from('\r\n'));
  if (bodyLength !== undefined) parts.push(Buffer.from(`Content-Length: ${bodyLength}\r\n`));
  parts.push(Buffer.from('Connection: close\r\n\r\n'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- generation

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

const ROUTES = ['/register', '/heartbeat', '/query', '/deregister', '/login', '/route'] as const;
type Route = (typeof ROUTES)[number];

function validBody(r: Rng, route: Route, known: { id: string }): Record<string, unknown> {
  switch (route) {
    case '/register':
      return { type: pick(r, ['zone', 'gateway', 'chat']), host: '127.0.0.1', port: 1 + r.int(65535), capacity: 1 + r.int(5000), region: pick(r, ['eu', 'us', 'local']) };
    case '/heartbeat':
      return { id: known.id, load: r.int(100), players: r.int(100), cpu: r.next(), memoryMB: r.int(4096) };
    case '/query':
      return { type: pick(r, ['zone', 'gateway']) };
    case '/deregister':
      return { id: `fuzz-${r.int(1000)}` }; // never the real zone: routing stays possible
    case '/login':
      return { name: `fuzzer${r.int(20)}`, password: pick(r, ['correct horse battery', 'wrong password here', 'x']) };
    case '/route':
      return { type: 'zone', region: 'local' };
  }
}

function weird(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 9 : 12)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return pick(r, [0, -1, 1e308, -1e308, 2 ** 53 + 1, 1.5, 65536, 4294967296, -0]);
    case 3: return 'x'.repeat(r.int(3) === 0 ? 5000 : r.int(40));
    case 4: return pick(r, ['', ' ', '\u0000', '\u202e', '🙂'.repeat(20), '\ud800', 'zone', '../../etc', "' OR 1=1 --", '__proto__']);
    case 5: return r.range(-1e9, 1e9);
    case 6: return '9'.repeat(1 + r.int(400)); // a huge number, as a string
    case 7: return pick(r, ['zone', 'gateway', 'master', 'ZONE', 'zone ']);
    case 8: return r.int(70000);
    case 9: return [weird(r, depth + 1), weird(r, depth + 1)];
    case 10: return { a: weird(r, depth + 1), __proto__: weird(r, depth + 1) };
    default: return { constructor: weird(r, depth + 1) };
  }
}

const FIELDS = ['id', 'type', 'host', 'port', 'capacity', 'region', 'load', 'players', 'cpu', 'memoryMB', 'zones', 'name', 'password', 'extra', '__proto__', 'constructor'];

function mutate(r: Rng, body: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { ...body };
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const keys = Object.keys(o);
    switch (r.int(4)) {
      case 0: if (keys.length) delete o[pick(r, keys)]; break; // drop
      case 1: if (keys.length) o[pick(r, keys)] = weird(r); break; // retype / flip
      case 2: o[pick(r, FIELDS)] = weird(r); break; // add
      default: if (keys.length) o[`${pick(r, keys)}${r.int(2) ? '' : 'x'}`] = o[pick(r, keys)]; // duplicate
    }
  }
  return o;
}

type Kind = 'valid' | 'mutated' | 'truncated' | 'random' | 'nonutf8' | 'oversized' | 'deep' | 'dupkey' | 'hugenum' | 'empty' | 'scalar' | 'method' | 'path';

interface Req {
  kind: Kind;
  method: string;
  path: string;
  headers: [string, string | Buffer][];
  body: Buffer;
  /** What must come back, when the input class alone decides it. */
  expect?: { status: number; reason: string };
  /** Advertise no Content-Length (chunked is not used; an empty body then). */
  noLength?: boolean;
}

function authHeader(r: Rng, route: Route, session: string): [string, string | Buffer][] {
  const good = route === '/login' ? '' : route === '/route' ? `Bearer ${session}` : `Bearer ${ZONE_KEY}`;
  const u = r.next();
  if (u < 0.6) return good ? [['Authorization', good]] : [];
  if (u < 0.7) return [];
  if (u < 0.75) return [['Authorization', 'Bearer']];
  if (u < 0.8) return [['Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`]];
  if (u < 0.85) return [['Authorization', `Bearer ${'A'.repeat(2000)}`]];
  if (u < 0.9) return [['Authorization', Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xc3, 0x28, 0xff, 0xfe])]];
  if (u < 0.95) return [['Authorization', `Bearer ${session.slice(0, Math.max(0, session.length - 3))}xyz`]];
  return [['Authorization', `bearer   ${ZONE_KEY}  `]];
}

function contentType(r: Rng): [string, string][] {
  return [['Content-Type', pick(r, ['application/json', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=---', '', 'application/x-www-form-urlencoded', '\t;;;;'])]];
}

function randomBytes(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

function makeRequest(i: number, session: string, known: { id: string }): Req {
  const r = new Rng((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const route = pick(r, ROUTES);
  const headers: [string, string | Buffer][] = [...authHeader(r, route, session), ...contentType(r)];
  const valid = validBody(r, route, known);
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const u = r.int(100);
  const base = { method: 'POST', path: route, headers };
  if (u < 12) return { ...base, kind: 'valid', body: json(valid) };
  if (u < 50) return { ...base, kind: 'mutated', body: json(mutate(r, valid)) };
  if (u < 58) {
    const full = json(mutate(r, valid));
    return { ...base, kind: 'truncated', body: full.subarray(0, 1 + r.int(full.length - 1)) };
  }
  if (u < 63) return { ...base, kind: 'random', body: randomBytes(r, 1 + r.int(300)) };
  if (u < 67) {
    const b = json(valid);
    const bad = Buffer.concat([b.subarray(0, b.length - 2), Buffer.from([0x22, pick(r, [0xff, 0xc0, 0xed, 0x80, 0xf8]), 0xa0, 0x22]), b.subarray(b.length - 1)]);
    return { ...base, kind: 'nonutf8', body: bad, expect: { status: 400, reason: 'bad_utf8' } };
  }
  if (u < 72) {
    const n = DEFAULT_MAX_BODY_BYTES + 1 + r.int(3 * DEFAULT_MAX_BODY_BYTES);
    const body = Buffer.from(JSON.stringify({ ...valid, pad: 'p'.repeat(n) }));
    // Half lie about the length (small header, big body is not possible with Content-Length; so omit it).
    return { ...base, kind: 'oversized', body, expect: { status: 413, reason: 'too_large' } };
  }
  if (u < 76) {
    const d = 100 + r.int(5000);
    const s = '['.repeat(d) + ']'.repeat(d);
    const wrapped = r.int(2) ? `{"type":${s}}` : `{"a":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`;
    return { ...base, kind: 'deep', body: Buffer.from(wrapped.length > DEFAULT_MAX_BODY_BYTES ? wrapped.slice(0, DEFAULT_MAX_BODY_BYTES) : wrapped) };
  }
  if (u < 79) {
    const s = JSON.stringify(valid);
    return { ...base, kind: 'dupkey', body: Buffer.from(`${s.slice(0, -1)},${s.slice(1)}`) };
  }
  if (u < 82) {
    const k = pick(r, Object.keys(valid));
    const s = JSON.stringify(valid).replace(/\}$/, `,"${k}":${'9'.repeat(300 + r.int(3000))}}`);
    return { ...base, kind: 'hugenum', body: Buffer.from(s) };
  }
  if (u < 85) return { ...base, kind: 'empty', body: Buffer.alloc(0), expect: { status: 400, reason: 'empty_body' } };
  if (u < 88) {
    const v = pick(r, ['[]', '[1,2]', 'null', '1', '"x"', 'true']);
    return { ...base, kind: 'scalar', body: Buffer.from(v), expect: { status: 400, reason: 'not_object' } };
  }
  if (u < 94) {
    const method = pick(r, ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    return { kind: 'method', method, path: route, headers, body: method === 'GET' || method === 'OPTIONS' ? Buffer.alloc(0) : json(valid), expect: { status: 405, reason: 'method' } };
  }
  const path = pick(r, ['/', '/nope', '/register/x', '/servers/1', '/%00', '/..%2f..%2fetc', `/${'a'.repeat(3000)}`, '/login?x=1&y']);
  const expectQ = path === '/login?x=1&y' ? undefined : { status: 404, reason: 'not_found' };
  return { kind: 'path', method: pick(r, ['GET', 'POST']), path, headers, body: Buffer.alloc(0), expect: expectQ };
}

/** The reason the server must have counted a refusal under, read from what it answered. */
function reasonFromAnswer(a: Answer): string {
  const o = a.json as Record<string, unknown>;
  const msg = String(o.error);
  if (a.status === 413) return 'too_large';
  if (a.status === 405) return 'method';
  if (a.status === 404 && msg === 'not found') return 'not_found';
  if (a.status === 500) return 'internal';
  if (msg.startsWith('empty body')) return 'empty_body';
  if (msg === 'body is not valid UTF-8') return 'bad_utf8';
  if (msg.startsWith('malformed JSON')) return 'bad_json';
  if (msg === 'body must be a JSON object') return 'not_object';
  if (typeof o.field === 'string') return `field:${o.field}`;
  if (typeof o.reason === 'string') return `reason:${o.reason}`;
  return `http_${a.status}`;
}

function forceGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- the test

describe(`HTTP fuzz: registry + gateway (FUZZ_SEED=${SEED})`, () => {
  let master: Master;
  let port: number;

  beforeAll(async () => {
    master = await startMaster({ host: '127.0.0.1', port: 0, secret: SECRET, joinKey: newJoinKeyPair().privateKey, spawn: { x: 50, y: 50, zone: 'zone-1' }, serverKeys: { 'zone-1': ZONE_KEY } });
    port = master.port;
  });
  afterAll(async () => {
    await master?.stop();
  });

  const post = async (path: string, body: unknown, auth?: string) => {
    const b = Buffer.from(JSON.stringify(body));
    const headers: [string, string][] = [['Content-Type', 'application/json']];
    if (auth) headers.push(['Authorization', `Bearer ${auth}`]);
    return rawRequest(port, buildHead('POST', path, headers, b.length), b);
  };
  const get = (path: string) => rawRequest(port, buildHead('GET', path, [], undefined), Buffer.alloc(0));

  it('answers every request with JSON, never a 500 or a hang; counts each refusal by reason', async () => {
    const reg = await post('/register', { id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 7777, capacity: 1000, region: 'local' }, ZONE_KEY);
    expect(reg.status).toBe(200);
    const known = { id: 'zone-1' };
    const login = await post('/login', { name: 'honest', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const session = (login.json as { token: string }).token;
    const statsBefore = (await get('/stats')).json as { rejections: { total: number; byStatus: Record<string, number>; byReason: Record<string, number> } };

    const gc = forceGc();
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };

    const seenStatus: Record<string, number> = {};
    const seenReason: Record<string, number> = {};
    const byKind: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    let next = 0, done = 0, health = 0, heapAtWarm = 0, maxLatency = 0;
    const started = Date.now();

    const one = async (i: number) => {
      const q = makeRequest(i, session, known);
      const head = buildHead(q.method, q.path, q.headers, q.noLength ? undefined : q.body.length);
      const t0 = Date.now();
      let a: Answer;
      try {
        a = await rawRequest(port, head, q.body);
      } catch (e) {
        failures.push(`#${i} ${q.kind} ${q.method} ${q.path}: ${(e as Error).message}`);
        return;
      }
      maxLatency = Math.max(maxLatency, Date.now() - t0);
      (byKind[q.kind] ??= {})[a.status] = ((byKind[q.kind] ??= {})[a.status] ?? 0) + 1;
      const o = a.json;
      if (typeof o !== 'object' || o === null) {
        failures.push(`#${i} ${q.kind}: ${a.status} non-JSON body ${JSON.stringify(a.raw.slice(0, 80))}`);
        return;
      }
      if (a.status >= 500) {
        // 503 only for a documented "try again": a login for one name already in flight, or a
        // route while zone-1 is full (the fuzzer holds zone-1's key, so its heartbeats may say so).
        const ok503 = a.status === 503 && ((o as { reason?: string }).reason === 'busy' || /^no server available/.test(String((o as { error?: unknown }).error)));
        if (!ok503) failures.push(`#${i} ${q.kind} ${q.path}: ${a.status} ${a.raw.slice(0, 160)}`);
      } else if (a.status >= 400 && typeof (o as { error?: unknown }).error !== 'string') {
        failures.push(`#${i} ${q.kind}: ${a.status} without an error message`);
      } else if (a.status < 200 || (a.status >= 300 && a.status < 400)) {
        failures.push(`#${i} ${q.kind}: unexpected status ${a.status}`);
      }
      if (q.expect && a.status !== q.expect.status) failures.push(`#${i} ${q.kind} ${q.method} ${q.path}: expected ${q.expect.status}, got ${a.status} ${a.raw.slice(0, 120)}`);
      if (a.status >= 400) {
        const reason = reasonFromAnswer(a);
        if (q.expect && reason !== q.expect.reason) failures.push(`#${i} ${q.kind}: expected reason ${q.expect.reason}, got ${reason}`);
        seenStatus[a.status] = (seenStatus[a.status] ?? 0) + 1;
        seenReason[reason] = (seenReason[reason] ?? 0) + 1;
      }
    };

    const worker = async () => {
      while (next < REQUESTS) { // to a count, however long a busy machine takes
        const i = next++;
        await one(i);
        done++;
        if (done === 500) heapAtWarm = heap();
      }
    };
    // The health probe: GET /servers must keep answering all along (each within REQUEST_TIMEOUT_MS).
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const a = await get('/servers').catch((e: Error) => ({ status: 0, json: undefined, raw: e.message }));
        if (a.status !== 200 || !Array.isArray(a.json)) failures.push(`health: ${a.status} ${a.raw.slice(0, 80)}`);
        health++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    probing = false;
    await probe;
    const heapAtEnd = heap();

    expect(failures.slice(0, 20)).toEqual([]);
    expect(done).toBe(REQUESTS);
    expect(health).toBeGreaterThan(10);

    // The server counted exactly what the fuzzer was answered (GET /stats is not a refusal).
    const statsAfter = (await get('/stats')).json as typeof statsBefore;
    const delta = (after: Record<string, number>, before: Record<string, number>) => {
      const d: Record<string, number> = {};
      for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) d[k] = v - (before[k] ?? 0);
      return d;
    };
    expect(delta(statsAfter.rejections.byStatus, statsBefore.rejections.byStatus)).toEqual(seenStatus);
    expect(delta(statsAfter.rejections.byReason, statsBefore.rejections.byReason)).toEqual(seenReason);
    expect(statsAfter.rejections.total - statsBefore.rejections.total).toBe(Object.values(seenStatus).reduce((a, b) => a + b, 0));
    // Every class of refusal was exercised.
    for (const k of ['too_large', 'method', 'not_found', 'bad_utf8', 'bad_json', 'empty_body', 'not_object']) expect(seenReason[k], k).toBeGreaterThan(0);
    expect(Object.keys(seenReason).filter((k) => k.startsWith('field:')).length).toBeGreaterThan(3);

    // Memory stays flat: the heap after 5,000 refusals is within a few MB of where it was after 500.
    const growth = heapAtEnd - heapAtWarm;
    console.log(`http fuzz: ${done} requests in ${Date.now() - started} ms (max ${maxLatency} ms), ${health} health probes, ` +
      `heap ${(heapAtWarm / 2 ** 20).toFixed(1)} → ${(heapAtEnd / 2 ** 20).toFixed(1)} MB${gc ? '' : ' (no gc)'}; by kind ${JSON.stringify(byKind)}; reasons ${JSON.stringify(seenReason)}`);
    expect(growth).toBeLessThan((gc ? 8 : 40) * 2 ** 20);
  }, 600_000);
});
