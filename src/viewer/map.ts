// The main map: a canvas showing the zone through a Camera, every known entity (interpolated)
// with its HP bar and label, the selection, the play-mode prediction pair and a scale bar.
// Mouse: drag pans, wheel zooms, double-click refits, a click (without drag) is passed on;
// the world point under the cursor is kept for the panel.

import type { InterpolatedState, KnownEntity, ZoneClient } from '../client/index.js';
import type { RectObj } from '../protocol/index.js';
import { Camera } from './camera.js';
import { VIEWER_COLORS as COLORS } from './colors.js';
import { drawMark, drawPredictionPair, drawRing, drawScaleBar, drawTag, drawZone, layerOf } from './draw.js';

/** Farthest a click may be from an entity to select it, CSS pixels. */
const PICK_PX = 14;

export interface ScreenEntity {
  netId: number;
  kind: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

const sample: InterpolatedState = { x: 0, y: 0, rot: 0, mode: 'interpolated' };

/** Where an entity is drawn now: interpolated between snapshots, else its last record. */
export function positionOf(client: ZoneClient, e: KnownEntity): { x: number; y: number; rot: number } {
  const s = client.sampleEntity(e.netId, sample);
  return s === null ? { x: e.record.x, y: e.record.y, rot: e.record.rot } : { x: s.x, y: s.y, rot: s.rot };
}

export interface MapFrame {
  bounds: RectObj | null;
  cellSize: number;
  selected: number;
  /** Label of an entity (a player's name when known). */
  labelOf(e: KnownEntity): string;
  /** Play mode: the own player's predicted position (null when observing or not known yet). */
  predicted: Point | null;
  /** Shown instead of the zone while not joined. */
  message: string;
}

export class MapView {
  readonly cam = new Camera();
  /** Mouse position over the map, CSS pixels; null when it is off the map. */
  private cursorPx: Point | null = null;
  /** Length of the scale bar in the last frame, world units. */
  scaleUnits = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private drag: { x: number; y: number; cx: number; cy: number; moved: boolean } | null = null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly client: ZoneClient,
    onClick: (screen: Point, world: Point, shift: boolean) => void, private readonly refit: () => void) {
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2d canvas context');
    this.ctx = ctx;
    this.listen(onClick);
  }

  /** Matches the canvas to its CSS size and the device pixel ratio; refits until the user moves. */
  resize(bounds: RectObj | null): void {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.cam.width = Math.max(1, Math.round(rect.width));
    this.cam.height = Math.max(1, Math.round(rect.height));
    const pw = Math.round(this.cam.width * dpr), ph = Math.round(this.cam.height * dpr);
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!this.cam.userMoved && bounds !== null) this.cam.fit(bounds);
  }

  /** Draws one frame; returns how many entities were drawn. */
  render(f: MapFrame): number {
    const { ctx, cam, client } = this;
    this.resize(f.bounds);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, cam.width, cam.height);
    if (!client.joined || f.bounds === null) {
      ctx.fillStyle = COLORS.scale;
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText(f.message, 16, 24);
      return 0;
    }
    drawZone(ctx, cam, f.bounds, f.cellSize);
    const own = client.netId;
    let drawn = 0;
    // Items under everything, then NPCs, then players on top; tags over all marks.
    const tags: Array<() => void> = [];
    for (let layer = 0; layer < 3; layer++) {
      for (const e of client.world.entities()) {
        const r = e.record;
        if (layerOf(r.kind) !== layer) continue;
        const p = e.netId === own && f.predicted !== null ? f.predicted : positionOf(client, e);
        const sx = cam.toScreenX(p.x), sy = cam.toScreenY(p.y);
        if (sx < -20 || sy < -20 || sx > cam.width + 20 || sy > cam.height + 20) continue;
        if (e.netId !== own || f.predicted === null) drawMark(ctx, r.kind, r.flags, sx, sy, positionOf(client, e).rot);
        if (e.netId === f.selected) drawRing(ctx, sx, sy, true);
        else if (e.netId === own) drawRing(ctx, sx, sy, false);
        tags.push(() => drawTag(ctx, cam, sx, sy, r.kind, r.flags, r.hp, r.maxHp, f.labelOf(e)));
        drawn++;
      }
    }
    if (f.predicted !== null) drawPredictionPair(ctx, cam, f.predicted, this.serverPosition());
    for (const t of tags) t();
    this.scaleUnits = drawScaleBar(ctx, cam);
    return drawn;
  }

  /** World point under the mouse now (the camera may have moved since the mouse did). */
  get cursor(): Point | null {
    const p = this.cursorPx;
    return p === null ? null : { x: this.cam.toWorldX(p.x), y: this.cam.toWorldY(p.y) };
  }

  /** Where the server says the own player is (interpolated like every other entity). */
  serverPosition(): Point | null {
    const own = this.client.world.own();
    return own === undefined ? null : positionOf(this.client, own);
  }

  screenPositions(): ScreenEntity[] {
    const out: ScreenEntity[] = [];
    if (!this.client.joined) return out;
    for (const e of this.client.world.entities()) {
      const p = positionOf(this.client, e);
      out.push({ netId: e.netId, kind: e.record.kind, x: this.cam.toScreenX(p.x), y: this.cam.toScreenY(p.y) });
    }
    return out;
  }

  /** NetId of the entity nearest to (sx, sy) within PICK_PX, or 0. */
  pick(sx: number, sy: number): number {
    let best = 0, bestD = PICK_PX * PICK_PX;
    for (const p of this.screenPositions()) {
      const dx = p.x - sx, dy = p.y - sy, d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = p.netId;
      }
    }
    return best;
  }

  private local(ev: MouseEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
  }

  private listen(onClick: (screen: Point, world: Point, shift: boolean) => void): void {
    const { canvas, cam } = this;
    canvas.addEventListener('mousedown', (ev) => {
      const p = this.local(ev);
      this.drag = { x: p.x, y: p.y, cx: cam.centerX, cy: cam.centerY, moved: false };
    });
    canvas.addEventListener('mousemove', (ev) => {
      this.cursorPx = this.local(ev);
    });
    canvas.addEventListener('mouseleave', () => { this.cursorPx = null; });
    window.addEventListener('mousemove', (ev) => {
      const d = this.drag;
      if (d === null) return;
      const p = this.local(ev);
      const dx = p.x - d.x, dy = p.y - d.y;
      if (!d.moved && dx * dx + dy * dy < 16) return;
      d.moved = true;
      cam.userMoved = true;
      cam.centerX = d.cx - dx / cam.scale;
      cam.centerY = d.cy + dy / cam.scale;
    });
    window.addEventListener('mouseup', (ev) => {
      const d = this.drag;
      this.drag = null;
      if (d === null || d.moved) return;
      const p = this.local(ev);
      onClick(p, { x: cam.toWorldX(p.x), y: cam.toWorldY(p.y) }, ev.shiftKey);
    });
    canvas.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const p = this.local(ev);
      cam.zoomAt(p.x, p.y, Math.exp(-ev.deltaY * 0.0015));
    }, { passive: false });
    canvas.addEventListener('dblclick', () => this.refit());
  }
}
