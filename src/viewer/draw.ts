// Drawing on the map canvas: the zone and its interest grid, entity marks with their name and
// HP bar, the scale bar, and the predicted/authoritative pair of the player in play mode.
// Stateless: each function draws through a Camera onto a 2D context in CSS pixels.

import type { RectObj } from '../protocol/index.js';
import { Camera, scaleBarUnits } from './camera.js';
import { VIEWER_COLORS as COLORS } from './colors.js';

export const KIND_PLAYER = 1;
export const KIND_NPC = 2;
export const KIND_ITEM = 3;
export const FLAG_DEAD = 1;
export const FLAG_MOVING = 2;

/** Radius of an entity's mark in CSS pixels (independent of zoom, so a zone of any size reads). */
export const MARK_PX = 6;
/** Labels (names) are drawn from this zoom on, pixels per world unit, and always for players. */
const LABEL_MIN_SCALE = 2;
const HP_BAR_W = 18;
const HP_BAR_H = 3;

type Ctx = CanvasRenderingContext2D;

export function colorOf(kind: number, flags: number): string {
  if (flags & FLAG_DEAD) return COLORS.dead;
  if (kind === KIND_PLAYER) return COLORS.player;
  if (kind === KIND_NPC) return COLORS.npc;
  return COLORS.item;
}

export function kindName(kind: number): string {
  return kind === KIND_PLAYER ? 'Player' : kind === KIND_NPC ? 'NPC' : kind === KIND_ITEM ? 'Item' : `kind ${kind}`;
}

/** Draw order: items under NPCs under players (and anything unknown). */
export function layerOf(kind: number): number {
  return kind === KIND_ITEM ? 0 : kind === KIND_NPC ? 1 : 2;
}

/** The zone's ground, its interest cells (from the zone's min corner) and its border. */
export function drawZone(ctx: Ctx, cam: Camera, bounds: RectObj, cellSize: number): void {
  const x0 = cam.toScreenX(bounds.minX), x1 = cam.toScreenX(bounds.maxX);
  const y0 = cam.toScreenY(bounds.maxY), y1 = cam.toScreenY(bounds.minY);
  ctx.fillStyle = COLORS.zone;
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  if (cellSize * cam.scale >= 4) {
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = bounds.minX + cellSize; x < bounds.maxX; x += cellSize) {
      const sx = Math.round(cam.toScreenX(x)) + 0.5;
      ctx.moveTo(sx, y0);
      ctx.lineTo(sx, y1);
    }
    for (let y = bounds.minY + cellSize; y < bounds.maxY; y += cellSize) {
      const sy = Math.round(cam.toScreenY(y)) + 0.5;
      ctx.moveTo(x0, sy);
      ctx.lineTo(x1, sy);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = COLORS.border;
  ctx.lineWidth = 2;
  ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
}

/** An entity: square (player), circle (NPC) or diamond (item), with a heading tick. */
export function drawMark(ctx: Ctx, kind: number, flags: number, sx: number, sy: number, rot: number): void {
  const r = MARK_PX;
  ctx.fillStyle = colorOf(kind, flags);
  ctx.beginPath();
  if (kind === KIND_ITEM) {
    ctx.moveTo(sx, sy - r);
    ctx.lineTo(sx + r, sy);
    ctx.lineTo(sx, sy + r);
    ctx.lineTo(sx - r, sy);
    ctx.closePath();
    ctx.fill();
    return;
  }
  if (kind === KIND_PLAYER) ctx.rect(sx - r, sy - r, 2 * r, 2 * r);
  else ctx.arc(sx, sy, r, 0, Math.PI * 2);
  ctx.fill();
  // Heading tick (rot 0 = +x, π/2 = north = up on screen).
  ctx.strokeStyle = ctx.fillStyle;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(sx + Math.cos(rot) * r, sy - Math.sin(rot) * r);
  ctx.lineTo(sx + Math.cos(rot) * (r + 5), sy - Math.sin(rot) * (r + 5));
  ctx.stroke();
}

/** A ring around a mark: the selection, or the viewer's own player. */
export function drawRing(ctx: Ctx, sx: number, sy: number, selected: boolean): void {
  ctx.strokeStyle = selected ? COLORS.selected : COLORS.own;
  ctx.lineWidth = selected ? 2 : 1.5;
  ctx.beginPath();
  ctx.arc(sx, sy, MARK_PX + (selected ? 6 : 3), 0, Math.PI * 2);
  ctx.stroke();
}

/**
 * HP bar over a living player or NPC, and its label (a player's name, else kind and NetId)
 * over that: labels of players always, of the rest once zoomed in enough to read them.
 */
export function drawTag(ctx: Ctx, cam: Camera, sx: number, sy: number, kind: number, flags: number,
  hp: number, maxHp: number, label: string): void {
  if (kind === KIND_ITEM) return;
  const top = sy - MARK_PX - 4 - HP_BAR_H;
  if (maxHp > 0 && !(flags & FLAG_DEAD)) {
    const x = Math.round(sx - HP_BAR_W / 2), y = Math.round(top);
    ctx.fillStyle = COLORS.hpBack;
    ctx.fillRect(x, y, HP_BAR_W, HP_BAR_H);
    ctx.fillStyle = COLORS.hp;
    ctx.fillRect(x, y, Math.round((HP_BAR_W * Math.min(hp, maxHp)) / maxHp), HP_BAR_H);
  }
  if (kind !== KIND_PLAYER && cam.scale < LABEL_MIN_SCALE) return;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillStyle = COLORS.label;
  ctx.fillText(label, sx, top - 2);
  ctx.textAlign = 'start';
  ctx.textBaseline = 'alphabetic';
}

/** A bar of a round number of world units, bottom left, labelled. */
export function drawScaleBar(ctx: Ctx, cam: Camera): number {
  const units = scaleBarUnits(cam.scale, 140);
  const px = units * cam.scale;
  const x = 16, y = cam.height - 18;
  ctx.strokeStyle = COLORS.scale;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x, y - 5);
  ctx.lineTo(x, y);
  ctx.lineTo(x + px, y);
  ctx.lineTo(x + px, y - 5);
  ctx.stroke();
  ctx.fillStyle = COLORS.scale;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`${units} u`, x + px + 6, y + 1);
  return units;
}

/**
 * Play mode: where the client predicts its player (filled, what the player sees at once) and
 * where the server last said it was (hollow, interpolated like every other entity), joined
 * by a line while they differ.
 */
export function drawPredictionPair(ctx: Ctx, cam: Camera, predicted: { x: number; y: number } | null,
  server: { x: number; y: number } | null): void {
  const r = MARK_PX + 2;
  if (predicted !== null && server !== null) {
    ctx.strokeStyle = COLORS.correction;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(cam.toScreenX(predicted.x), cam.toScreenY(predicted.y));
    ctx.lineTo(cam.toScreenX(server.x), cam.toScreenY(server.y));
    ctx.stroke();
  }
  if (server !== null) {
    ctx.strokeStyle = COLORS.server;
    ctx.lineWidth = 3;
    ctx.strokeRect(cam.toScreenX(server.x) - r, cam.toScreenY(server.y) - r, 2 * r, 2 * r);
  }
  if (predicted !== null) {
    ctx.fillStyle = COLORS.predicted;
    ctx.fillRect(cam.toScreenX(predicted.x) - r + 2, cam.toScreenY(predicted.y) - r + 2, 2 * r - 4, 2 * r - 4);
  }
}
