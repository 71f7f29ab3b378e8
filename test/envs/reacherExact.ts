/**
 * The exact reduced-coordinate dynamics of the reacher arm, for the fidelity tests: a planar
 * two-link arm with MuJoCo's link inertias, joint armature and damping, integrated with RK4 at a
 * fine step: (M(q) + diag(A)) q̈ + c(q, q̇) = τ − d·q̇.
 */
import { type ReacherParams, reacherMassProperties } from '../../envs/index.js';

/** State `[q0, q1, v0, v1]`. */
export type ArmState = [number, number, number, number];

/** Time derivative of the arm state under motor commands `u` (clamped to [−1, 1]). */
export function armDerivative(
  s: ArmState,
  u: readonly [number, number],
  p: ReacherParams,
): ArmState {
  const [m0, m1] = reacherMassProperties(p);
  const [, q1, v0, v1] = s;
  const l = p.link0Length;
  const c = Math.cos(q1);
  const M00 =
    m0.inertia +
    m0.mass * m0.com ** 2 +
    m1.inertia +
    m1.mass * (l * l + m1.com ** 2 + 2 * l * m1.com * c) +
    p.armature;
  const M01 = m1.inertia + m1.mass * (m1.com ** 2 + l * m1.com * c);
  const M11 = m1.inertia + m1.mass * m1.com ** 2 + p.armature;
  const h = m1.mass * l * m1.com * Math.sin(q1);
  const clamp = (x: number) => Math.min(Math.max(x, -1), 1);
  const r0 = p.gear * clamp(u[0]) - p.damping * v0 + h * (2 * v0 * v1 + v1 * v1);
  const r1 = p.gear * clamp(u[1]) - p.damping * v1 - h * v0 * v0;
  const det = M00 * M11 - M01 * M01;
  return [v0, v1, (M11 * r0 - M01 * r1) / det, (M00 * r1 - M01 * r0) / det];
}

/** Integrates `duration` seconds with RK4 steps of `h`. */
export function integrateArm(
  s: ArmState,
  u: readonly [number, number],
  duration: number,
  p: ReacherParams,
  h = 1e-4,
): ArmState {
  const n = Math.round(duration / h);
  let x = s;
  const add = (a: ArmState, b: ArmState, k: number): ArmState => [
    a[0] + k * b[0],
    a[1] + k * b[1],
    a[2] + k * b[2],
    a[3] + k * b[3],
  ];
  for (let i = 0; i < n; i++) {
    const k1 = armDerivative(x, u, p);
    const k2 = armDerivative(add(x, k1, h / 2), u, p);
    const k3 = armDerivative(add(x, k2, h / 2), u, p);
    const k4 = armDerivative(add(x, k3, h), u, p);
    x = [0, 1, 2, 3].map(
      (j) => x[j]! + (h / 6) * (k1[j]! + 2 * k2[j]! + 2 * k3[j]! + k4[j]!),
    ) as ArmState;
  }
  return x;
}
