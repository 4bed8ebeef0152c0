// What a bot does each time it thinks. Behaviors read only what the bot's client knows.

import { EntityKind, type WelcomeMsg } from '../protocol/index.js';
import type { ZoneClient } from '../client/index.js';
import { Rng } from '../sim/index.js';

export const BEHAVIORS = ['wander', 'chase', 'fight', 'chat', 'mixed'] as const;
export type BehaviorName = (typeof BEHAVIORS)[number];
type Concrete = Exclude<BehaviorName, 'mixed'>;

const WANDER_RADIUS = 60;
const FIGHT_REACH = 8;
const ATTACK_EVERY_MS = 1000;

export class BotBrain {
  private readonly kind: Concrete;
  private lastAttack = -Infinity;
  private nextChat = 0;
  private chats = 0;

  constructor(readonly client: ZoneClient, readonly rng: Rng, behavior: BehaviorName, private readonly bounds: WelcomeMsg['bounds']) {
    this.kind = behavior === 'mixed' ? (['wander', 'chase', 'fight', 'chat'] as const)[rng.int(4)] : behavior;
  }

  private own(): { x: number; y: number; moving: boolean } | undefined {
    const { client } = this;
    const tick = client.world.tick;
    const p = client.world.positionAt(client.netId, tick);
    const rec = client.world.get(client.netId)?.record;
    if (!p || !rec) return undefined;
    return { x: p.x, y: p.y, moving: (rec.flags & 2) !== 0 && (p.x !== rec.targetX || p.y !== rec.targetY) };
  }

  private clampMove(x: number, y: number): void {
    const b = this.bounds;
    this.client.move(Math.min(b.maxX, Math.max(b.minX, x)), Math.min(b.maxY, Math.max(b.minY, y)));
  }

  private wander(me: { x: number; y: number; moving: boolean }): void {
    if (me.moving) return;
    this.clampMove(me.x + this.rng.range(-WANDER_RADIUS, WANDER_RADIUS), me.y + this.rng.range(-WANDER_RADIUS, WANDER_RADIUS));
  }

  /** Nearest known living entity of a kind, other than self. */
  private nearest(kind: number, me: { x: number; y: number }): { netId: number; x: number; y: number; d: number } | undefined {
    const { world } = this.client;
    let best: { netId: number; x: number; y: number; d: number } | undefined;
    for (const netId of world.netIds()) {
      const rec = world.get(netId)?.record;
      if (!rec || netId === this.client.netId || rec.kind !== kind || (rec.flags & 1) !== 0) continue;
      const p = world.positionAt(netId, world.tick);
      if (!p) continue;
      const d = Math.hypot(p.x - me.x, p.y - me.y);
      if (!best || d < best.d) best = { netId, x: p.x, y: p.y, d };
    }
    return best;
  }

  think(now: number): void {
    const me = this.own();
    if (!me) return;
    switch (this.kind) {
      case 'wander':
        return this.wander(me);
      case 'chat':
        if (now >= this.nextChat) {
          this.client.chat(`bot ${this.client.netId} says hello #${++this.chats}`);
          this.nextChat = now + this.rng.range(3000, 6000);
        }
        return this.wander(me);
      case 'chase': {
        const t = this.nearest(EntityKind.Player, me);
        if (!t) return this.wander(me);
        if (t.d > 3) this.clampMove(t.x + this.rng.range(-2, 2), t.y + this.rng.range(-2, 2));
        return;
      }
      case 'fight': {
        const t = this.nearest(EntityKind.Npc, me);
        if (!t) return this.wander(me);
        if (t.d > FIGHT_REACH) {
          const k = (t.d - FIGHT_REACH + 1) / t.d;
          this.clampMove(me.x + (t.x - me.x) * k, me.y + (t.y - me.y) * k);
        } else if (now - this.lastAttack >= ATTACK_EVERY_MS) {
          this.client.attack(t.netId);
          this.lastAttack = now;
        }
      }
    }
  }
}
