// The whole-zone overview: a small canvas with the zone fitted into it, every known entity as
// a dot (2 px, kind colour) and the map's visible rectangle. Fed by the same ClientWorld as the
// map (an observer asks the server for the whole zone). Clicking it centres the map there.

import type { KnownEntity } from '../client/index.js';
import type { RectObj } from '../protocol/index.js';
import { Camera } from './camera.js';
import { VIEWER_COLORS as COLORS } from './colors.js';
import { colorOf, layerOf } from './draw.js';

const DOT_PX = 2;

export class Overview {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly cam = new Camera();
  /** Dots drawn in the last frame. */
  dotsDrawn = 0;

  constructor(private readonly canvas: HTMLCanvasElement, onPick: (x: number, y: number) => void) {
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2d canvas context for the overview');
    this.ctx = ctx;
    canvas.addEventListener('click', (ev) => {
      onPick(this.cam.toWorldX(ev.offsetX), this.cam.toWorldY(ev.offsetY));
    });
  }

  /** Redraws: the zone, every entity of `entities` at its position, and the map's `window`. */
  draw(bounds: RectObj, entities: Iterable<KnownEntity>, positionOf: (e: KnownEntity) => { x: number; y: number }, window: RectObj): void {
    const { ctx, cam, canvas } = this;
    const dpr = globalThis.devicePixelRatio || 1;
    // The content box (the border is not drawn on), so that a canvas pixel is a screen pixel.
    cam.width = Math.max(1, canvas.clientWidth);
    cam.height = Math.max(1, canvas.clientHeight);
    if (canvas.width !== Math.round(cam.width * dpr)) canvas.width = Math.round(cam.width * dpr);
    if (canvas.height !== Math.round(cam.height * dpr)) canvas.height = Math.round(cam.height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    cam.fit(bounds, 4);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, cam.width, cam.height);
    const x0 = cam.toScreenX(bounds.minX), y0 = cam.toScreenY(bounds.maxY);
    ctx.fillStyle = COLORS.zone;
    ctx.fillRect(x0, y0, cam.toScreenX(bounds.maxX) - x0, cam.toScreenY(bounds.minY) - y0);

    const sorted = [...entities].sort((a, b) => layerOf(a.record.kind) - layerOf(b.record.kind));
    for (const e of sorted) {
      const p = positionOf(e);
      ctx.fillStyle = colorOf(e.record.kind, e.record.flags);
      ctx.fillRect(Math.round(cam.toScreenX(p.x) - DOT_PX / 2), Math.round(cam.toScreenY(p.y) - DOT_PX / 2), DOT_PX, DOT_PX);
    }
    this.dotsDrawn = sorted.length;

    // The map's window, clipped to the zone.
    const wx0 = cam.toScreenX(Math.max(bounds.minX, window.minX)), wx1 = cam.toScreenX(Math.min(bounds.maxX, window.maxX));
    const wy0 = cam.toScreenY(Math.min(bounds.maxY, window.maxY)), wy1 = cam.toScreenY(Math.max(bounds.minY, window.minY));
    if (wx1 > wx0 && wy1 > wy0) {
      ctx.strokeStyle = COLORS.window;
      ctx.lineWidth = 1;
      ctx.strokeRect(Math.round(wx0) + 0.5, Math.round(wy0) + 0.5, Math.round(wx1 - wx0), Math.round(wy1 - wy0));
    }
  }
}
