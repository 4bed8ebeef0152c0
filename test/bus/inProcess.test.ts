// The Bus contract on the in-process hub, plus what is specific to it.

import { describe, expect, it } from 'vitest';

import { InProcessBus, InProcessHub, ServerType } from '../../src/bus/index.js';
import { SECRET, busContract, waitFor } from './contract.js';

busContract('InProcessBus', async () => {
  const hub = new InProcessHub();
  return {
    namespace: 'mmo',
    create: async (serverId, opts) =>
      new InProcessBus({ hub, serverId, serverType: opts?.serverType ?? ServerType.Zone, secret: opts?.secret ?? SECRET }),
    raw: async () => hub.connect(),
  };
});

describe('InProcessBus specifics', () => {
  it('uses the shared hub by default, so buses in one process find each other', async () => {
    const a = new InProcessBus({ serverId: 'shared-a', serverType: ServerType.World, secret: SECRET, namespace: 'shared-test' });
    const b = new InProcessBus({ serverId: 'shared-b', serverType: ServerType.Zone, secret: SECRET, namespace: 'shared-test' });
    try {
      expect(a.hub).toBe(InProcessHub.shared);
      await Promise.all([a.waitForPeers(['shared-b']), b.waitForPeers(['shared-a'])]);
      let got = 0;
      b.subscribe('x', () => got++);
      a.publish('x', { type: 'globalEvent', kind: 1, text: '', value: 1 });
      await waitFor(() => got === 1, 'delivery');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('separate namespaces on one hub do not hear each other', async () => {
    const hub = new InProcessHub();
    const a = new InProcessBus({ hub, serverId: 'a', serverType: ServerType.Zone, secret: SECRET, namespace: 'one' });
    const b = new InProcessBus({ hub, serverId: 'b', serverType: ServerType.Zone, secret: SECRET, namespace: 'two' });
    await expect(a.waitForPeers(['b'], 100)).rejects.toThrow();
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses bad options', () => {
    const hub = new InProcessHub();
    const ok = { hub, serverId: 'a', serverType: ServerType.Zone, secret: SECRET };
    expect(() => new InProcessBus({ ...ok, serverId: '' })).toThrow(RangeError);
    expect(() => new InProcessBus({ ...ok, serverId: '0.1' })).toThrow(RangeError);
    expect(() => new InProcessBus({ ...ok, serverType: ServerType.None })).toThrow(RangeError);
    expect(() => new InProcessBus({ ...ok, secret: 'short' })).toThrow(/at least 16 bytes/);
    expect(() => new InProcessBus({ ...ok, namespace: 'a.b' })).toThrow(RangeError);
  });
});
