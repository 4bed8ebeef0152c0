// Real server, real WebSocket clients: joining (Welcome, keyframe, initial view), seeing each
// other move, leaving, Ping/Pong, idle and Hello timeouts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EntityKind, ErrorCode, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { rules } from '../../src/sim/index.js';
import { walkGridTarget } from '../../src/sim/motion.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient, closeAll, httpJson, waitUntil } from './wsClient.js';

const clients: TestClient[] = [];
const servers: ZoneServer[] = [];

async function server(init: Parameters<typeof startZoneServer>[0]): Promise<ZoneServer> {
  const s = await startZoneServer({ port: 0, ...init });
  servers.push(s);
  return s;
}

function url(s: ZoneServer): string {
  return `ws://127.0.0.1:${s.port}/`;
}

async function join(s: ZoneServer, name: string): Promise<TestClient> {
  const c = await TestClient.join(url(s), name);
  clients.push(c);
  return c;
}

async function connect(s: ZoneServer, label: string): Promise<TestClient> {
  const c = await TestClient.connect(url(s), label);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('join', () => {
  it('answers Hello with Welcome, then a keyframe holding the player and everything within 100', async () => {
    const bounds = { minX: 0, minY: 0, maxX: 400, maxY: 400 };
    const s = await server({ seed: 11, zone: { id: 7, name: 'glade', bounds, spawn: { x: 200, y: 200 }, npcs: 40, items: 40 } });
    const a = await join(s, 'alice');
    const w = a.welcome!;
    expect(w.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(w.sessionId).toMatch(/^[0-9a-f]{16}$/);
    expect(w.netId).toBeGreaterThanOrEqual(1);
    expect(w.zoneId).toBe(7);
    expect(w.zoneName).toBe('glade');
    expect(w.bounds).toEqual(bounds);
    expect(w.tickRate).toBe(20);
    expect(w.tick).toBeGreaterThanOrEqual(1);
    expect(a.errors).toEqual([]);

    const kf = a.snapshots[0];
    expect(kf.keyframe).toBe(true);
    expect(kf.tick).toBe(w.tick);
    expect(kf.removed).toEqual([]);
    const ids = kf.entities.map((e) => e.netId);
    expect(new Set(ids).size).toBe(ids.length); // each NetId at most once
    const me = kf.entities.find((e) => e.netId === w.netId)!;
    expect(me).toBeDefined();
    expect(me).toMatchObject({ kind: EntityKind.Player, hp: 100, maxHp: 100, mana: 50, maxMana: 50, level: 1, flags: 0, speed: 0 });
    expect(me.targetX).toBe(me.x);
    expect(me.targetY).toBe(me.y);
    expect(Math.abs(me.x - 200)).toBeLessThanOrEqual(5);
    expect(Math.abs(me.y - 200)).toBeLessThanOrEqual(5);

    // Every entity within the view radius of the player is in the keyframe, with its true
    // state. The world may have stepped on since the keyframe; NPCs walk 0.1 per tick.
    const world = s.world;
    const ticksSince = world.tick - kf.tick;
    const slack = ticksSince * rules.NPC_SPEED * rules.DT + 1e-3;
    const byId = new Map(kf.entities.map((e) => [e.netId, e]));
    let near = 0;
    for (const [netId, eid] of world.netToEid) {
      const d = Math.hypot(world.c.Position.x[eid] - me.x, world.c.Position.y[eid] - me.y);
      if (d > rules.VIEW_RADIUS - slack) continue;
      near++;
      const rec = byId.get(netId);
      expect(rec, `entity ${netId} at distance ${d.toFixed(1)} missing from the keyframe`).toBeDefined();
      expect(rec!.kind).toBe(world.c.Kind.value[eid]);
      expect(rec!.level).toBe(world.c.Level.value[eid]);
      expect(rec!.hp).toBe(world.c.Health.hp[eid]);
      if (ticksSince === 0) {
        expect(rec!.x).toBe(world.c.Position.x[eid]);
        expect(rec!.y).toBe(world.c.Position.y[eid]);
      }
    }
    // The seed places a fair number of NPCs and items around the spawn.
    expect(near).toBeGreaterThan(5);
    expect(kf.entities.some((e) => e.kind === EntityKind.Npc)).toBe(true);
    expect(kf.entities.some((e) => e.kind === EntityKind.Item)).toBe(true);
    // Items are level 0, NPCs and players level >= 1.
    for (const e of kf.entities) expect(e.level === 0).toBe(e.kind === EntityKind.Item);
  });

  it('lets two clients see each other, and a move reaches the other as a motion record it can extrapolate', async () => {
    const s = await server({ seed: 3, zone: { npcs: 0, items: 0 } });
    const a = await join(s, 'alice');
    const b = await join(s, 'bob');
    await b.waitFor(() => b.known.has(a.netId), 2000, "A's entity");
    await a.waitFor(() => a.known.has(b.netId), 2000, "B's entity");
    const start = b.known.get(a.netId)!.rec;
    expect(start.kind).toBe(EntityKind.Player);

    const tx = start.x + 8, ty = start.y - 6; // 10 units: 2 s at 5 u/s
    const seq = a.move(tx, ty);
    const fx = walkGridTarget(start.x, tx), fy = walkGridTarget(start.y, ty); // where the server walks it
    await b.waitFor(() => b.known.get(a.netId)?.rec.targetX === fx, 2000, "A's motion record");
    const motion = b.known.get(a.netId)!;
    expect(motion.rec).toMatchObject({ targetX: fx, targetY: fy, speed: rules.PLAYER_SPEED });
    expect(motion.rec.flags & 2).toBe(2); // moving
    expect(motion.rec.rot).toBeCloseTo(Math.atan2(fy - start.y, fx - start.x), 5);

    // Halfway, B's extrapolation from that one record matches the server's position.
    await b.waitTick(motion.tick + 15);
    const eid = s.world.netToEid.get(a.netId)!;
    const tick = s.world.tick;
    const p = b.positionAt(a.netId, tick);
    expect(Math.abs(p.x - s.world.c.Position.x[eid])).toBeLessThan(0.01);
    expect(Math.abs(p.y - s.world.c.Position.y[eid])).toBeLessThan(0.01);

    // After arrival B's extrapolated position of A is A's target.
    await a.waitFor(() => a.self !== undefined && (a.self.flags & 2) === 0 && a.self.x === fx, 5000, 'arrival');
    const arrivedAt = a.lastTick;
    await b.waitTick(arrivedAt);
    const q = b.positionAt(a.netId, arrivedAt);
    expect(Math.abs(q.x - fx)).toBeLessThan(0.01);
    expect(Math.abs(q.y - fy)).toBeLessThan(0.01);
    // The arrival record itself says: standing at the target.
    expect(b.known.get(a.netId)!.rec).toMatchObject({ x: fx, y: fy, targetX: fx, targetY: fy, speed: 0 });
    // The move is acknowledged.
    expect(a.snapshots[a.snapshots.length - 1].ackSeq).toBe(seq);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  // At a faster wall tick rate the game step stays 0.05 s, so things move tickRate/20 times
  // faster in wall time: Welcome says the wall rate and records carry speed scaled to it, so
  // the PROTOCOL.md §5 formula (t = ticks / tick_rate) still lands where the server is.
  it('at tickRate 100, records carry speed scaled to Welcome.tick_rate and extrapolate exactly', async () => {
    const s = await server({ seed: 3, tickRate: 100, zone: { npcs: 0, items: 0 } });
    const a = await join(s, 'alice');
    const b = await join(s, 'bob');
    expect(b.welcome!.tickRate).toBe(100);
    await b.waitFor(() => b.known.has(a.netId), 2000, "A's entity");
    const start = b.known.get(a.netId)!.rec;
    const fx = walkGridTarget(start.x, start.x + 10);
    a.move(start.x + 10, start.y);
    await b.waitFor(() => b.known.get(a.netId)?.rec.targetX === fx, 2000, "A's motion record");
    const motion = b.known.get(a.netId)!;
    expect(motion.rec.speed).toBe(rules.PLAYER_SPEED * 5);
    await b.waitTick(motion.tick + 20);
    const eid = s.world.netToEid.get(a.netId)!;
    const p = b.positionAt(a.netId, s.world.tick); // 1 / Welcome.tick_rate seconds per tick
    expect(Math.abs(p.x - s.world.c.Position.x[eid])).toBeLessThan(0.01);
    expect(Math.abs(p.y - s.world.c.Position.y[eid])).toBeLessThan(0.01);
  });

  it('tells the others when a client leaves, and /status counts it out', async () => {
    const s = await server({ seed: 5, zone: { npcs: 0, items: 0 } });
    const a = await join(s, 'alice');
    const b = await join(s, 'bob');
    await a.waitFor(() => a.known.has(b.netId), 2000, "B's entity");
    await waitUntil(async () => (await httpJson<{ players: number }>(s.port, '/status')).players === 2, 2000, 'players 2');
    const bId = b.netId;
    await b.close();
    expect(b.closeInfo!.code).toBe(1000);
    await a.waitFor(() => a.snapshots.some((m) => m.removed.includes(bId)), 2000, "B's NetId in removed");
    expect(a.known.has(bId)).toBe(false);
    expect(s.world.netToEid.has(bId)).toBe(false);
    const st = await httpJson<{ players: number; connections: number; entities: number }>(s.port, '/status');
    expect(st.players).toBe(1);
    expect(st.connections).toBe(1);
    expect(st.entities).toBe(1);
    const health = await httpJson<{ status: string }>(s.port, '/health');
    expect(health.status).toBe('ok');
  });

  it('refuses a join past maxClients with ServerFull and close 1013', async () => {
    const s = await server({ seed: 5, maxClients: 1, zone: { npcs: 0, items: 0 } });
    await join(s, 'alice');
    const b = await connect(s, 'bob');
    b.hello('bob');
    const err = await b.nextError();
    expect(err.code).toBe(ErrorCode.ServerFull);
    expect((await b.waitClosed()).code).toBe(1013);
    expect(b.welcome).toBeUndefined();
    expect(s.status().players).toBe(1);
  });

  // Regression: Hellos accepted in the same tick count against maxClients before they join.
  it('admits no more than maxClients when Hellos arrive together', async () => {
    const s = await server({ seed: 5, tickRate: 1, maxClients: 2, zone: { npcs: 0, items: 0 } });
    const cs = await Promise.all([1, 2, 3, 4].map((i) => connect(s, `c${i}`)));
    // Send right after a tick so that all four Hellos land in the same (1 s) tick.
    const t0 = s.world.tick;
    await waitUntil(() => s.world.tick > t0, 3000, 'a tick');
    for (const c of cs) c.hello(c.label);
    await waitUntil(() => cs.every((c) => c.welcome !== undefined || c.closeInfo !== undefined), 5000, 'answers');
    expect(cs.filter((c) => c.welcome !== undefined).length).toBe(2);
    expect(cs.filter((c) => c.errors.some((e) => e.code === ErrorCode.ServerFull)).length).toBe(2);
  });
});

describe('ping and timeouts', () => {
  it('answers Ping with Pong echoing client_time and the server tick, before and after Hello', async () => {
    const s = await server({ seed: 1, zone: { npcs: 0, items: 0 } });
    const c = await connect(s, 'pinger');
    c.ping(1234.5678);
    await c.waitFor(() => c.pongs.length === 1, 2000, 'pong before hello');
    expect(c.pongs[0].clientTime).toBe(1234.5678);
    expect(c.pongs[0].serverTick).toBeLessThanOrEqual(s.world.tick);
    c.hello('pinger');
    await c.waitWelcome();
    const t = 1.7e12 + 0.123456789; // a float64 that float32 would mangle
    c.ping(t);
    await c.waitFor(() => c.pongs.length === 2, 2000, 'pong after hello');
    const pong = c.pongs[1];
    expect(pong.clientTime).toBe(t);
    expect(pong.serverTick).toBeGreaterThanOrEqual(c.welcome!.tick);
    expect(pong.serverTick).toBeLessThanOrEqual(s.world.tick);
    expect(Math.abs(pong.serverTick - c.lastTick)).toBeLessThanOrEqual(2);
    expect(c.errors).toEqual([]);
  });

  it('closes a silent client with IdleTimeout, keeps a pinging one, and closes a connection that never says Hello', async () => {
    const s = await server({ seed: 1, idleTimeoutMs: 300, idleCheckMs: 50, helloTimeoutMs: 400, zone: { npcs: 0, items: 0 } });
    // Taken before the Hello / the open, so they are lower bounds of the server's idle time.
    const silentSince = performance.now();
    const silent = await join(s, 'silent');
    const talker = await join(s, 'talker');
    const noHelloSince = performance.now();
    const noHello = await connect(s, 'nohello');
    const pingNoHello = await connect(s, 'pingnohello');
    let n = 0;
    const timer = setInterval(() => {
      if (talker.isOpen) talker.ping(++n);
      if (pingNoHello.isOpen) pingNoHello.ping(-n);
    }, 50);
    try {
      const idle = await silent.waitClosed(3000);
      expect(performance.now() - silentSince).toBeGreaterThanOrEqual(300);
      expect(idle.code).toBe(1000);
      expect(silent.errors.map((e) => e.code)).toEqual([ErrorCode.IdleTimeout]);

      const nh = await noHello.waitClosed(3000);
      expect(performance.now() - noHelloSince).toBeGreaterThanOrEqual(400);
      expect(nh.code).toBe(1000);
      expect(noHello.errors.map((e) => e.code)).toEqual([ErrorCode.IdleTimeout]);
      // Pings do not stand in for Hello.
      const pnh = await pingNoHello.waitClosed(3000);
      expect(pnh.code).toBe(1000);
      expect(pingNoHello.errors.map((e) => e.code)).toEqual([ErrorCode.IdleTimeout]);
      expect(pingNoHello.pongs.length).toBeGreaterThan(0);

      // The pinging client outlives several idle timeouts.
      const until = performance.now() + 1200;
      await waitUntil(() => performance.now() > until || !talker.isOpen, 3000, 'time to pass');
      expect(talker.isOpen).toBe(true);
      expect(talker.errors).toEqual([]);
      expect(talker.pongs.length).toBeGreaterThan(10);
      expect(s.status().players).toBe(1);
    } finally {
      clearInterval(timer);
    }
  });

  it('closes on time with the default sweep: never before the configured timeout, soon after it', async () => {
    // The old 10 s sweep closed a 2 s idle timeout 2.5–6 s late; now the sweep follows the
    // deadlines (at most 250 ms late). The upper bounds leave seconds for a loaded machine.
    const s = await server({ seed: 1, idleTimeoutMs: 2_000, helloTimeoutMs: 3_000, zone: { npcs: 0, items: 0 } });
    const idleSince = performance.now(); // before the Hello: a lower bound of the server's idle time
    const idle = await join(s, 'quiet');
    const helloSince = performance.now();
    const noHello = await connect(s, 'mute');
    const idleClose = await idle.waitClosed(15_000); // the idle deadline comes first
    const idleAfter = performance.now() - idleSince;
    const helloClose = await noHello.waitClosed(15_000);
    const helloAfter = performance.now() - helloSince;
    expect(idleClose.code).toBe(1000);
    expect(idle.errors.map((e) => e.code)).toEqual([ErrorCode.IdleTimeout]);
    expect(noHello.errors.map((e) => e.code)).toEqual([ErrorCode.IdleTimeout]);
    expect(helloClose.code).toBe(1000);
    expect(idleAfter).toBeGreaterThanOrEqual(2_000);
    expect(idleAfter).toBeLessThan(2_000 + 4_000);
    expect(helloAfter).toBeGreaterThanOrEqual(3_000);
    expect(helloAfter).toBeLessThan(3_000 + 4_000);
  });
});
