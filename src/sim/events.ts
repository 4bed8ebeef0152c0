// What happened in a tick, with where and how far it is heard. Cleared at the start of each step.

export const EventKind = {
  Attack: 1,
  Damage: 2,
  Death: 3,
  Respawn: 4,
  ItemPickup: 5,
  Chat: 6,
  ZoneExit: 7,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export interface SimEvent {
  kind: EventKind;
  /** NetId of the actor (attacker, speaker, picker); 0 when none. */
  source: number;
  /** NetId acted on (victim, item); 0 when none. */
  target: number;
  x: number;
  y: number;
  /** Clients within this distance of (x, y) are told. */
  radius: number;
  /** Damage dealt, item type picked up; 0 otherwise. */
  value: number;
  text?: string;
}
