// EntityState records as raw bytes: the 40-byte little-endian layout of schemas/server.fbs
// (offsets: net_id 0, x 4, y 8, target_x 12, target_y 16, speed 20, rot 24, hp 28,
// max_hp 30, mana 32, max_mana 34, level 36, kind 38, flags 39).

import type { EntityStateObj, MotionObj } from './types.js';

/**
 * Packs one EntityState record (ENTITY_STATE_SIZE bytes, little-endian) at `byteOffset`;
 * for SnapshotInit.entities given as pre-packed bytes.
 */
export function writeEntityState(view: DataView, byteOffset: number, e: EntityStateObj): void {
  view.setUint32(byteOffset, e.netId, true);
  view.setFloat32(byteOffset + 4, e.x, true);
  view.setFloat32(byteOffset + 8, e.y, true);
  view.setFloat32(byteOffset + 12, e.targetX, true);
  view.setFloat32(byteOffset + 16, e.targetY, true);
  view.setFloat32(byteOffset + 20, e.speed, true);
  view.setFloat32(byteOffset + 24, e.rot, true);
  view.setUint16(byteOffset + 28, e.hp, true);
  view.setUint16(byteOffset + 30, e.maxHp, true);
  view.setUint16(byteOffset + 32, e.mana, true);
  view.setUint16(byteOffset + 34, e.maxMana, true);
  view.setUint16(byteOffset + 36, e.level, true);
  view.setUint8(byteOffset + 38, e.kind);
  view.setUint8(byteOffset + 39, e.flags);
}

/** Reads one EntityState record written by writeEntityState (or received on the wire). */
export function readEntityState(view: DataView, byteOffset: number): EntityStateObj {
  return {
    netId: view.getUint32(byteOffset, true),
    x: view.getFloat32(byteOffset + 4, true),
    y: view.getFloat32(byteOffset + 8, true),
    targetX: view.getFloat32(byteOffset + 12, true),
    targetY: view.getFloat32(byteOffset + 16, true),
    speed: view.getFloat32(byteOffset + 20, true),
    rot: view.getFloat32(byteOffset + 24, true),
    hp: view.getUint16(byteOffset + 28, true),
    maxHp: view.getUint16(byteOffset + 30, true),
    mana: view.getUint16(byteOffset + 32, true),
    maxMana: view.getUint16(byteOffset + 34, true),
    level: view.getUint16(byteOffset + 36, true),
    kind: view.getUint8(byteOffset + 38),
    flags: view.getUint8(byteOffset + 39),
  };
}

/** The record `r` updated by a Motion record: new position, target and heading, the rest kept. */
export function withMotion(r: EntityStateObj, m: MotionObj): EntityStateObj {
  return { ...r, x: m.x, y: m.y, targetX: m.targetX, targetY: m.targetY, rot: m.rot };
}
