// Plain-object forms of the bus messages in schemas/cluster.fbs. Field meanings, units and
// ranges are documented there; `checkBody` in codec.ts enforces them on both sides.

import type { PlayerState } from '../sim/index.js';

export interface ItemStackObj {
  /** >= 1. */
  itemType: number;
  /** >= 1. */
  quantity: number;
}

export interface PlayerTransferBody {
  type: 'playerTransfer';
  /** 1..64 bytes of printable ASCII; starts with the sender's server id and '-'. */
  transferId: string;
  /** 1..2^53-1. */
  playerId: number;
  /** 1..24 characters. */
  name: string;
  /** 0..65535. */
  fromZone: number;
  /** 0..65535. */
  toZone: number;
  /**
   * The simulation's state of the player, as the store keeps it. On the wire: level 1..65535,
   * hp 0..maxHp, maxHp >= 1, mana 0..maxMana, maxMana >= 0 (int32), x and y float32 (values
   * are rounded to float32 on the wire).
   */
  state: PlayerState;
  /** At most 1024 stacks, each itemType once. */
  inventory: ItemStackObj[];
}

export interface TransferAckBody {
  type: 'transferAck';
  transferId: string;
  accepted: boolean;
  /** 0..256 characters; '' when accepted. */
  reason: string;
}

export interface GlobalChatBody {
  type: 'globalChat';
  /** 1..32 characters of [A-Za-z0-9_-]. */
  channel: string;
  /** 1..24 characters. */
  sender: string;
  /** 1..256 characters. */
  text: string;
}

/** What servers publish and receive. */
export type BusPayload = PlayerTransferBody | TransferAckBody | GlobalChatBody;
export type BusBodyType = BusPayload['type'];
