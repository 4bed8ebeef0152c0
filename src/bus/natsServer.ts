// Starts and stops Debian's nats-server (package `nats-server`) for tests and `mmo world`.
//
// The server runs from a generated config file (natsConfig.ts: listen address, one user per
// server with its permissions), written owner-only (0600) into a private (0700) temporary
// directory that is removed when the server exits; only the file's path is on the command line.
// It listens on 127.0.0.1 unless told otherwise, NATS core (no JetStream, no clustering, no
// monitoring port). startNatsServer resolves once the port answers with a NATS INFO line
// naming the server id that our child process logged. stop() signals the process BY ITS OWN PID (the ChildProcess we spawned, and
// only while it is still running), never by name; a server still running when this Node process
// exits is killed by pid as well.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { natsServerConfig, type NatsUser } from './natsConfig.js';

export const NATS_SERVER_PACKAGE = 'nats-server';
const DEFAULT_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server'];
const LOOPBACK = '127.0.0.1';

export class NatsServerMissingError extends Error {
  override name = 'NatsServerMissingError';
  constructor(detail: string) {
    super(
      `nats-server not found (${detail}): install the Debian package ${NATS_SERVER_PACKAGE} ` +
        `(apt-get install ${NATS_SERVER_PACKAGE}) or set NATS_SERVER=/path/to/nats-server`,
    );
  }
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The nats-server binary: `explicit`, else $NATS_SERVER, else /usr/sbin or /usr/bin (Debian),
 * else the first on $PATH. null when there is none.
 */
export function findNatsServer(explicit?: string): string | null {
  if (explicit !== undefined) return isExecutable(explicit) ? explicit : null;
  const env = process.env.NATS_SERVER;
  if (env !== undefined && env !== '') return isExecutable(env) ? env : null;
  for (const p of DEFAULT_PATHS) if (isExecutable(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, 'nats-server');
    if (isExecutable(p)) return p;
  }
  return null;
}

/** A free TCP port on 127.0.0.1 (bound and released; a tiny race remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}

export interface NatsServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default a free one. */
  port?: number;
  /** One per server (natsConfig.ts); without users the server takes anyone (tests only). */
  users?: readonly NatsUser[];
  /** Subject namespace the users' permissions are for (default "mmo"). */
  namespace?: string;
  /** The binary; default findNatsServer(). */
  binary?: string;
  /** How long to wait for the port to answer, ms (default 10 000). */
  startTimeoutMs?: number;
  /**
   * In a process group of its own, so that a terminal's Ctrl-C reaches it only through its
   * owner, which stops it last (`mmo world`: after the zones drained). Default: the owner's group.
   */
  ownProcessGroup?: boolean;
}

export interface StopOptions {
  /** Default SIGTERM; SIGKILL simulates a crash. */
  signal?: NodeJS.Signals;
  /** After this long the process is SIGKILLed (default 5000 ms). */
  timeoutMs?: number;
}

/** A running nats-server that this process started. */
export class NatsServer {
  readonly host: string;
  readonly port: number;
  /** The generated config file (0600, in a private directory removed at exit). */
  readonly configFile: string;
  readonly pid: number;
  readonly binary: string;
  private readonly child: ChildProcess;
  private readonly exit: Promise<void>;
  private readonly log: { text: string };

  /** @internal use startNatsServer */
  constructor(child: ChildProcess, host: string, port: number, configFile: string, binary: string, log: { text: string }, exit: Promise<void>) {
    this.child = child;
    this.pid = child.pid!;
    this.host = host;
    this.port = port;
    this.configFile = configFile;
    this.binary = binary;
    this.log = log;
    this.exit = exit;
  }

  get url(): string {
    return `nats://${this.host === '0.0.0.0' ? LOOPBACK : this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last few KB the server logged. */
  get output(): string {
    return this.log.text;
  }

  /** Signals the server by its pid and waits for it to exit. Safe to call twice. */
  async stop(opts: StopOptions = {}): Promise<void> {
    if (this.running) {
      try {
        process.kill(this.pid, opts.signal ?? 'SIGTERM');
      } catch {
        // already gone
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exit.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), opts.timeoutMs ?? 5000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut && this.running) {
        try {
          process.kill(this.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await this.exit;
  }
}

const running = new Set<NatsServer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of running) {
      if (!s.running) continue;
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      fs.rmSync(path.dirname(s.configFile), { recursive: true, force: true });
    }
  });
}

/** The INFO line that host:port answers with, or null. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: host === '0.0.0.0' ? LOOPBACK : host, port });
    let buf = '';
    const done = (info: string | null) => {
      sock.destroy();
      resolve(info);
    };
    sock.setTimeout(1000, () => done(null));
    sock.on('error', () => done(null));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.startsWith('INFO ') ? buf.slice(0, nl) : null);
      else if (buf.length > 65536) done(null);
    });
    sock.on('end', () => done(null));
  });
}

/**
 * Starts nats-server from a generated config (on 127.0.0.1 and a free port unless told
 * otherwise) and waits until it accepts connections. Throws NatsServerMissingError (naming the Debian package) when the
 * binary is missing, or an Error with the server's output when it does not come up.
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = opts.binary ?? findNatsServer();
  if (binary === null) throw new NatsServerMissingError('looked in $NATS_SERVER, /usr/sbin, /usr/bin and $PATH');
  if (!isExecutable(binary)) throw new NatsServerMissingError(`${binary} is not an executable file`);
  const attempts = opts.port === undefined ? 3 : 1;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOn(binary, { ...opts, host: opts.host ?? LOOPBACK, port }, opts.startTimeoutMs ?? 10_000);
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

/** Writes the config owner-only into a fresh private directory; returns the file's path. */
function writeConfig(o: NatsServerOptions & { host: string; port: number }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmo-nats-')); // mode 0700
  const file = path.join(dir, 'nats-server.conf');
  fs.writeFileSync(file, natsServerConfig(o), { mode: 0o600, flag: 'wx' });
  return file;
}

async function startOn(binary: string, o: NatsServerOptions & { host: string; port: number }, timeoutMs: number): Promise<NatsServer> {
  const { host, port } = o;
  const configFile = writeConfig(o);
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: o.ownProcessGroup === true });
  const log = { text: '' };
  const keep = (d: Buffer) => {
    log.text = (log.text + d.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
  }).then(() => fs.rmSync(path.dirname(configFile), { recursive: true, force: true }));
  if (child.pid === undefined) {
    await exit;
    throw new Error(`cannot start ${binary}: ${(spawnError as Error | null)?.message ?? 'no pid'}`);
  }
  const server = new NatsServer(child, host, port, configFile, binary, log, exit);
  running.add(server);
  installExitHook();
  void exit.then(() => running.delete(server));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.running) {
      throw new Error(`nats-server on port ${port} exited during start-up:\n${log.text.trim()}`);
    }
    // Ready when the port answers with OUR server's id (the log names it first), so a
    // different process on the same port is never mistaken for it.
    const id = /\bID:\s+(\S+)/.exec(log.text)?.[1];
    const info = id === undefined ? null : await probe(host, port);
    if (info !== null && info.includes(`"server_id":"${id}"`) && server.running) return server;
    if (Date.now() > deadline) {
      await server.stop({ signal: 'SIGKILL' });
      throw new Error(`nats-server on port ${port} did not accept connections within ${timeoutMs} ms:\n${log.text.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
