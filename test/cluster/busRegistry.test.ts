import { describe, expect, it } from 'vitest';
import { InProcessBus, InProcessHub, ServerType } from '../../src/bus/index.js';
import { Registry, bridgeLoadReports, publishLoad } from '../../src/cluster/index.js';

const SECRET = 'bus-registry-test-secret';

describe('registry heartbeats over the bus', () => {
  it("applies a registered server's load report, from the authenticated sender only", async () => {
    const hub = new InProcessHub();
    const master = new InProcessBus({ hub, serverId: 'master', serverType: ServerType.Master, secret: SECRET });
    const zone = new InProcessBus({ hub, serverId: 'zone-1', serverType: ServerType.Zone, secret: SECRET });
    const stranger = new InProcessBus({ hub, serverId: 'zone-9', serverType: ServerType.Zone, secret: SECRET });
    await Promise.all([master.waitForPeers(['zone-1', 'zone-9']), zone.waitForPeers(['master']), stranger.waitForPeers(['master'])]);
    const registry = new Registry();
    const t0 = 1_000_000;
    registry.register({ id: 'zone-1', type: 'zone', host: '127.0.0.1', port: 9001, capacity: 200 }, t0);
    const bridge = bridgeLoadReports(master, registry, () => t0 + 20_000);
    publishLoad(zone, 50, 200);
    // A report naming another server than its sender, and one from a server not registered.
    stranger.publish('registry.load', { type: 'loadReport', serverId: 'zone-1', load: 1, capacity: 200 });
    publishLoad(stranger, 1, 10);
    await new Promise((r) => setTimeout(r, 50));
    const info = registry.server('zone-1', t0 + 20_000);
    expect(info.load).toBe(50);
    expect(info.lastHeartbeat).toBe(t0 + 20_000);
    expect(registry.query('zone', t0 + 45_000).map((s) => s.id)).toEqual(['zone-1']); // kept active past 30 s from registering
    expect(bridge.dropped()).toBe(1); // the unregistered one
    expect(master.stats().dropped.forged).toBe(1); // the one naming another server: the bus drops it
    bridge.stop();
    await Promise.all([master.close(), zone.close(), stranger.close()]);
  });
});
