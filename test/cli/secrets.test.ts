// Secrets off the command line (issue 16, item 1): `--secret VALUE` is refused with a pointer
// to MMO_SECRET by the commands that take it, and a zone takes none; secret and credentials
// files must be owner-only; join keys are read by kind (the master's private, a zone's public);
// and a real `mmo world --zones 2 --nats auto` is inspected through /proc as any local user
// would: no secret, key or NATS password on the command line of any process it started (master,
// zones, nats-server), while each child got only its own credentials in its (owner-only)
// environment: the master the gateway's secret and join key, each zone the join public key,
// which makes no token another server accepts.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findNatsServer } from '../../src/bus/index.js';
import { joinPublicKey, joinSigningKey, natsCredentials, tokenSecret } from '../../src/cli/secrets.js';
import { zoneInit } from '../../src/cli/zone.js';
import { joinKeyFromPem, joinKeyPem, newJoinKeyPair, newNonce, signJoinToken, verifyJoinToken } from '../../src/cluster/tokens.js';

const MMO = join(import.meta.dirname, '../../src/cli/mmo.js');
const dir = mkdtempSync(join(tmpdir(), 'mmo-secrets-'));
const SKIP_WORLD = findNatsServer() === null && !process.env.CI;

function mmo(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [MMO, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string, mode: number): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

describe('secrets are not taken on the command line', () => {
  for (const cmd of [['world', '--zones', '1'], ['master', '--world', '/nonexistent']]) {
    it(`mmo ${cmd[0]} --secret VALUE is refused, naming MMO_SECRET, without echoing the value`, () => {
      const r = mmo([...cmd, '--secret', 'hunter2-hunter2-hunter2']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--secret is not taken on the command line .*set MMO_SECRET or use --secret-file FILE/);
      expect(r.err + r.out).not.toContain('hunter2');
    });
  }

  it('mmo zone takes no secret at all: --secret VALUE is an unknown option, the value not echoed', () => {
    const r = mmo(['zone', '--port', '0', '--no-db', '--secret', 'hunter2-hunter2-hunter2']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown option '--secret'/);
    expect(r.err + r.out).not.toContain('hunter2');
  });

  it('a zone config file that still has tokenSecret is refused, saying where the key goes now', () => {
    const config = file('old-zone.json', JSON.stringify({ port: 0, tokenSecret: 'a-shared-secret-of-old' }), 0o600);
    expect(() => zoneInit({ config })).toThrow(/tokenSecret: no longer taken, a zone holds no secret: give it the gateway's public key by \$MMO_JOIN_PUBLIC_KEY or --join-public-key-file FILE/);
  });

  it('join keys: the master reads a private key (owner-only file, else MMO_JOIN_KEY), a zone a public one', () => {
    const { privateKey, publicKey } = newJoinKeyPair();
    const priv = joinKeyPem(privateKey), pub = joinKeyPem(publicKey);
    expect(() => joinSigningKey({ joinKeyFile: file('loose.key', priv, 0o644) })).toThrow(/may be read by group or others \(mode 644\): chmod 600/);
    expect(joinSigningKey({ joinKeyFile: file('join.key', priv, 0o600) }, {})!.equals(privateKey)).toBe(true);
    expect(joinSigningKey({}, { MMO_JOIN_KEY: priv })!.equals(privateKey)).toBe(true);
    expect(joinSigningKey({}, {})).toBeUndefined();
    // The public key's file may be read by anyone; a zone handed the private key refuses it.
    expect(joinPublicKey({ joinPublicKeyFile: file('join.pub', pub, 0o644) }, {})!.equals(publicKey)).toBe(true);
    expect(joinPublicKey({}, { MMO_JOIN_PUBLIC_KEY: pub })!.equals(publicKey)).toBe(true);
    expect(() => joinPublicKey({}, { MMO_JOIN_PUBLIC_KEY: priv })).toThrow(/\$MMO_JOIN_PUBLIC_KEY: expected the public Ed25519 key of the gateway, got its private key/);
    expect(() => joinSigningKey({}, { MMO_JOIN_KEY: pub })).toThrow(/expected the private Ed25519 key/);
    expect(() => joinPublicKey({}, { MMO_JOIN_PUBLIC_KEY: 'a-shared-secret-every-zone-knew' })).toThrow(/\$MMO_JOIN_PUBLIC_KEY: join key: not a PEM key/);
  });

  it('a secret file readable by group or others is refused; an owner-only one is read; else MMO_SECRET', () => {
    const loose = file('loose.secret', 'a-secret-of-enough-bytes\n', 0o644);
    expect(() => tokenSecret({ secretFile: loose })).toThrow(/may be read by group or others \(mode 644\): chmod 600/);
    const tight = file('tight.secret', 'a-secret-of-enough-bytes\n', 0o600);
    expect(tokenSecret({ secretFile: tight }, {})).toBe('a-secret-of-enough-bytes');
    expect(tokenSecret({}, { MMO_SECRET: 'from-env' })).toBe('from-env');
    expect(tokenSecret({}, {})).toBeUndefined();
    expect(() => tokenSecret({ secretFile: file('empty.secret', '\n', 0o600) })).toThrow(/empty secret/);
    expect(() => tokenSecret({ secretFile: join(dir, 'missing') })).toThrow(/cannot read \(ENOENT\)/);
  });

  it('NATS credentials: an owner-only JSON file, or both environment variables', () => {
    const creds = file('zone-1.json', '{"user":"zone-1","password":"pw"}', 0o600);
    expect(natsCredentials({ natsCredentials: creds })).toEqual({ user: 'zone-1', pass: 'pw' });
    expect(() => natsCredentials({ natsCredentials: file('loose.json', '{"user":"zone-1","password":"pw"}', 0o640) })).toThrow(/chmod 600/);
    expect(() => natsCredentials({ natsCredentials: file('bad.json', '{"user":"zone-1"}', 0o600) })).toThrow(/expected \{"user"/);
    expect(natsCredentials({}, { MMO_NATS_USER: 'zone-2', MMO_NATS_PASSWORD: 'pw2' })).toEqual({ user: 'zone-2', pass: 'pw2' });
    expect(natsCredentials({}, {})).toBeUndefined();
    expect(() => natsCredentials({}, { MMO_NATS_USER: 'zone-2' })).toThrow(/both MMO_NATS_USER and MMO_NATS_PASSWORD/);
  });

  it('mmo nats-config writes an owner-only server config nats-server accepts, and one owner-only credentials file per zone', () => {
    const out = join(dir, 'nats');
    const r = mmo(['nats-config', '--zones', '2', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['nats-server.conf', 'zone-1.json', 'zone-2.json']);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(out)) expect(statSync(join(out, f)).mode & 0o777).toBe(0o600);
    const conf = JSON.parse(readFileSync(join(out, 'nats-server.conf'), 'utf8'));
    expect(conf.listen).toBe('127.0.0.1:4222');
    const z1 = conf.authorization.users.find((u: { user: string }) => u.user === 'zone-1');
    expect(z1.permissions).toEqual({ publish: { allow: ['mmo.from.zone-1.>'] }, subscribe: { allow: ['mmo.from.*.zone.1.>', 'mmo.from.*.chat.global.*'] } });
    expect(JSON.parse(readFileSync(join(out, 'zone-1.json'), 'utf8'))).toEqual({ user: 'zone-1', password: z1.password });
    const nats = findNatsServer();
    if (nats) expect(spawnSync(nats, ['-c', join(out, 'nats-server.conf'), '-t'], { encoding: 'utf8' }).status).toBe(0);
    // Never overwrites (the running server's passwords would no longer match).
    expect(mmo(['nats-config', '--zones', '2', '--out', out]).code).toBe(2);
  });
});

/** Pids whose parent is `ppid` (from /proc/PID/stat; the command name may hold spaces and parentheses). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
const environ = (pid: number) =>
  Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe.skipIf(SKIP_WORLD)('mmo world --zones 2 --nats auto, seen through /proc', () => {
  let world: ChildProcess;
  let exited: Promise<unknown>;
  let out = '';

  beforeAll(() => {
    world = spawn(process.execPath, [MMO, 'world', '--zones', '2', '--nats', 'auto', '--port', '0', '--db', join(dir, 'world.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MMO_SECRET: '', MMO_NATS_USER: '', MMO_NATS_PASSWORD: '' },
    });
    world.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    world.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    exited = new Promise((r) => world.once('exit', r));
  });
  afterAll(async () => {
    if (world.exitCode === null && world.signalCode === null) world.kill('SIGTERM'); // by its own pid
    await exited;
  });

  it('no secret or password on any child\'s command line; each zone holds only its own credentials', async () => {
    const deadline = Date.now() + 60_000;
    while (!/world: 2 zone processes/.test(out)) {
      if (world.exitCode !== null || Date.now() > deadline) throw new Error(`mmo world did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const kids = childrenOf(world.pid!);
    const lines = kids.map(cmdline);
    const natsIdx = lines.findIndex((l) => /nats-server$/.test(l[0]));
    // (Other children, such as tsx's esbuild service, are checked below as well.)
    const roles = lines.map((l) => (l.includes('master') ? 'master' : l.includes('zone') ? `zone-${l[l.indexOf('--zone-id') + 1]}` : /nats-server$/.test(l[0]) ? 'nats' : 'other'));
    expect(roles.filter((r) => r !== 'other').sort()).toEqual(['master', 'nats', 'zone-1', 'zone-2']);

    // What a local user must not find: the gateway's secret and join key, and every NATS password.
    const conf = lines[natsIdx][lines[natsIdx].indexOf('-c') + 1];
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    const users = JSON.parse(readFileSync(conf, 'utf8')).authorization.users as { user: string; password: string }[];
    expect(users.map((u) => u.user)).toEqual(['zone-1', 'zone-2']);
    const zones = kids.filter((_, i) => roles[i].startsWith('zone'));
    const master = kids[roles.indexOf('master')];
    const secret = environ(master).MMO_SECRET, joinKey = joinSigningKey({}, environ(master))!;
    expect(secret.length).toBeGreaterThanOrEqual(32); // generated per run
    const keyBody = environ(master).MMO_JOIN_KEY.split('\n')[1]; // the PEM's base64 line
    const secrets = [secret, keyBody, ...users.map((u) => u.password)];
    for (const pid of [world.pid!, ...kids]) {
      const line = cmdline(pid).join(' ');
      for (const s of secrets) expect(line).not.toContain(s);
    }
    const token = (key: Parameters<typeof signJoinToken>[1]) =>
      signJoinToken({ accountId: 1, playerId: 1, name: 'x', serverId: 'zone-1', expiresAt: Date.now() + 60_000, nonce: newNonce() }, key);
    for (const pid of zones) {
      const env = environ(pid);
      const me = users.find((u) => u.user === env.MMO_NATS_USER)!;
      expect(env.MMO_NATS_PASSWORD).toBe(me.password);
      // A zone holds the gateway's public key and no secret: nothing in its environment signs a
      // join token (only an Ed25519 private key does, and none of its values is one).
      expect(env.MMO_SECRET).toBeUndefined();
      expect(env.MMO_JOIN_KEY).toBeUndefined();
      const publicKey = joinPublicKey({}, env)!;
      expect(verifyJoinToken(token(joinKey), publicKey, Date.now()).ok).toBe(true);
      expect(() => token(publicKey)).toThrow(/signed with an Ed25519 private key/);
      const keys = Object.values(env).flatMap((value) => { try { return [joinKeyFromPem(value)]; } catch { return []; } });
      expect(keys.map((k) => k.type)).toEqual(['public']);
    }
    expect(new Set(zones.map((pid) => environ(pid).MMO_NATS_USER))).toEqual(new Set(['zone-1', 'zone-2']));
    expect(environ(master).MMO_JOIN_PUBLIC_KEY).toBeUndefined();
    expect(environ(master).MMO_NATS_PASSWORD).toBeUndefined();

    // And it works that way: both zones registered with the master (HTTP, each with its own registry key) after joining NATS.
    const port = /registry \+ gateway on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1];
    const until = Date.now() + 20_000;
    let ids: string[] = [];
    while (ids.length < 2 && Date.now() < until) {
      ids = ((await (await fetch(`http://127.0.0.1:${port}/servers`)).json()) as { id: string }[]).map((s) => s.id).sort();
      if (ids.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toEqual(['zone-1', 'zone-2']);
  }, 90_000);
});
