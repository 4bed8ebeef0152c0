// scrypt login against a real SQLite store file: new account, right and wrong password,
// validation, races, guest rows.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword, login, verifyPassword, type AuthStore } from '../../src/cluster/index.js';
import { PlayerStore } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('auth');
const store = PlayerStore.open(join(dir, 'auth.db'));
afterAll(() => store.close());

describe('hashPassword / verifyPassword', () => {
  it('salts every hash and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a.salt).toHaveLength(16);
    expect(a.hash).toHaveLength(33);
    expect(a.hash[0]).toBe(1); // format version
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
    expect(await verifyPassword('correct horse', a.hash, a.salt)).toBe(true);
    expect(await verifyPassword('correct horsf', a.hash, a.salt)).toBe(false);
    expect(await verifyPassword('correct horse', a.hash, b.salt)).toBe(false);
  });

  it('refuses a stored hash it does not understand', async () => {
    const a = await hashPassword('correct horse');
    const v2 = Buffer.from(a.hash);
    v2[0] = 2;
    expect(await verifyPassword('correct horse', v2, a.salt)).toBe(false);
    expect(await verifyPassword('correct horse', a.hash.subarray(0, 20), a.salt)).toBe(false);
    expect(await verifyPassword('correct horse', new Uint8Array(0), a.salt)).toBe(false);
  });
});

describe('login', () => {
  it('creates the account and its player on the first login', async () => {
    const r = await login(store, 'alice', 'wonderland', { x: 10, y: 20, zone: 'meadow' });
    expect(r).toMatchObject({ ok: true, name: 'alice', created: true });
    if (!r.ok) throw new Error('unreachable');
    const account = store.account('alice')!;
    expect(account.id).toBe(r.accountId);
    expect(account.passwordHash).toHaveLength(33);
    expect(account.passwordSalt).toHaveLength(16);
    expect(account.passwordHash.includes(Buffer.from('wonderland'))).toBe(false);
    expect(store.player(r.playerId)).toMatchObject({ name: 'alice', accountId: r.accountId, x: 10, y: 20, zone: 'meadow', level: 1, hp: 100 });
  });

  it('logs in again with the right password, to the same account and player', async () => {
    const first = await login(store, 'bob', 'builder123');
    const again = await login(store, 'bob', 'builder123');
    expect(again).toEqual({ ...first, created: false });
  });

  it('refuses a wrong password and changes nothing', async () => {
    await login(store, 'carol', 'carolsecret');
    const before = store.account('carol')!;
    const r = await login(store, 'carol', 'carolsecreT');
    expect(r).toEqual({ ok: false, reason: 'wrong_password', message: 'wrong password' });
    const after = store.account('carol')!;
    expect(after.passwordHash.equals(before.passwordHash)).toBe(true);
    expect(after.passwordSalt.equals(before.passwordSalt)).toBe(true);
  });

  it('treats names case-sensitively and normalizes Unicode (NFC names, NFKC passwords)', async () => {
    expect(await login(store, 'Dave', 'password1')).toMatchObject({ ok: true, created: true });
    expect(await login(store, 'dave', 'password2')).toMatchObject({ ok: true, created: true });
    const composed = 'Zo\u00e9';
    const decomposed = 'Zoe\u0301';
    const first = await login(store, composed, 'caf\u00e9 au lait');
    const second = await login(store, decomposed, 'cafe\u0301 au lait');
    expect(first).toMatchObject({ ok: true, created: true });
    expect(second).toMatchObject({ ok: true, created: false, name: composed });
  });

  it('refuses bad names and passwords before touching the store', async () => {
    const bad: [unknown, unknown, string][] = [
      ['', 'password1', 'bad_name'],
      ['x'.repeat(25), 'password1', 'bad_name'],
      ['tab\tname', 'password1', 'bad_name'],
      [42, 'password1', 'bad_name'],
      [null, 'password1', 'bad_name'],
      ['erin', 'short', 'bad_password'],
      ['erin', 'p'.repeat(129), 'bad_password'],
      ['erin', 12345678, 'bad_password'],
      ['erin', undefined, 'bad_password'],
    ];
    for (const [name, password, reason] of bad) {
      const r = await login(store, name, password);
      expect(r, JSON.stringify([name, password])).toMatchObject({ ok: false, reason });
    }
    expect(store.account('erin')).toBeUndefined();
  });

  it('stores SQL-looking names verbatim', async () => {
    const name = "x'); DROP TABLE--";
    expect(await login(store, name, "pa'ss--word")).toMatchObject({ ok: true, created: true, name });
    expect(await login(store, name, "pa'ss--word")).toMatchObject({ ok: true, created: false });
    expect(store.account(name)?.name).toBe(name);
  });

  it('two first logins racing for one name: one account; the other password is checked against it', async () => {
    const [a, b] = await Promise.all([login(store, 'frank', 'frank-pass-1'), login(store, 'frank', 'frank-pass-2')]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((r) => !r.ok)).toMatchObject({ reason: 'wrong_password' });
    const [c, d] = await Promise.all([login(store, 'gina', 'same-pass-1'), login(store, 'gina', 'same-pass-1')]);
    expect(c.ok && d.ok).toBe(true);
    if (c.ok && d.ok) expect(c.accountId).toBe(d.accountId);
  });

  it('never takes over a guest player row of the same name; refuses a row owned by another account', async () => {
    const guest = store.loadOrCreatePlayer('henry', { x: 1, y: 2, zone: 'meadow' });
    const r = await login(store, 'henry', 'henry-pass');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.playerId).not.toBe(guest.id);
    expect(store.playerByName('henry', 'guest')).toEqual(guest);

    // A store whose player row claims another account.
    const fake: AuthStore = {
      account: (n) => store.account(n),
      createAccount: (n, h, s) => store.createAccount(n, h, s),
      loadOrCreatePlayer: (n, spawn) => ({ ...store.loadOrCreatePlayer(n, spawn), accountId: 999_999 }),
    };
    expect(await login(fake, 'ivy', 'ivy-password')).toMatchObject({ ok: false, reason: 'name_taken' });
  });
});
