import { afterEach, describe, expect, it } from 'vitest';
import { ZoneClient } from '../../src/client/index.js';
import { EventKind } from '../../src/protocol/index.js';
import { startWorld, type World } from '../../src/cli/world.js';
import type { Bus } from '../../src/bus/index.js';
import { enterThroughGateway, tempDb, waitFor } from '../persistence/helpers.js';

let world: World | undefined;
const clients: ZoneClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await world?.stop();
  world = undefined;
});

async function enter(name: string): Promise<ZoneClient> {
  const c = await enterThroughGateway(world!.port, name);
  clients.push(c);
  return c;
}

/** How many zones have this name as a joined, playable session. */
function playing(name: string): number {
  return world!.zones.filter((z) => (z.sessionsByStage().joined ?? []).includes(name)).length;
}

function zoneOf(c: ZoneClient): number {
  return c.welcomeMsg!.zoneId;
}

describe('a world of four zones in one process', () => {
  it('hands players across borders with no loss and no duplicate, and carries global chat to every zone once', async () => {
    world = await startWorld({ zones: 4, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 3, db: tempDb('world'), npcs: 0, items: 0, tickRate: 100 });
    const names = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
    const bots = await Promise.all(names.map(enter));
    let worst = 0;
    const sampler = setInterval(() => { for (const n of names) worst = Math.max(worst, playing(n)); }, 5);
    // Everyone walks to the opposite corner of the world: one or two border crossings each.
    const zonesSeen = bots.map((c) => new Set([zoneOf(c)]));
    bots.forEach((c, i) => c.on('welcome', (w) => zonesSeen[i].add(w.zoneId)));
    const goal = (c: ZoneClient) => (zoneOf(c) === 1 ? [180, 180] : zoneOf(c) === 4 ? [20, 20] : zoneOf(c) === 2 ? [20, 180] : [180, 20]);
    const goals = bots.map(goal);
    const walk = setInterval(() => bots.forEach((c, i) => { if (c.joined) c.move(goals[i][0], goals[i][1]); }), 200);
    try {
      await waitFor('everyone at the far corner', () => bots.every((c, i) => {
        const me = c.world.get(c.netId)?.record;
        return c.joined && me && Math.hypot(me.x - goals[i][0], me.y - goals[i][1]) < 0.5;
      }), 40_000);
    } finally {
      clearInterval(walk);
    }
    clearInterval(sampler);
    expect(worst).toBe(1);
    for (const n of names) expect(playing(n)).toBe(1);
    expect(zonesSeen.every((s) => s.size >= 2)).toBe(true);
    // In one process the socket itself moved: nobody was sent away to reconnect.
    expect(bots.every((c) => c.lastZoneChange === null)).toBe(true);
    const handoffs = world.zones.reduce((n, z) => n + (z.handoffStats?.completed ?? 0), 0);
    expect(handoffs).toBeGreaterThanOrEqual(names.length);

    // Global chat: every player, whatever its zone, hears each line exactly once.
    const heard = bots.map(() => [] as string[]);
    bots.forEach((c, i) => c.on('event', (ev) => { if (ev.kind === EventKind.Chat && ev.value === 1) heard[i].push(ev.text ?? ''); }));
    bots[0].chat('/g hello world');
    bots[3].chat('/g second line');
    bots[2].chat('/c traders wts sword');
    await waitFor('global chat everywhere', () => heard.every((h) => h.length >= 3), 5000);
    await new Promise((r) => setTimeout(r, 300));
    for (const h of heard) expect(h.sort()).toEqual(['[traders] cat: wts sword', 'ann: hello world', 'dan: second line']);
  }, 60_000);

  it('keeps the player when the target zone dies mid-transfer', async () => {
    world = await startWorld({ zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 5, db: tempDb('dead'), npcs: 0, items: 0, transferTimeoutMs: 500, tickRate: 100 });
    const c = await enter('gus');
    const home = zoneOf(c);
    const target = world.zones.find((z) => z.world.config.id !== home)!;
    await target.stop(); // gone: its bus subscription with it
    c.move(home === 1 ? 150 : 50, 50);
    await waitFor('the aborted handoff', () => world!.zones.some((z) => (z.handoffStats?.timedOut ?? 0) > 0), 10_000);
    await waitFor('back in its zone, playable', () => c.joined && playing('gus') === 1, 5000);
    expect(zoneOf(c)).toBe(home);
    const me = c.world.get(c.netId)!.record;
    const b = world.directory[home - 1].bounds;
    expect(me.x >= b.minX && me.x <= b.maxX).toBe(true);
  }, 30_000);

  it('ignores an ack that arrives after the timeout: the player stays, the target never admits it', async () => {
    // Every bus message is held back 600 ms; the source gives up after 200 ms.
    const delayed = (bus: Bus): Bus => Object.assign(Object.create(bus) as Bus, {
      publish: (subject: string, msg: Parameters<Bus['publish']>[1]) => { setTimeout(() => bus.publish(subject, msg), 600); },
    });
    world = await startWorld({
      zones: 2, host: '127.0.0.1', port: 0, zoneSize: 100, seed: 6, db: tempDb('slow'), npcs: 0, items: 0,
      transferTimeoutMs: 200, tickRate: 100, wrapBus: delayed,
    });
    const c = await enter('hal');
    const home = zoneOf(c);
    c.move(home === 1 ? 130 : 70, 50);
    await waitFor('the timed-out handoff', () => world!.zones.some((z) => (z.handoffStats?.timedOut ?? 0) > 0), 15_000);
    const target = world.zones.find((z) => z.world.config.id !== home)!;
    await waitFor('the late transfer reached the target and was answered', () => (target.handoffStats?.received ?? 0) > 0, 5000);
    await new Promise((r) => setTimeout(r, 1000)); // the late ack arrives and must change nothing
    expect(playing('hal')).toBe(1);
    expect(zoneOf(c)).toBe(home);
    expect(target.handoffStats?.admitted).toBe(0);
    expect(world.zones.reduce((n, z) => n + (z.handoffStats?.completed ?? 0), 0)).toBe(0);
  }, 30_000);
});
