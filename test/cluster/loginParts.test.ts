// The parts of login admission, unit by unit: client address keys and trusted proxies, token
// buckets by key, and the hashing thread pool.

import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FairQueue, HashPool, KeyedBuckets, addressList, clientSource, hashPassword, sourceKey, verifyPassword } from '../../src/cluster/index.js';

describe('sourceKey / clientSource', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64; refuses non-addresses', () => {
    expect(sourceKey('127.0.0.2')).toBe('127.0.0.2');
    expect(sourceKey('0000:0000:0000:0000:0000:ffff:7f00:0002')).toBe('127.0.0.2'); // as uWS spells it
    expect(sourceKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('garbage')).toBe('');
  });

  it('believes the last X-Forwarded-For entry only from a trusted proxy', () => {
    const trusted = addressList(['127.0.0.1', '10.0.0.0/8', '::1'], 'trusted proxy');
    expect(clientSource('127.0.0.1', '1.2.3.4, 5.6.7.8', trusted)).toBe('5.6.7.8');
    expect(clientSource('10.20.30.40', '2001:db8:5::1', trusted)).toBe('2001:db8:5:0::/64');
    expect(clientSource('0000:0000:0000:0000:0000:0000:0000:0001', '9.9.9.9', trusted)).toBe('9.9.9.9');
    expect(clientSource('127.0.0.2', '5.6.7.8', trusted)).toBe('127.0.0.2');
    expect(clientSource('127.0.0.1', 'not an address', trusted)).toBe('127.0.0.1');
    expect(clientSource('127.0.0.1', '5.6.7.8', undefined)).toBe('127.0.0.1');
    expect(() => addressList(['1.2.3.4/33'], 'trusted proxy')).toThrow(/trusted proxy "1.2.3.4\/33"/);
    expect(() => addressList(['example.com'], 'exempt source')).toThrow(/exempt source/);
  });
});

describe('KeyedBuckets', () => {
  it('allows a burst, then the sustained rate, per key; says how long to wait', () => {
    const b = new KeyedBuckets({ burst: 3, perSecond: 0.5 });
    const t = 1_000_000;
    expect([b.take('a', t), b.take('a', t), b.take('a', t)]).toEqual([0, 0, 0]);
    expect(b.take('a', t)).toBe(2000);
    expect(b.take('b', t)).toBe(0);
    expect(b.waitMs('a', t + 1500)).toBe(500);
    expect(b.take('a', t + 2000)).toBe(0);
    expect(b.take('a', t + 2000)).toBe(2000);
    b.reset('a');
    expect(b.waitMs('a', t + 2000)).toBe(0);
  });

  it('stays within maxKeys, dropping refilled buckets first, then the least recently used', () => {
    const b = new KeyedBuckets({ burst: 1, perSecond: 1 }, 3);
    b.take('old', 0);
    b.take('x', 5000);
    b.take('y', 5000);
    b.take('z', 5000); // 'old' has refilled: dropped
    expect(b.size).toBe(3);
    expect(b.waitMs('x', 5000)).toBe(1000);
    b.take('w', 5000); // none refilled: the least recently used ('x') goes
    expect(b.size).toBe(3);
    expect(b.waitMs('x', 5000)).toBe(0);
    expect(b.waitMs('y', 5000)).toBe(1000);
  });

  it('refuses rules that cannot work', () => {
    expect(() => new KeyedBuckets({ burst: 0.5, perSecond: 1 })).toThrow(/burst/);
    expect(() => new KeyedBuckets({ burst: 1, perSecond: 0 })).toThrow(/perSecond/);
  });
});

describe('FairQueue', () => {
  it('takes turns between keys: a key with many jobs waiting delays another by one job per round', async () => {
    const q = new FairQueue(1);
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const job = (name: string) => () => new Promise<string>((resolve) => gates.push(() => { order.push(name); resolve(name); }));
    const all = [
      ...Array.from({ length: 5 }, (_, i) => q.run('flood', job(`flood-${i}`))),
      q.run('honest', job('honest-0')),
      q.run('other', job('other-0')),
      q.run('honest', job('honest-1')),
    ];
    expect(q.waiting).toBe(7); // one running
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all(all)).toHaveLength(8);
    // flood-0 was running; then one job per key per round: flood's turn came first (its key
    // queued first), then honest and other, then flood again.
    expect(order).toEqual(['flood-0', 'flood-1', 'honest-0', 'other-0', 'flood-2', 'honest-1', 'flood-3', 'flood-4']);
  });

  it('passes a failing job\'s error on and keeps going', async () => {
    const q = new FairQueue(2);
    await expect(q.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', async () => 7)).toBe(7);
    expect(() => new FairQueue(0)).toThrow(/concurrency/);
  });
});

describe('HashPool', () => {
  it('computes what scrypt computes, with more jobs than threads; verifies hashes made on libuv', async () => {
    const pool = new HashPool(2);
    try {
      const options = { N: 1024, r: 8, p: 1 };
      const salts = Array.from({ length: 6 }, (_, i) => Buffer.alloc(16, i));
      const keys = await Promise.all(salts.map((s, i) => pool.scrypt(`password-${i}`, s, 32, options)));
      keys.forEach((k, i) => expect(k.equals(scryptSync(`password-${i}`, salts[i], 32, options))).toBe(true));
      expect(pool.backlog).toBe(0);
      const { hash, salt } = await hashPassword('made on libuv');
      const run = pool.scrypt.bind(pool);
      expect(await verifyPassword('made on libuv', hash, salt, run)).toBe(true);
      expect(await verifyPassword('made on libuz', hash, salt, run)).toBe(false);
    } finally {
      await pool.close();
    }
  });

  it('fails a job whose scrypt fails, and keeps serving; refuses work once closed', async () => {
    const pool = new HashPool(1);
    await expect(pool.scrypt('x', Buffer.alloc(16), 32, { N: 3 })).rejects.toThrow(/scrypt failed/);
    expect((await pool.scrypt('x', Buffer.alloc(16), 8, { N: 16 })).length).toBe(8);
    await pool.close();
    await expect(pool.scrypt('x', Buffer.alloc(16), 8, { N: 16 })).rejects.toThrow(/closed/);
    expect(() => new HashPool(0)).toThrow(/threads/);
  });
});
