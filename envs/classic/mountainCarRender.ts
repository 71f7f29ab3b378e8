/**
 * Drawing of a mountain-car scene (track, car, goal flag) as an RGB frame or ANSI text, shared by
 * the classic and the Rapier cars. The look follows Gymnasium's `MountainCarContinuous` render:
 * 600×400, the car tilted with the track, a yellow flag at the goal.
 */
import type { RgbFrame } from '../core/env.js';
import { Canvas, type Point } from '../render/canvas.js';

/** What to draw. */
export interface MountainCarScene {
  /** Car position along x. */
  position: number;
  /** Track height y(x), in the same units as x. */
  height: (x: number) => number;
  /** Left end of the track. */
  minPosition: number;
  /** Right end of the track. */
  maxPosition: number;
  /** x of the goal flag. */
  goalPosition: number;
}

const WIDTH = 600;
const HEIGHT = 400;
const CAR_W = 40;
const CAR_H = 20;
const CLEARANCE = 10;

/** Renders the scene as a 600×400 RGB frame. */
export function renderMountainCarFrame(scene: MountainCarScene): RgbFrame {
  const { position, height, minPosition, maxPosition, goalPosition } = scene;
  // World → pixel with one scale for both axes, fitting the track's width and height range
  // (the lowest point 20 px above the bottom, room for the flag above the highest).
  let lowest = Infinity;
  let highest = -Infinity;
  for (let i = 0; i <= 200; i++) {
    const y = height(minPosition + ((maxPosition - minPosition) * i) / 200);
    lowest = Math.min(lowest, y);
    highest = Math.max(highest, y);
  }
  const scale = Math.min(
    WIDTH / (maxPosition - minPosition),
    (HEIGHT - 90) / (highest - lowest || 1),
  );
  const offset = 20 - lowest * scale;
  const left = (WIDTH - (maxPosition - minPosition) * scale) / 2;
  const toPixel = (x: number, y: number): Point => [
    left + (x - minPosition) * scale,
    HEIGHT - (y * scale + offset),
  ];
  const canvas = new Canvas(WIDTH, HEIGHT, [255, 255, 255]);

  const track: Point[] = [];
  for (let i = 0; i <= 100; i++) {
    const x = minPosition + ((maxPosition - minPosition) * i) / 100;
    track.push(toPixel(x, height(x)));
  }
  canvas.strokePolyline(track, 1.2, [0, 0, 0]);

  // The car: a box tilted by the track's slope angle, on two wheels.
  const slope = (height(position + 1e-4) - height(position - 1e-4)) / 2e-4;
  const angle = Math.atan(slope);
  const [cx, cy] = toPixel(position, height(position));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Rotate the car-frame offset (u along the track, v up from it) by the slope angle; pixel y is down.
  const place = (u: number, v: number): Point => [
    cx + u * cos - (v + CLEARANCE) * sin,
    cy - (u * sin + (v + CLEARANCE) * cos),
  ];
  const body: Point[] = [
    place(-CAR_W / 2, 0),
    place(-CAR_W / 2, CAR_H),
    place(CAR_W / 2, CAR_H),
    place(CAR_W / 2, 0),
  ];
  canvas.fillPolygon(body, [0, 0, 0]);
  for (const u of [CAR_W / 4, -CAR_W / 4]) {
    const [wx, wy] = place(u, 0);
    canvas.fillCircle(wx, wy, CAR_H / 2.5, [128, 128, 128]);
  }

  // The goal flag.
  const [fx, fy] = toPixel(goalPosition, height(goalPosition));
  canvas.fillCapsule(fx, fy, fx, fy - 50, 1, [0, 0, 0]);
  canvas.fillPolygon(
    [
      [fx, fy - 50],
      [fx, fy - 40],
      [fx + 25, fy - 45],
    ],
    [204, 204, 0],
  );
  return canvas.toFrame();
}

/**
 * Renders the scene as text: the track's profile over 60 columns and 8 rows, `o` the car,
 * `F` the flag, then the state line.
 */
export function renderMountainCarAnsi(scene: MountainCarScene, velocity: number): string {
  const cols = 60;
  const rows = 8;
  const { position, height, minPosition, maxPosition, goalPosition } = scene;
  const xs = Array.from(
    { length: cols },
    (_, i) => minPosition + ((maxPosition - minPosition) * (i + 0.5)) / cols,
  );
  const hs = xs.map(height);
  const lo = Math.min(...hs);
  const hi = Math.max(...hs);
  const rowOf = (h: number) => Math.round(((hi - h) / (hi - lo || 1)) * (rows - 1));
  const grid = Array.from({ length: rows }, () => new Array<string>(cols).fill(' '));
  hs.forEach((h, i) => {
    grid[rowOf(h)]![i] = '_';
  });
  const colOf = (x: number) =>
    Math.min(
      cols - 1,
      Math.max(0, Math.floor(((x - minPosition) / (maxPosition - minPosition)) * cols)),
    );
  const fc = colOf(goalPosition);
  grid[Math.max(0, rowOf(hs[fc]!) - 1)]![fc] = 'F';
  const cc = colOf(position);
  grid[Math.max(0, rowOf(hs[cc]!) - 1)]![cc] = 'o';
  const sign = (v: number) => (v >= 0 ? '+' : '');
  return `${grid.map((r) => r.join('')).join('\n')}\nposition ${sign(position)}${position.toFixed(4)}  velocity ${sign(velocity)}${velocity.toFixed(5)}\n`;
}
