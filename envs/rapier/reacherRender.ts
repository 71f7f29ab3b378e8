/** Drawing of the reacher (top-down frame and ANSI text). Colours follow reacher.xml. */
import type { RgbFrame } from '../core/env.js';
import { Canvas, type Color } from '../render/canvas.js';
import { type ReacherParams, reacherFingertip } from './reacherModel.js';

/** What to draw. */
export interface ReacherScene {
  q0: number;
  q1: number;
  goal: readonly [number, number];
  params: Readonly<ReacherParams>;
}

const SIZE = 480;
/** Half-width of the drawn area (m): the arena's walls are at ±0.3. */
const HALF = 0.32;
const ARENA = 0.3;
const LINK: Color = [178, 178, 0];
const TIP: Color = [0, 204, 153];
const TARGET: Color = [230, 25, 25];
const ROOT: Color = [230, 102, 153];

/** Renders a 480×480 top-down frame (x right, y up). */
export function renderReacherFrame(scene: ReacherScene): RgbFrame {
  const { q0, q1, goal, params: p } = scene;
  const scale = SIZE / (2 * HALF);
  const px = (x: number) => (x + HALF) * scale;
  const py = (y: number) => (HALF - y) * scale;
  const canvas = new Canvas(SIZE, SIZE, [250, 250, 250]);
  canvas.fillRect(px(-ARENA), py(ARENA), px(ARENA), py(-ARENA), [229, 229, 229]);
  const wall: Color = [128, 128, 128];
  const corners: [number, number][] = [
    [-ARENA, -ARENA],
    [ARENA, -ARENA],
    [ARENA, ARENA],
    [-ARENA, ARENA],
    [-ARENA, -ARENA],
  ];
  canvas.strokePolyline(
    corners.map(([x, y]) => [px(x), py(y)] as const),
    0.008 * scale,
    wall,
  );
  const r = p.linkRadius * scale;
  const jx = p.link0Length * Math.cos(q0);
  const jy = p.link0Length * Math.sin(q0);
  const ex = jx + p.link1Length * Math.cos(q0 + q1);
  const ey = jy + p.link1Length * Math.sin(q0 + q1);
  canvas.fillCircle(px(goal[0]), py(goal[1]), 0.009 * scale, TARGET);
  canvas.fillCapsule(px(0), py(0), px(jx), py(jy), r, LINK);
  canvas.fillCapsule(px(jx), py(jy), px(ex), py(ey), r, LINK);
  canvas.fillCircle(px(0), py(0), 0.011 * scale, ROOT);
  const [fx, fy] = reacherFingertip(q0, q1, p);
  canvas.fillCircle(px(fx), py(fy), p.linkRadius * scale, TIP);
  return canvas.toFrame();
}

/** Renders a 41×21 character top-down view (`O` base, `*` links, `F` fingertip, `X` target) and the state. */
export function renderReacherAnsi(scene: ReacherScene): string {
  const { q0, q1, goal, params: p } = scene;
  const cols = 41;
  const rows = 21;
  const half = 0.22;
  const grid = Array.from({ length: rows }, () => new Array<string>(cols).fill('.'));
  const put = (x: number, y: number, ch: string) => {
    const c = Math.round(((x + half) / (2 * half)) * (cols - 1));
    const r = Math.round(((half - y) / (2 * half)) * (rows - 1));
    if (r >= 0 && r < rows && c >= 0 && c < cols) grid[r]![c] = ch;
  };
  const jx = p.link0Length * Math.cos(q0);
  const jy = p.link0Length * Math.sin(q0);
  for (let t = 0; t <= 1; t += 0.1) {
    put(jx * t, jy * t, '*');
    put(
      jx + p.link1Length * Math.cos(q0 + q1) * t,
      jy + p.link1Length * Math.sin(q0 + q1) * t,
      '*',
    );
  }
  put(0, 0, 'O');
  put(goal[0], goal[1], 'X');
  const [fx, fy] = reacherFingertip(q0, q1, p);
  put(fx, fy, 'F');
  const d = Math.hypot(fx - goal[0], fy - goal[1]);
  const f = (v: number) => v.toFixed(3);
  return `${grid.map((row) => row.join('')).join('\n')}\nq ${f(q0)} ${f(q1)}  fingertip (${f(fx)}, ${f(fy)})  target (${f(goal[0])}, ${f(goal[1])})  distance ${f(d)}\n`;
}
