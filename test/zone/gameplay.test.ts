// Gameplay over real sockets: chat radius, combat (damage, range, cooldown, death, respawn)
// and item pickup. The servers run at 100 Hz wall time (the game step stays 0.05 s), so
// walking and cooldowns take a fifth of their game time.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EntityKind, ErrorCode, EventKind, MAX_CHAT_CHARS } from '../../src/protocol/index.js';
import { rules } from '../../src/sim/index.js';
import { startZoneServer, type ZoneServer } from '../../src/zone/index.js';
import { TestClient, closeAll, type TickedEvent } from './wsClient.js';

const clients: TestClient[] = [];
const servers: ZoneServer[] = [];

async function server(init: Parameters<typeof startZoneServer>[0]): Promise<ZoneServer> {
  const s = await startZoneServer({ port: 0, tickRate: 100, ...init });
  servers.push(s);
  return s;
}

async function join(s: ZoneServer, name: string): Promise<TestClient> {
  const c = await TestClient.join(`ws://127.0.0.1:${s.port}/`, name);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

function eventsOf(c: TestClient, kind: number, fromTick = 0): TickedEvent[] {
  return c.events.filter((e) => e.kind === kind && e.tick >= fromTick);
}

/** A 256-code-point line with emoji (astral), quotes, backslashes, CJK and combining marks. */
function longChatText(): string {
  const base = `He said "hi" & 'bye' \\o/ 🙂🎉👍🏽 中文字 é ñ ü <tag> {json: "x"} `;
  let s = '';
  while (Array.from(s).length < MAX_CHAT_CHARS) s += base;
  return Array.from(s).slice(0, MAX_CHAT_CHARS).join('');
}

describe('chat', () => {
  it('reaches players within 50 of the speaker with the exact text, and nobody farther', async () => {
    const s = await server({ seed: 2, zone: { npcs: 0, items: 0 } });
    const [a, b, c] = await Promise.all([join(s, 'alice'), join(s, 'bob'), join(s, 'carol')]);
    // A and B 40 apart; C 65 from A (and 25 from B).
    await Promise.all([a.moveTo(480, 500), b.moveTo(520, 500), c.moveTo(545, 500)]);

    const text = longChatText();
    expect(Array.from(text).length).toBe(256);
    expect(text.length).toBeGreaterThan(256); // UTF-16 units: it holds astral characters
    const from = a.lastTick;
    a.chat(text);
    await a.waitFor(() => eventsOf(a, EventKind.Chat, from).length === 1, 3000, 'own chat');
    await b.waitFor(() => eventsOf(b, EventKind.Chat, from).length === 1, 3000, 'chat at 40');
    const heard = eventsOf(b, EventKind.Chat, from)[0];
    expect(heard.text).toBe(text);
    expect(heard).toMatchObject({ source: a.netId, target: 0, x: 480, y: 500, value: 0 });
    expect(eventsOf(a, EventKind.Chat, from)[0].text).toBe(text);
    // C sees later ticks, but not the chat.
    await c.waitTick(heard.tick + 3);
    expect(eventsOf(c, EventKind.Chat, from)).toEqual([]);

    // Control: B's chat (25 from C, 40 from A) reaches all three.
    const from2 = b.lastTick;
    b.chat('quiet "one" 🙂');
    for (const x of [a, b, c]) await x.waitFor(() => eventsOf(x, EventKind.Chat, from2).length === 1, 3000, 'B chat');
    expect(eventsOf(c, EventKind.Chat, from2)[0]).toMatchObject({ source: b.netId, text: 'quiet "one" 🙂' });
    for (const x of [a, b, c]) expect(x.errors).toEqual([]);
  });
});

describe('combat', () => {
  it('deals exact damage in range, refuses out of range and during cooldown, kills in 9 hits and respawns after 100 ticks', async () => {
    const s = await server({ seed: 4, zone: { npcs: 0, items: 0 } });
    const [a, b] = await Promise.all([join(s, 'alice'), join(s, 'bob')]);
    await Promise.all([a.moveTo(500, 500), b.moveTo(506, 500)]);
    const damage = rules.damageFor(1);
    expect(damage).toBe(12);

    const hits: TickedEvent[] = [];
    /** Attacks B once A's cooldown has passed and waits for the Damage event. */
    const hit = async (): Promise<TickedEvent> => {
      const last = hits[hits.length - 1];
      if (last) await a.waitTick(last.tick + rules.ATTACK_COOLDOWN_TICKS, 3000);
      const n = eventsOf(b, EventKind.Damage).length;
      a.attack(b.netId);
      await b.waitFor(() => eventsOf(b, EventKind.Damage).length > n, 3000, 'damage');
      const ev = eventsOf(b, EventKind.Damage)[n];
      hits.push(ev);
      return ev;
    };

    // In range (6 ≤ 10): exact damage, seen as events by both and in B's hp. A second attack
    // sent right behind the first meets the cooldown.
    let errs = a.errors.length;
    a.attack(b.netId);
    const cdSeq = a.attack(b.netId);
    await b.waitFor(() => eventsOf(b, EventKind.Damage).length === 1, 3000, 'damage');
    const first = eventsOf(b, EventKind.Damage)[0];
    hits.push(first);
    expect(first).toMatchObject({ kind: EventKind.Damage, source: a.netId, target: b.netId, value: 12, x: 506, y: 500 });
    const cd = await a.nextError(3000, errs);
    expect(cd.code).toBe(ErrorCode.InputRejected);
    expect(cd.text).toContain('cooldown');
    expect(cd.text).toContain(`#${cdSeq}`);
    await a.waitFor(() => eventsOf(a, EventKind.Damage).length === 1, 2000, 'damage seen by A');
    expect(eventsOf(a, EventKind.Attack)[0]).toMatchObject({ source: a.netId, target: b.netId, x: 500, y: 500 });
    await b.waitFor(() => b.self?.hp === 88, 2000, 'B hp 88');
    await a.waitFor(() => a.known.get(b.netId)?.rec.hp === 88, 2000, "B's hp 88 in A's view");
    expect(eventsOf(b, EventKind.Damage)).toHaveLength(1);

    // Out of range: B walks to 15 away; once A is ready again the attack is refused.
    await b.moveTo(515, 500);
    await a.waitTick(first.tick + rules.ATTACK_COOLDOWN_TICKS);
    errs = a.errors.length;
    const damageBefore = eventsOf(b, EventKind.Damage).length;
    const oorSeq = a.attack(b.netId);
    const oor = await a.nextError(3000, errs);
    expect(oor.code).toBe(ErrorCode.InputRejected);
    expect(oor.text).toContain('out_of_range');
    expect(oor.text).toContain(`#${oorSeq}`);
    await a.waitFor(() => a.snapshots[a.snapshots.length - 1].ackSeq >= oorSeq, 2000, 'ack');
    await b.waitTick(a.lastTick + 2);
    expect(eventsOf(b, EventKind.Damage).length).toBe(damageBefore);
    expect(b.self!.hp).toBe(88);

    // Back in range: 8 more hits kill B (9 × 12 ≥ 100).
    await b.moveTo(506, 500);
    for (let i = 2; i <= 9; i++) {
      const ev = await hit();
      expect(ev.value).toBe(12);
      expect(ev.tick - hits[i - 2].tick).toBeGreaterThanOrEqual(rules.ATTACK_COOLDOWN_TICKS);
    }
    await b.waitFor(() => eventsOf(b, EventKind.Death).length === 1, 3000, 'death');
    const death = eventsOf(b, EventKind.Death)[0];
    expect(death).toMatchObject({ source: a.netId, target: b.netId, x: 506, y: 500 });
    expect(death.tick).toBe(hits[8].tick);
    await a.waitFor(() => eventsOf(a, EventKind.Death).length === 1, 2000, 'death seen by A');
    const deadRec = b.known.get(b.netId)!.rec;
    expect(deadRec.hp).toBe(0);
    expect(deadRec.flags & 1).toBe(1);
    await a.waitFor(() => ((a.known.get(b.netId)?.rec.flags ?? 0) & 1) === 1, 2000, "B dead in A's view");

    // A dead player cannot act, and cannot be attacked.
    errs = b.errors.length;
    b.move(510, 510);
    expect((await b.nextError(3000, errs)).text).toContain('dead');
    await a.waitTick(death.tick + rules.ATTACK_COOLDOWN_TICKS);
    errs = a.errors.length;
    a.attack(b.netId);
    expect((await a.nextError(3000, errs)).text).toContain('target_dead');

    // Respawn exactly RESPAWN_TICKS later, at the spawn point, with full hp.
    await b.waitFor(() => eventsOf(b, EventKind.Respawn).length === 1, 5000, 'respawn');
    const respawn = eventsOf(b, EventKind.Respawn)[0];
    expect(respawn.tick).toBe(death.tick + rules.RESPAWN_TICKS);
    expect(respawn).toMatchObject({ source: 0, target: b.netId, x: 500, y: 500 });
    const alive = b.known.get(b.netId)!;
    expect(alive.tick).toBe(respawn.tick);
    expect(alive.rec).toMatchObject({ hp: 100, maxHp: 100, x: 500, y: 500, targetX: 500, targetY: 500, flags: 0, level: 1 });
    await a.waitFor(() => a.known.get(b.netId)?.rec.hp === 100, 2000, "B alive in A's view");
    expect(eventsOf(b, EventKind.Damage).map((e) => e.value)).toEqual(Array(9).fill(12));
    expect(b.errors.every((e) => e.code === ErrorCode.InputRejected)).toBe(true);
  });
});

describe('items', () => {
  it('picks up an item in range (event, removal from the view) and refuses a second pickup and one out of range', async () => {
    const s = await server({
      seed: 9,
      zone: { bounds: { minX: 0, minY: 0, maxX: 200, maxY: 200 }, spawn: { x: 100, y: 100 }, npcs: 0, items: 30, patrolRadius: 10 },
    });
    const a = await join(s, 'alice');
    const items = [...a.known.values()].filter((k) => k.rec.kind === EntityKind.Item).map((k) => k.rec);
    expect(items.length).toBeGreaterThan(2);
    const me = a.self!;
    const dist = (r: { x: number; y: number }, p: { x: number; y: number }) => Math.hypot(r.x - p.x, r.y - p.y);
    items.sort((p, q) => dist(p, me) - dist(q, me));
    const item = items[0];
    expect(item.level).toBe(0);
    // Another item more than PICKUP_RANGE away from the first.
    const far = items.find((r) => dist(r, item) > rules.PICKUP_RANGE + 1 && dist(r, me) > rules.PICKUP_RANGE + 1)!;
    expect(far).toBeDefined();

    // Out of range first.
    let errs = a.errors.length;
    a.useItem(far.netId);
    const e = await a.nextError(3000, errs);
    expect(e.code).toBe(ErrorCode.InputRejected);
    expect(e.text).toContain('out_of_range');

    // Walk onto the item and pick it up.
    await a.moveTo(item.x, item.y);
    const from = a.lastTick;
    a.useItem(item.netId);
    await a.waitFor(() => eventsOf(a, EventKind.ItemPickup, from).length === 1, 3000, 'pickup event');
    const ev = eventsOf(a, EventKind.ItemPickup, from)[0];
    expect(ev).toMatchObject({ source: a.netId, target: item.netId, x: item.x, y: item.y });
    expect([1, 2, 3]).toContain(ev.value);
    await a.waitFor(() => !a.known.has(item.netId), 2000, 'item removed from the view');
    expect(a.snapshots.some((m) => m.tick === ev.tick && m.removed.includes(item.netId))).toBe(true);
    expect(s.world.netToEid.has(item.netId)).toBe(false);

    // The same item again: it is gone.
    errs = a.errors.length;
    const seq = a.useItem(item.netId);
    const again = await a.nextError(3000, errs);
    expect(again.code).toBe(ErrorCode.InputRejected);
    expect(again.text).toMatch(/unknown_target|item_gone/);
    expect(again.text).toContain(`#${seq}`);
    expect(eventsOf(a, EventKind.ItemPickup)).toHaveLength(1);
    expect(a.isOpen).toBe(true);
  });
});
