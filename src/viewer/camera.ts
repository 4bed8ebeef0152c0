// The map's view transform: world (x east, y north) to CSS pixels (y down). `scale` is pixels
// per world unit and (centerX, centerY) the world point at the canvas centre. Pure arithmetic,
// shared by the map, the overview and the mouse handlers.

import type { RectObj } from '../protocol/index.js';

export class Camera {
  scale = 1;
  centerX = 0;
  centerY = 0;
  /** The user panned or zoomed: resizing no longer refits. */
  userMoved = false;
  width = 0;
  height = 0;

  toScreenX(x: number): number {
    return this.width / 2 + (x - this.centerX) * this.scale;
  }

  toScreenY(y: number): number {
    return this.height / 2 - (y - this.centerY) * this.scale;
  }

  toWorldX(sx: number): number {
    return this.centerX + (sx - this.width / 2) / this.scale;
  }

  toWorldY(sy: number): number {
    return this.centerY - (sy - this.height / 2) / this.scale;
  }

  /** Shows all of `bounds` with a margin, centred. */
  fit(bounds: RectObj, margin = 24): void {
    if (this.width === 0 || this.height === 0) return;
    const w = Math.max(1e-6, bounds.maxX - bounds.minX);
    const h = Math.max(1e-6, bounds.maxY - bounds.minY);
    this.scale = Math.max(1e-6, Math.min((this.width - 2 * margin) / w, (this.height - 2 * margin) / h));
    this.centerX = (bounds.minX + bounds.maxX) / 2;
    this.centerY = (bounds.minY + bounds.maxY) / 2;
    this.userMoved = false;
  }

  /** Zooms by `factor` keeping the world point under (sx, sy) where it is. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const wx = this.toWorldX(sx), wy = this.toWorldY(sy);
    this.scale = Math.min(1e4, Math.max(1e-4, this.scale * factor));
    this.centerX = wx - (sx - this.width / 2) / this.scale;
    this.centerY = wy + (sy - this.height / 2) / this.scale;
    this.userMoved = true;
  }

  /** The world rectangle on screen. */
  visible(): RectObj {
    return {
      minX: this.toWorldX(0), maxX: this.toWorldX(this.width),
      minY: this.toWorldY(this.height), maxY: this.toWorldY(0),
    };
  }
}

/**
 * Length of a scale bar: the round figure (1, 2 or 5 × 10^k world units) whose length on
 * screen is closest to, and not over, `maxPx` pixels.
 */
export function scaleBarUnits(scale: number, maxPx: number): number {
  const maxUnits = maxPx / scale;
  const pow = 10 ** Math.floor(Math.log10(maxUnits));
  for (const m of [5, 2, 1]) if (m * pow <= maxUnits) return m * pow;
  return pow;
}
