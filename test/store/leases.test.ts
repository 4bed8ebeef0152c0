// Online leases on a real SQLite file: one holder at a time, renewal, expiry, hand-over, release.

import { describe, expect, it } from 'vitest';
import { OnlineLeases, PlayerStore } from '../../src/store/index.js';
import { tempDb } from '../persistence/helpers.js';

function setup(): { leases: OnlineLeases; other: OnlineLeases; id: number; clock: { t: number } } {
  const path = tempDb('leases');
  const store = PlayerStore.open(path);
  const id = store.loadOrCreatePlayer('ann', { x: 1, y: 1, zone: 'zone-1', kind: 'account' }).id;
  store.close();
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  // Two connections, as two zone processes would hold.
  return { leases: OnlineLeases.open(path, { ttlMs: 10_000, now }), other: OnlineLeases.open(path, { ttlMs: 10_000, now }), id, clock };
}

describe('OnlineLeases', () => {
  it('lets one zone hold a player; another is refused until it is released', () => {
    const { leases, other, id } = setup();
    expect(leases.claim(id, 'zone-1')).toBe(true);
    expect(other.claim(id, 'zone-2')).toBe(false);
    expect(other.holder(id)).toBe('zone-1');
    expect(leases.claim(id, 'zone-1')).toBe(true); // its own again
    other.release(id, 'zone-2'); // not its lease: nothing happens
    expect(leases.holder(id)).toBe('zone-1');
    leases.release(id, 'zone-1');
    expect(other.holder(id)).toBeUndefined();
    expect(other.claim(id, 'zone-2')).toBe(true);
  });

  it('expires without renewal (a dead zone), lives on with it', () => {
    const { leases, other, id, clock } = setup();
    expect(leases.claim(id, 'zone-1')).toBe(true);
    clock.t += 8_000;
    expect(leases.renew('zone-1', [id])).toBe(1);
    clock.t += 8_000;
    expect(other.claim(id, 'zone-2')).toBe(false); // renewed: still held
    clock.t += 2_001;
    expect(other.holder(id)).toBeUndefined();
    expect(other.claim(id, 'zone-2')).toBe(true);
    expect(leases.renew('zone-1', [id])).toBe(0); // lost it: no renewal
  });

  it('passes from the handing-over zone to the target, and to nobody else', () => {
    const { leases, other, id } = setup();
    expect(leases.claim(id, 'zone-1')).toBe(true);
    expect(other.claim(id, 'zone-3', 'zone-2')).toBe(false);
    expect(other.claim(id, 'zone-2', 'zone-1')).toBe(true);
    expect(leases.holder(id)).toBe('zone-2');
  });

  it('drops every lease of a zone that starts again', () => {
    const { leases, other, id } = setup();
    leases.claim(id, 'zone-1');
    expect(leases.releaseAll('zone-1')).toBe(1);
    expect(other.claim(id, 'zone-2')).toBe(true);
  });
});
