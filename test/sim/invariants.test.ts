import { hasComponent } from 'bitecs';
import { describe, expect, it } from 'vitest';
import { EntityKind, EventKind, generateZone, Scenario, stateHash, stepZone, zoneForEntities, type ZoneWorld } from '../../src/sim/index.js';

/** Everything that must hold after any step; returns the broken rules. */
function broken(world: ZoneWorld): string[] {
  const out: string[] = [];
  const { c, ecs } = world;
  const wb = world.worldBounds, b = world.config.bounds;
  const tol = 1e-3;
  let players = 0;
  for (const [net, e] of world.netToEid) {
    const tag = `tick ${world.tick} net ${net}`;
    if (c.NetId.id[e] !== net) out.push(`${tag}: NetId.id ${c.NetId.id[e]}`);
    const kind = c.Kind.value[e];
    const x = c.Position.x[e], y = c.Position.y[e];
    if (!Number.isFinite(x) || !Number.isFinite(y)) out.push(`${tag}: position not finite`);
    if (kind === EntityKind.Item) {
      if (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) out.push(`${tag}: item outside the zone`);
      continue;
    }
    const hp = c.Health.hp[e], max = c.Health.max[e];
    const dead = hasComponent(ecs, e, c.Dead);
    if (hp < 0 || hp > max) out.push(`${tag}: hp ${hp}/${max}`);
    if (dead !== (hp === 0)) out.push(`${tag}: dead=${dead} with hp ${hp}`);
    if (dead && c.Motion.active[e]) out.push(`${tag}: dead but moving`);
    if (c.Mana.mana[e] < 0 || c.Mana.mana[e] > c.Mana.max[e]) out.push(`${tag}: mana`);
    if (hasComponent(ecs, e, c.Chase) && kind !== EntityKind.Npc) out.push(`${tag}: a non-NPC chases`);
    if (kind === EntityKind.Player) {
      players++;
      if (world.sessions.get(c.Player.session[e]) !== e) out.push(`${tag}: session map`);
      if (x < wb.minX - tol || x > wb.maxX + tol || y < wb.minY - tol || y > wb.maxY + tol) out.push(`${tag}: player outside the world`);
      const outside = x < b.minX || x > b.maxX || y < b.minY || y > b.maxY;
      if (outside !== hasComponent(ecs, e, c.HandoffPending)) out.push(`${tag}: HandoffPending ${!outside}`);
    } else if (kind === EntityKind.Npc) {
      if (x < b.minX - tol || x > b.maxX + tol || y < b.minY - tol || y > b.maxY + tol) out.push(`${tag}: NPC outside the zone`);
    } else out.push(`${tag}: kind ${kind}`);
    const a = c.Rotation.angle[e];
    if (!(a >= -Math.fround(Math.PI) && a <= Math.fround(Math.PI))) out.push(`${tag}: rotation ${a}`);
  }
  if (players !== world.sessions.size) out.push(`tick ${world.tick}: ${players} players, ${world.sessions.size} sessions`);
  for (const net of world.removed) if (world.netToEid.has(net)) out.push(`tick ${world.tick}: removed ${net} still live`);
  stateHash(world); // compacts the NetId order
  if (world.orderLen !== world.netToEid.size) out.push(`tick ${world.tick}: order ${world.orderLen} vs ${world.netToEid.size}`);
  for (let i = 1; i < world.orderLen; i++) {
    if (!(world.orderNets[i] > world.orderNets[i - 1])) out.push(`tick ${world.tick}: NetId order broken at ${i}`);
  }
  return out;
}

describe('invariants under a busy scenario', () => {
  it('hold after every step: vitals, Dead ⇔ hp 0, positions in their bounds, sessions, NetId order', () => {
    const base = zoneForEntities(800, { npcs: 150, items: 120 });
    const side = base.bounds.maxX;
    const world = generateZone({ ...base, worldBounds: { minX: -40, minY: -40, maxX: side + 40, maxY: side + 40 }, spawn: { x: 10, y: 10 } }, 2024);
    const scenario = new Scenario(world, { players: 150, seed: 2024, moveChance: 0.3, attackChance: 0.3, pickupChance: 0.3, chatChance: 0.01, churnChance: 0.005 });
    const problems: string[] = [];
    let deaths = 0, pickups = 0, handoffs = 0;
    for (let t = 0; t < 400 && problems.length < 20; t++) {
      stepZone(world, scenario.next());
      for (const ev of world.events) {
        if (ev.kind === EventKind.Death) deaths++;
        if (ev.kind === EventKind.ItemPickup) pickups++;
      }
      handoffs += world.handoffs.length;
      problems.push(...broken(world));
    }
    expect(problems).toEqual([]);
    // The run did exercise what the rules are about.
    expect(deaths).toBeGreaterThan(20);
    expect(pickups).toBeGreaterThan(0);
    expect(handoffs).toBeGreaterThan(0);
  });
});
