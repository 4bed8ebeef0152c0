// A gateway alone in its own process (so the bench's clients do not share its event loop):
// default options, a fresh SQLite file, 127.0.0.1 on a free port. Prints
// `{"port":N,"hashThreads":N}` on stdout when listening; exits on SIGTERM.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, HashPool, Registry, listen, mountGateway, LocalDirectory, newApp, newJoinKeyPair, notFound } from '../../src/cluster/index.js';
import { PlayerStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'loginflood-'));
const store = PlayerStore.open(join(dir, 'accounts.db'));
const pool = new HashPool();
const gateway = new Gateway({ store, directory: new LocalDirectory(new Registry()), secret: randomBytes(32), joinKey: newJoinKeyPair().privateKey, hashPool: pool });
const app = newApp();
mountGateway(app, gateway);
notFound(app);
const server = await listen(app, '127.0.0.1', 0);
process.stdout.write(`${JSON.stringify({ port: server.port, hashThreads: pool.threads })}\n`);
process.once('SIGTERM', () => {
  server.close();
  void gateway.close().then(() => pool.close()).finally(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
