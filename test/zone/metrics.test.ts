import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { startWorld, type World } from '../../src/cli/world.js';
import { tempDb, waitFor } from '../persistence/helpers.js';

let world: World | undefined;
afterAll(async () => { await world?.stop(); });

interface Family { type: string; samples: { labels: string; value: number }[] }

/** Parses the Prometheus text format into families by name. */
function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1], { type: type[2], samples: [] });
    const sample = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const base = [...families.keys()].find((f) => sample[1] === f || sample[1].startsWith(`${f}_`));
    families.get(base ?? sample[1])?.samples.push({ labels: sample[2] ?? '', value: Number(sample[3]) });
  }
  return families;
}

describe('/metrics', () => {
  it('exposes tick, players, traffic, rejections, bus and store figures under Prometheus naming', async () => {
    world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 2, db: tempDb('metrics'), npcs: 5, items: 5, tickRate: 100 });
    const login = await (await fetch(`http://127.0.0.1:${world.port}/login`, { method: 'POST', body: JSON.stringify({ name: 'metered', password: 'a long password' }) })).json() as { token: string };
    const route = await (await fetch(`http://127.0.0.1:${world.port}/route`, { method: 'POST', headers: { authorization: `Bearer ${login.token}` }, body: '{"type":"zone"}' })).json() as { endpoint: string; token: string; serverId: string };
    const c = new ZoneClient({ name: 'x', token: route.token, WebSocket: WebSocket as never });
    await c.connect(route.endpoint);
    c.chat(''.padEnd(300, 'x')); // refused by the server: counted by reason
    c.move(50, 50);
    c.chat('/g heard in every zone'); // a bus message: published here, received by both zones
    const zone = world.zones.find((z) => z.options.serverId === route.serverId)!;
    await waitFor('a store flush', () => (zone.status().store?.flushes ?? 0) > 0, 5000);
    // Block the event loop (the shared one of this in-process world) so the driver drops ticks.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    const text = await (await fetch(`http://127.0.0.1:${zone.port}/${route.serverId}/metrics`)).text();
    const m = parse(text);
    for (const [name, f] of m) {
      // The zone's own figures under mmo_; prom-client's process figures under their usual names.
      expect(name).toMatch(/^(mmo|process|nodejs)_[a-z0-9_]+$/);
      if (f.type === 'counter') expect(name).toMatch(/_total$/);
      if (f.type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
    const types = Object.fromEntries([...m].map(([n, f]) => [n, f.type]));
    expect(types).toMatchObject({
      mmo_tick_duration_seconds: 'histogram', mmo_missed_ticks_total: 'counter', mmo_players: 'gauge', mmo_entities: 'gauge',
      mmo_frames_sent_total: 'counter', mmo_sent_bytes_total: 'counter', mmo_inbound_rejected_total: 'counter',
      mmo_bus_messages_total: 'counter', mmo_store_flush_seconds: 'histogram', mmo_handoffs_total: 'counter',
      process_cpu_user_seconds_total: 'counter', process_resident_memory_bytes: 'gauge', nodejs_eventloop_lag_seconds: 'gauge',
    });
    expect(types).not.toHaveProperty('mmo_missed_ticks');
    const value = (name: string, labels = '') => m.get(name)!.samples.find((s) => s.labels.includes(labels))?.value ?? 0;
    expect(value('mmo_players')).toBe(1);
    expect(value('mmo_tick_duration_seconds', 'le="+Inf"')).toBeGreaterThan(10);
    expect(value('mmo_store_flush_seconds', 'le="+Inf"')).toBeGreaterThan(0);
    expect(value('mmo_bus_messages_total', 'kind="received"')).toBeGreaterThan(0);
    expect(value('mmo_inbound_rejected_total', 'reason=')).toBeGreaterThan(0);
    expect(value('mmo_missed_ticks_total')).toBeGreaterThan(0);
    // Frames and bytes sent, kept by the delivery and read at scrape time: a frame is 3 bytes at least.
    expect(value('mmo_frames_sent_total')).toBeGreaterThan(0);
    expect(value('mmo_sent_bytes_total')).toBeGreaterThanOrEqual(3 * value('mmo_frames_sent_total'));
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    // A counter: the next scrape never reads less. The other zone of this process has the
    // process figures too (registered once per process, not once per zone).
    const again = parse(await (await fetch(`http://127.0.0.1:${zone.port}/${route.serverId}/metrics`)).text());
    expect(again.get('mmo_missed_ticks_total')!.samples[0].value).toBeGreaterThanOrEqual(value('mmo_missed_ticks_total'));
    const other = world.zones.find((z) => z !== zone)!;
    const otherText = await (await fetch(`http://127.0.0.1:${other.port}/${other.options.serverId}/metrics`)).text();
    expect(parse(otherText).get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(otherText).toContain(`zone="${other.world.config.name}"`);
    c.close();
  });
});
