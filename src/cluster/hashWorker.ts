// A password-hashing thread of HashPool: runs scrypt synchronously (this thread has nothing
// else to do) and posts the key back. Jobs arrive one at a time; the pool never sends a second
// before the first is answered.

import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { HashJob, HashReply } from './hashPool.js';

if (!parentPort) throw new Error('src/cluster/hashWorker.ts is a worker entry; use HashPool');
const port = parentPort;

port.on('message', (job: HashJob) => {
  let reply: HashReply;
  try {
    const key = scryptSync(job.password, job.salt, job.keylen, job.options);
    reply = { ok: true, key: new Uint8Array(key) }; // an exact-size copy: a view would clone its whole buffer
  } catch (e) {
    reply = { ok: false, message: (e as Error).message };
  }
  port.postMessage(reply);
});
