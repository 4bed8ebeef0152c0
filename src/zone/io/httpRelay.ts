// HTTP on a port served by I/O threads: the zone's endpoints (health, status, metrics, players,
// the viewer, admin) live on the tick thread, which serves them on a loopback port of its own;
// an I/O thread relays each request there and writes the answer back, so every endpoint
// answers the same whichever thread's app a connection landed on.

import type { HttpRequest, HttpResponse, TemplatedApp } from '../../runtime/index.js';

/** Request headers an endpoint reads. */
const REQUEST_HEADERS = ['authorization', 'content-type'];
/** Response headers an endpoint sets (uWS writes the length and date itself). */
const RESPONSE_HEADERS = ['content-type', 'www-authenticate'];
/** The most a relayed request body may hold (the admin routes take far less). */
const MAX_BODY_BYTES = 64 * 1024;

/** Relays every HTTP request of `app` to the endpoints on 127.0.0.1:`httpPort`. */
export function relayHttp(app: TemplatedApp, httpPort: number): void {
  app.any('/*', (res, req) => {
    const method = req.getMethod().toUpperCase();
    const query = req.getQuery();
    const url = `http://127.0.0.1:${httpPort}${req.getUrl()}${query ? `?${query}` : ''}`;
    const headers = requestHeaders(req);
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    const idempotent = method === 'GET' || method === 'HEAD';
    // The endpoints may close a kept-alive connection as idle just as the relay reuses it
    // ("other side closed", more likely while this thread is starved of CPU): a GET or HEAD is
    // safe to send once more, a POST may have been acted on and is not.
    const forward = (body?: Buffer, retries = idempotent ? 1 : 0) => {
      fetch(url, { method, headers, body: body ? new Uint8Array(body) : undefined }).then(async (r) => {
        const text = method === 'HEAD' ? '' : Buffer.from(await r.arrayBuffer());
        if (!aborted) write(res, method, r, text);
      }, (e: Error) => {
        if (retries > 0 && !aborted) return forward(body, retries - 1);
        const why = e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
        if (!aborted) res.cork(() => res.writeStatus('502 Bad Gateway').end(`relay failed: ${why}`));
      });
    };
    if (idempotent) return forward();
    readBody(res, (body) => (body ? forward(body) : res.cork(() => res.writeStatus('413 Payload Too Large').end())), () => aborted);
  });
}

function requestHeaders(req: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of REQUEST_HEADERS) {
    const v = req.getHeader(h);
    if (v) out[h] = v;
  }
  return out;
}

/** The whole body, or undefined when it is over the limit; nothing when the client went away. */
function readBody(res: HttpResponse, done: (body: Buffer | undefined) => void, aborted: () => boolean): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    if (aborted() || size > MAX_BODY_BYTES) return;
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) return done(undefined);
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this call
    if (isLast) done(Buffer.concat(chunks));
  });
}

/** The endpoint's status, headers and body (for HEAD, the length the body would have). */
function write(res: HttpResponse, method: string, r: Response, body: Buffer | string): void {
  res.cork(() => {
    res.writeStatus(`${r.status} ${r.statusText}`);
    for (const h of RESPONSE_HEADERS) {
      const v = r.headers.get(h);
      if (v !== null) res.writeHeader(h, v);
    }
    if (method !== 'HEAD') res.end(body);
    else res.writeHeader('Content-Length', r.headers.get('content-length') ?? '0').endWithoutBody();
  });
}
