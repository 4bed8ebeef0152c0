// HTTP requests from chosen loopback addresses: Linux routes all of 127.0.0.0/8 to lo, so a
// client can bind 127.x.y.z and the server sees a distinct source for each (real addresses, no
// forwarded header needed).

import { request } from 'node:http';

export interface SourcedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** The i-th simulated source, 127.<block>.<hi>.<lo> (block keeps test files apart). */
export function source(block: number, i: number): string {
  return `127.${block}.${(i >> 8) & 255}.${(i & 255)}`;
}

/** POSTs JSON `body` to `port` on 127.0.0.1 from `from`, on a new connection. */
export function postFrom(port: number, path: string, body: unknown, from: string, headers: Record<string, string> = {}): Promise<SourcedAnswer> {
  const raw = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': raw.length, ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch { /* left as text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(raw);
  });
}
