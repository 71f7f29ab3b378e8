/**
 * A small, clear rasterizer for env frames: filled shapes with anti-aliased edges on an RGB
 * buffer. Envs draw in pixel coordinates (x right, y down); each env maps its world to pixels.
 */
import type { RgbFrame } from '../core/env.js';

/** An RGB colour, components 0–255. */
export type Color = readonly [number, number, number];

/** A 2-D point in pixels. */
export type Point = readonly [number, number];

/** An RGB drawing surface. */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** `height × width × 3` bytes, row-major, top row first. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Color = [255, 255, 255]) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`canvas size must be positive integers, got ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    this.clear(background);
  }

  /** Fills the whole canvas with a colour. */
  clear(color: Color): void {
    for (let i = 0; i < this.data.length; i += 3) {
      this.data[i] = color[0];
      this.data[i + 1] = color[1];
      this.data[i + 2] = color[2];
    }
  }

  /** Blends `color` into pixel (x, y) with coverage `alpha` ∈ [0, 1]. */
  blend(x: number, y: number, color: Color, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 3;
    const a = Math.min(alpha, 1);
    const d = this.data;
    d[i] = d[i]! + (color[0] - d[i]!) * a;
    d[i + 1] = d[i + 1]! + (color[1] - d[i + 1]!) * a;
    d[i + 2] = d[i + 2]! + (color[2] - d[i + 2]!) * a;
  }

  /** Fills an axis-aligned rectangle (corners inclusive of x0,y0, exclusive of x1,y1). */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: Color): void {
    for (let y = Math.max(0, Math.round(y0)); y < Math.min(this.height, Math.round(y1)); y++) {
      for (let x = Math.max(0, Math.round(x0)); x < Math.min(this.width, Math.round(x1)); x++) {
        this.blend(x, y, color, 1);
      }
    }
  }

  /** Fills a disc with an anti-aliased rim. */
  fillCircle(cx: number, cy: number, r: number, color: Color): void {
    this.fillCapsule(cx, cy, cx, cy, r, color);
  }

  /**
   * Fills a capsule: all points within `r` of the segment (x0,y0)–(x1,y1). A thick line with
   * round caps; a disc when the ends coincide. Edges are anti-aliased over one pixel.
   */
  fillCapsule(x0: number, y0: number, x1: number, y1: number, r: number, color: Color): void {
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1));
    const maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1));
    const maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        // Distance from the pixel centre to the segment.
        const px = x + 0.5 - x0;
        const py = y + 0.5 - y0;
        const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const ex = px - t * dx;
        const ey = py - t * dy;
        const dist = Math.sqrt(ex * ex + ey * ey);
        this.blend(x, y, color, r + 0.5 - dist);
      }
    }
  }

  /** Draws a polyline of width `2r` through `points` (round joins). */
  strokePolyline(points: readonly Point[], r: number, color: Color): void {
    for (let i = 1; i < points.length; i++) {
      const [ax, ay] = points[i - 1]!;
      const [bx, by] = points[i]!;
      this.fillCapsule(ax, ay, bx, by, r, color);
    }
  }

  /** Fills a simple polygon (even–odd rule, scanline; no anti-aliasing). */
  fillPolygon(points: readonly Point[], color: Color): void {
    if (points.length < 3) return;
    const ys = points.map((p) => p[1]);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const y1 = Math.min(this.height - 1, Math.ceil(Math.max(...ys)));
    const xs: number[] = [];
    for (let y = y0; y <= y1; y++) {
      const sy = y + 0.5;
      xs.length = 0;
      for (let i = 0; i < points.length; i++) {
        const [ax, ay] = points[i]!;
        const [bx, by] = points[(i + 1) % points.length]!;
        if ((ay <= sy && by > sy) || (by <= sy && ay > sy))
          xs.push(ax + ((sy - ay) / (by - ay)) * (bx - ax));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const from = Math.max(0, Math.round(xs[k]!));
        const to = Math.min(this.width, Math.round(xs[k + 1]!));
        for (let x = from; x < to; x++) this.blend(x, y, color, 1);
      }
    }
  }

  /** The canvas as a frame (shares the buffer). */
  toFrame(): RgbFrame {
    return { height: this.height, width: this.width, data: this.data };
  }
}
