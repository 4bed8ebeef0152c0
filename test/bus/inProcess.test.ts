// The Bus contract on the in-process hub, plus what is specific to it.

import { describe, expect, it } from 'vitest';

import { InProcessBus, InProcessHub, publishPermission, wirePattern } from '../../src/bus/index.js';
import { CONTRACT_SERVERS, busContract, waitFor } from './contract.js';

const allowed = (id: string) => CONTRACT_SERVERS.find((s) => s.id === id)!.subscribe;

busContract('InProcessBus', async () => {
  const hub = new InProcessHub();
  const namespace = 'mmo';
  return {
    namespace,
    create: async (serverId) => new InProcessBus({ hub, serverId, subscribe: allowed(serverId) }),
    // The same permissions an InProcessBus of that server gets.
    raw: async (serverId) =>
      hub.connect({ publish: [publishPermission(namespace, serverId)], subscribe: allowed(serverId).map((p) => wirePattern(namespace, p)) }),
  };
});

describe('InProcessBus specifics', () => {
  it('uses the shared hub by default, so buses in one process find each other', async () => {
    const a = new InProcessBus({ serverId: 'shared-a', namespace: 'shared-test' });
    const b = new InProcessBus({ serverId: 'shared-b', namespace: 'shared-test' });
    try {
      expect(a.hub).toBe(InProcessHub.shared);
      let got = 0;
      b.subscribe('x', () => got++);
      a.publish('x', { type: 'globalChat', channel: 'main', sender: 'a', text: 'hi' });
      await waitFor(() => got === 1, 'delivery');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('separate namespaces on one hub do not hear each other', async () => {
    const hub = new InProcessHub();
    const a = new InProcessBus({ hub, serverId: 'a', namespace: 'one' });
    const b = new InProcessBus({ hub, serverId: 'b', namespace: 'two' });
    let got = 0;
    b.subscribe('x', () => got++);
    a.publish('x', { type: 'globalChat', channel: 'main', sender: 'a', text: 'hi' });
    await hub.settle();
    expect(got).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses bad options', () => {
    const hub = new InProcessHub();
    const ok = { hub, serverId: 'a' };
    expect(() => new InProcessBus({ ...ok, serverId: '' })).toThrow(RangeError);
    expect(() => new InProcessBus({ ...ok, serverId: '0.1' })).toThrow(RangeError);
    expect(() => new InProcessBus({ ...ok, namespace: 'a.b' })).toThrow(RangeError);
  });
});
