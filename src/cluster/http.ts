// JSON-over-HTTP plumbing on uWS shared by the registry and the gateway: bodies read with a
// size cap, parsed strictly, answered once (never after the client went away), JSON replies.

import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { closeAppAfterGrace, uWS } from '../runtime/index.js';
import { FieldError, isRecord } from './fields.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** A refusal with an HTTP status; `body` fields are added beside `error`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number, message: string, readonly body: Record<string, unknown> = {}, readonly headers: Record<string, string> = {},
    /** Short key the rejection is counted under (default: the field, the body's reason, or the status). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface RejectionStats {
  /** Requests answered with a 4xx or 5xx. */
  total: number;
  /** By status code. */
  byStatus: Record<string, number>;
  /** By reason: `field:<name>`, `reason:<code>`, or one of empty_body, bad_utf8, bad_json, not_object, too_large, method, not_found, internal. */
  byReason: Record<string, number>;
}

/** Distinct reasons counted by name; more (field names come from bodies) are counted as 'other'. */
export const MAX_REJECTION_REASONS = 256;

/** Counts refused requests by status and reason (served as GET /stats and as metrics). */
export class RejectionCounter {
  private total = 0;
  private readonly byStatus = new Map<string, number>();
  private readonly byReason = new Map<string, number>();
  /** `status reason` → count, for a metric labelled by both. */
  private readonly byPair = new Map<string, { status: string; reason: string; count: number }>();

  record(status: number, why: string): void {
    const reason = this.byReason.has(why) || this.byReason.size < MAX_REJECTION_REASONS ? why : 'other';
    this.total++;
    const s = String(status);
    this.byStatus.set(s, (this.byStatus.get(s) ?? 0) + 1);
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    const pair = this.byPair.get(`${s} ${reason}`);
    if (pair) pair.count++;
    else this.byPair.set(`${s} ${reason}`, { status: s, reason, count: 1 });
  }

  /** Counts by status and reason together. */
  pairs(): { status: string; reason: string; count: number }[] {
    return [...this.byPair.values()].map((p) => ({ ...p }));
  }

  snapshot(): RejectionStats {
    return { total: this.total, byStatus: Object.fromEntries(this.byStatus), byReason: Object.fromEntries(this.byReason) };
  }
}

const rejectionCounters = new WeakMap<TemplatedApp, RejectionCounter>();

/** The rejection counter of an app: every route mounted through this module records into it. */
export function rejectionsOf(app: TemplatedApp): RejectionCounter {
  let c = rejectionCounters.get(app);
  if (c === undefined) rejectionCounters.set(app, (c = new RejectionCounter()));
  return c;
}

function reasonOf(e: HttpError): string {
  if (e.reason !== undefined) return e.reason;
  const field = e.body.field, reason = e.body.reason;
  if (typeof field === 'string') return `field:${field}`;
  if (typeof reason === 'string') return `reason:${reason}`;
  return `http_${e.status}`;
}

const STATUS: Record<number, string> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export const JSON_TYPE = 'application/json; charset=utf-8';

export interface JsonRouteOptions {
  /** Largest request body accepted; more is 413. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Read once per request; handlers get it as `ctx.now`. Default Date.now. */
  clock?: () => number;
  /** Unexpected handler failures (they answer 500 without details). */
  log?: (msg: string) => void;
}

export interface RequestContext {
  /** The clock, read once when the request arrived. */
  now: number;
  /** The Authorization header ('' when absent). */
  authorization: string;
  /** The address the connection comes from, as uWS spells it (IPv6 in full). */
  peer: string;
  /** The X-Forwarded-For header ('' when absent); to be believed only from a trusted proxy. */
  forwardedFor: string;
}

/** What a handler may know of its request, read while uWS still holds it. */
function contextOf(res: HttpResponse, req: HttpRequest, now: number): RequestContext {
  return {
    now,
    authorization: req.getHeader('authorization'),
    peer: Buffer.from(res.getRemoteAddressAsText()).toString('latin1'),
    forwardedFor: req.getHeader('x-forwarded-for'),
  };
}

/** Maps an error a handler threw to a status and body; return undefined for "not mine". */
export type ErrorMapper = (e: unknown) => HttpError | undefined;

export type JsonHandler = (body: Record<string, unknown>, ctx: RequestContext) => unknown;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes one reply, corked; a no-op once answered or aborted. For a HEAD request (`headOnly`)
 * it writes the headers GET would, Content-Length included, and no body.
 */
export class Reply {
  private done = false;
  constructor(private readonly res: HttpResponse, private readonly rejections?: RejectionCounter, private readonly headOnly = false) {
    res.onAborted(() => { this.done = true; });
  }

  get finished(): boolean {
    return this.done;
  }

  send(status: number, body: unknown, headers: Record<string, string> = {}, closeConnection = false, reason = `http_${status}`): void {
    this.sendText(status, JSON_TYPE, JSON.stringify(body), headers, closeConnection, reason);
  }

  sendText(status: number, contentType: string, text: string, headers: Record<string, string> = {}, closeConnection = false, reason = `http_${status}`): void {
    if (this.done) return;
    this.done = true;
    if (status >= 400) this.rejections?.record(status, reason);
    const res = this.res;
    res.cork(() => {
      res.writeStatus(STATUS[status] ?? `${status} Error`);
      res.writeHeader('Content-Type', contentType);
      res.writeHeader('Cache-Control', 'no-store');
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
      if (this.headOnly) res.endWithoutBody(Buffer.byteLength(text), closeConnection);
      else res.end(text, closeConnection);
    });
  }

  fail(e: HttpError): void {
    this.send(e.status, { ...e.body, error: e.message }, e.headers, false, reasonOf(e));
  }
}

/** Parses a complete body: UTF-8, JSON, an object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) throw new HttpError(400, 'empty body: expected a JSON object', {}, {}, 'empty_body');
  let src: string;
  try {
    src = fatalUtf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'body is not valid UTF-8', {}, {}, 'bad_utf8');
  }
  let v: unknown;
  try {
    v = JSON.parse(src);
  } catch (e) {
    throw new HttpError(400, `malformed JSON: ${(e as Error).message.slice(0, 120)}`, {}, {}, 'bad_json');
  }
  if (!isRecord(v)) throw new HttpError(400, 'body must be a JSON object', { field: 'body' }, {}, 'not_object');
  return v;
}

function toHttpError(e: unknown, map: ErrorMapper | undefined, log: (msg: string) => void): HttpError {
  if (e instanceof HttpError) return e;
  const mapped = map?.(e);
  if (mapped) return mapped;
  if (e instanceof FieldError) return new HttpError(400, e.message, { field: e.field });
  log(`cluster http: unexpected ${(e as Error)?.stack ?? String(e)}`);
  return new HttpError(500, 'internal error', {}, {}, 'internal');
}

/** Runs a handler and answers with what it returned (or resolved to) through `ok`, or with its error. */
function respond(reply: Reply, run: () => unknown, map: ErrorMapper | undefined, log: (msg: string) => void, ok = (v: unknown) => reply.send(200, v)): void {
  let out: unknown;
  try {
    out = run();
  } catch (e) {
    reply.fail(toHttpError(e, map, log));
    return;
  }
  if (out instanceof Promise) {
    out.then(ok, (e: unknown) => reply.fail(toHttpError(e, map, log)));
  } else {
    ok(out);
  }
}

function resolved(o: JsonRouteOptions): Required<JsonRouteOptions> {
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new RangeError('maxBodyBytes must be an integer ≥ 1');
  return { maxBodyBytes, clock: o.clock ?? Date.now, log: o.log ?? ((m) => process.stderr.write(`${m}\n`)) };
}

/**
 * POST `path`: a JSON object body of at most maxBodyBytes (413 beyond, read no further; the
 * connection is closed), handed to `handler`; its return value (or promise) is the 200 body.
 * FieldError → 400 naming the field, HttpError → its status, `map` for the caller's own errors,
 * anything else → 500. Other methods on `path` → 405.
 */
export function postJson(app: TemplatedApp, path: string, options: JsonRouteOptions, handler: JsonHandler, map?: ErrorMapper): void {
  const { maxBodyBytes, clock, log } = resolved(options);
  app.post(path, (res: HttpResponse, req: HttpRequest) => {
    const ctx = contextOf(res, req, clock());
    const declared = req.getHeader('content-length');
    const reply = new Reply(res, rejectionsOf(app));
    const tooLarge = () => reply.send(413, { error: `body larger than ${maxBodyBytes} bytes` }, {}, true, 'too_large');
    if (declared !== '' && !(Number(declared) <= maxBodyBytes)) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (reply.finished) return;
      size += chunk.byteLength;
      if (size > maxBodyBytes) {
        tooLarge();
        return;
      }
      // The chunk's memory is uWS's and is reused after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast) return;
      respond(reply, () => handler(parseJsonObject(Buffer.concat(chunks, size)), ctx), map, log);
    });
  });
  app.any(path, (res) => methodNotAllowed(app, res, 'POST'));
}

/** A GET route's answer when it is not JSON (e.g. Prometheus text). */
export interface TextBody {
  contentType: string;
  text: string;
}

/**
 * GET `path` (and HEAD: the same headers, no body): `handler`'s return value, or what its
 * promise resolves to, is the 200 body; a TextBody is sent as is, anything else as JSON.
 * Other methods → 405.
 */
export function getJson(app: TemplatedApp, path: string, options: JsonRouteOptions, handler: (ctx: RequestContext) => unknown, map?: ErrorMapper): void {
  const { clock, log } = resolved(options);
  const answer = (headOnly: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const ctx = contextOf(res, req, clock());
    const reply = new Reply(res, rejectionsOf(app), headOnly);
    respond(reply, () => handler(ctx), map, log, (v) => {
      if (isTextBody(v)) reply.sendText(200, v.contentType, v.text);
      else reply.send(200, v);
    });
  };
  app.get(path, answer(false));
  app.head(path, answer(true));
  app.any(path, (res) => methodNotAllowed(app, res, 'GET, HEAD'));
}

function isTextBody(v: unknown): v is TextBody {
  return isRecord(v) && typeof v.contentType === 'string' && typeof v.text === 'string' && Object.keys(v).length === 2;
}

function methodNotAllowed(app: TemplatedApp, res: HttpResponse, allow: string): void {
  new Reply(res, rejectionsOf(app)).send(405, { error: `method not allowed; use ${allow}` }, { Allow: allow }, false, 'method');
}

/** Answers every path not otherwise routed with 404 (mount last). */
export function notFound(app: TemplatedApp): void {
  app.any('/*', (res) => new Reply(res, rejectionsOf(app)).send(404, { error: 'not found' }, {}, false, 'not_found'));
}

/** Bearer credential from an Authorization header, or '' when there is none. */
export function bearer(authorization: string): string {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
  return m ? m[1] : '';
}

export interface Listening {
  port: number;
  close(): void;
}

/** uWS's listen with options; its typings only declare the form without a host. */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => TemplatedApp;
/** ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT, exported at run time (the typings declare only the enum). */
const EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

/** The port is in use (or cannot be bound); the message is one line fit for a terminal. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(readonly host: string, readonly port: number) {
    super(`cannot listen on ${host}:${port}: the port is in use (or the address is not this machine's)`);
  }
}

/**
 * Listens on host:port (0 = any free port) with the port to itself: no SO_REUSEPORT, so a
 * second server on a busy port fails with PortInUseError instead of silently sharing it.
 * Resolves with the bound port and a closer.
 */
export function listen(app: TemplatedApp, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    (app.listen as unknown as ListenWithOptions).call(app, host, port, EXCLUSIVE_PORT, (socket) => {
      if (!socket) {
        reject(new PortInUseError(host, port));
        return;
      }
      let open = true;
      resolve({
        port: uWS.us_socket_local_port(socket),
        close: () => {
          if (open) {
            uWS.us_listen_socket_close(socket);
            closeAppAfterGrace(app);
          }
          open = false;
        },
      });
    });
  });
}

export function newApp(): TemplatedApp {
  return uWS.App();
}
