// A password-hashing thread of HashPool (hashPool.ts): runs scrypt synchronously (this thread
// has nothing else to do) and posts the key back. Jobs ({password, salt, keylen, options}, a
// HashJob) arrive one at a time; the pool never sends a second before the first is answered.
// Plain JavaScript so the thread starts in milliseconds, without loading a TypeScript loader.

import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('src/cluster/hashWorker.mjs is a worker entry; use HashPool');
const port = parentPort;

port.on('message', (job) => {
  let reply;
  try {
    const key = scryptSync(job.password, job.salt, job.keylen, job.options);
    reply = { ok: true, key: new Uint8Array(key) }; // an exact-size copy: a view would clone its whole buffer
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
