/**
 * The reacher arm's equations of motion, integrated as MuJoCo integrates Reacher-v5: the exact
 * reduced-coordinate dynamics of the planar two-link arm, (M(q) + diag(armature))·q̈ + c(q, q̇) =
 * gear·u − damping·q̇ + Jᵀf, stepped with MuJoCo's RK4 (one RK4 step per physics step, every
 * stage re-evaluating the constraint), and the joint-1 limit as MuJoCo's soft constraint with its
 * solver parameters (solref, solimp). Against real MuJoCo 2.2.2 these agree to float64 rounding
 * (test/envs/reacherMujoco.test.ts replays a recorded fixture).
 *
 * The limit, for one active unilateral constraint (the solver's optimum in closed form): with
 * the constraint Jacobian J = ±1 on q1, its violation r < 0, velocity v = J·q̇1, impedance
 * d(r) from solimp, R = (1 − d)/d · A₀ (A₀ the diagonal of M⁻¹ at q = 0, MuJoCo's
 * `dof_invweight0`), reference acceleration a_ref = −b·v − k·d·r (k, b from solref), the force is
 * f = max(0, −(J·q̈_free − a_ref) / (J·M⁻¹·Jᵀ + R)), added as q̈ = q̈_free + M⁻¹·Jᵀ·f.
 */
import { type ReacherParams, reacherMassProperties } from './reacherModel.js';

/** MuJoCo's smallest positive value (mjMINVAL), its floor for the constraint regulariser R. */
const MJ_MINVAL = 1e-15;

/** The arm's state `[q0, q1, q̇0, q̇1]`. */
export type ArmState = [number, number, number, number];

/**
 * The arm's dynamics for one set of parameters, with its constants precomputed; `step` advances a
 * state in place without allocating (the env's hot path).
 */
export class ReacherArmDynamics {
  /** M00 = m00 + m00c·cos q1, M01 = m01 + m01c·cos q1, M11 = m11; h = m01c·sin q1. */
  private readonly m00: number;
  private readonly m00c: number;
  private readonly m01: number;
  private readonly m01c: number;
  private readonly m11: number;
  private readonly gear: number;
  private readonly damping: number;
  private readonly limit: number;
  /** Physics step (s) and physics steps per env step. */
  readonly timestep: number;
  readonly frameSkip: number;
  /** The limit's stiffness k and damping b (from solref), impedance curve (solimp). */
  private readonly k: number;
  private readonly b: number;
  private readonly dmin: number;
  private readonly dmax: number;
  private readonly width: number;
  private readonly midpoint: number;
  private readonly power: number;
  /** MuJoCo's `dof_invweight0` of joint 1: the diagonal of M⁻¹ at q = 0. */
  readonly invweight0: number;
  /**
   * Joint angles of the last RK4 stage of the last physics step (q + h·q̇ of the third stage):
   * where MuJoCo last computed the kinematics, so what its `data.xpos` shows after `mj_step`.
   */
  readonly lastStageAngles = new Float64Array(2);
  /** RK4 stage derivatives (k1..k4 × [q̇0, q̇1, q̈0, q̈1]) and the stage state. */
  private readonly stages = new Float64Array(16);
  private readonly x = new Float64Array(4);
  private readonly acc = new Float64Array(2);

  constructor(p: Readonly<ReacherParams>) {
    const [m0, m1] = reacherMassProperties(p);
    const l = p.link0Length;
    this.m00 =
      m0.inertia +
      m0.mass * m0.com ** 2 +
      m1.inertia +
      m1.mass * (l * l + m1.com ** 2) +
      p.armature;
    this.m00c = 2 * m1.mass * l * m1.com;
    this.m01 = m1.inertia + m1.mass * m1.com ** 2;
    this.m01c = m1.mass * l * m1.com;
    this.m11 = m1.inertia + m1.mass * m1.com ** 2 + p.armature;
    this.gear = p.gear;
    this.damping = p.damping;
    this.limit = p.joint1Limit;
    this.timestep = p.timestep;
    this.frameSkip = p.frameSkip;
    // MuJoCo's "refsafe": the time constant is at least two physics steps.
    const timeconst = Math.max(p.limitTimeconst, 2 * p.timestep);
    this.dmin = p.limitDmin;
    this.dmax = p.limitDmax;
    this.width = p.limitWidth;
    this.midpoint = p.limitMidpoint;
    this.power = p.limitPower;
    this.k = 1 / (this.dmax ** 2 * timeconst ** 2 * p.limitDampratio ** 2);
    this.b = 2 / (this.dmax * timeconst);
    const M00 = this.m00 + this.m00c;
    const M01 = this.m01 + this.m01c;
    this.invweight0 = M00 / (M00 * this.m11 - M01 * M01);
  }

  /** A joint's motor torque for command u: gear · u, u clamped to [−1, 1] (MuJoCo's ctrllimited). */
  torque(u: number): number {
    return this.gear * Math.min(Math.max(u, -1), 1);
  }

  /** MuJoCo's impedance d(r) of a constraint violated by r (solimp's curve). */
  impedance(r: number): number {
    const x = Math.abs(r) / this.width;
    if (x >= 1) return this.dmax;
    const { midpoint: mid, power } = this;
    const y =
      x < mid ? x ** power / mid ** (power - 1) : 1 - (1 - x) ** power / (1 - mid) ** (power - 1);
    return this.dmin + y * (this.dmax - this.dmin);
  }

  /**
   * Joint accelerations at (q1, q̇0, q̇1) under torques (tau0, tau1), with the joint-1 limit's
   * constraint force, into `out`.
   */
  accelerations(
    q1: number,
    v0: number,
    v1: number,
    tau0: number,
    tau1: number,
    out: Float64Array,
  ): void {
    const c = Math.cos(q1);
    const M00 = this.m00 + this.m00c * c;
    const M01 = this.m01 + this.m01c * c;
    const M11 = this.m11;
    const h = this.m01c * Math.sin(q1);
    const r0 = tau0 - this.damping * v0 + h * (2 * v0 * v1 + v1 * v1);
    const r1 = tau1 - this.damping * v1 - h * v0 * v0;
    const det = M00 * M11 - M01 * M01;
    let a0 = (M11 * r0 - M01 * r1) / det;
    let a1 = (M00 * r1 - M01 * r0) / det;
    // MuJoCo activates a limit when its distance is below the margin (0): strictly past it.
    const upper = q1 > this.limit;
    if (upper || q1 < -this.limit) {
      const J = upper ? -1 : 1;
      const r = upper ? this.limit - q1 : q1 + this.limit;
      const d = this.impedance(r);
      const minv11 = M00 / det;
      const R = Math.max(MJ_MINVAL, ((1 - d) * this.invweight0) / d);
      const aref = -this.b * J * v1 - this.k * d * r;
      const jar = J * a1 - aref;
      if (jar < 0) {
        const f = (-jar / (minv11 + R)) * J;
        a0 += (-M01 / det) * f;
        a1 += minv11 * f;
      }
    }
    out[0] = a0;
    out[1] = a1;
  }

  /**
   * Advances `state` ([q0, q1, q̇0, q̇1], in place) by one env step: `frameSkip` RK4 steps of
   * `timestep` under motor commands u0, u1 (clamped to [−1, 1], MuJoCo's ctrllimited).
   */
  step(state: Float64Array | number[], u0: number, u1: number): void {
    for (let i = 0; i < this.frameSkip; i++) this.physicsStep(state, u0, u1);
  }

  /**
   * One physics step of `timestep` (MuJoCo's mj_step with its RK4 integrator: every stage
   * re-evaluates the constraint), `state` in place, commands clamped to [−1, 1].
   */
  physicsStep(s: Float64Array | number[], u0: number, u1: number): void {
    const tau0 = this.torque(u0);
    const tau1 = this.torque(u1);
    const h = this.timestep;
    const { stages: k, x, acc } = this;
    for (let stage = 0; stage < 4; stage++) {
      const scale = stage === 0 ? 0 : stage === 3 ? h : h / 2;
      const prev = 4 * (stage - 1);
      for (let j = 0; j < 4; j++) x[j] = s[j]! + (stage === 0 ? 0 : scale * k[prev + j]!);
      this.accelerations(x[1]!, x[2]!, x[3]!, tau0, tau1, acc);
      const at = 4 * stage;
      k[at] = x[2]!;
      k[at + 1] = x[3]!;
      k[at + 2] = acc[0]!;
      k[at + 3] = acc[1]!;
    }
    this.lastStageAngles[0] = x[0]!;
    this.lastStageAngles[1] = x[1]!;
    for (let j = 0; j < 4; j++) {
      s[j] = s[j]! + (h / 6) * (k[j]! + 2 * k[4 + j]! + 2 * k[8 + j]! + k[12 + j]!);
    }
  }
}

const cache = new WeakMap<object, ReacherArmDynamics>();

/** The dynamics of a parameter object, built once per object. */
export function reacherArmDynamics(p: Readonly<ReacherParams>): ReacherArmDynamics {
  let dynamics = cache.get(p);
  if (!dynamics) {
    dynamics = new ReacherArmDynamics(p);
    cache.set(p, dynamics);
  }
  return dynamics;
}

/**
 * Time derivative of the arm state under motor commands `u` (clamped to [−1, 1]), with the
 * joint-1 limit's soft constraint force: what MuJoCo's forward dynamics computes for Reacher-v5.
 */
export function reacherArmDerivative(
  s: readonly number[] | ArmState,
  u: ArrayLike<number>,
  p: Readonly<ReacherParams>,
): ArmState {
  const acc = new Float64Array(2);
  const dynamics = reacherArmDynamics(p);
  dynamics.accelerations(s[1]!, s[2]!, s[3]!, dynamics.torque(u[0]!), dynamics.torque(u[1]!), acc);
  return [s[2]!, s[3]!, acc[0]!, acc[1]!];
}

/**
 * One env step (frameSkip RK4 steps of `timestep`, as MuJoCo steps Reacher-v5) of the arm from
 * state `s` under action `u`; returns the new state (the env's dynamics, see `ReacherSim`).
 */
export function integrateReacherArm(
  s: readonly number[] | ArmState,
  u: ArrayLike<number>,
  p: Readonly<ReacherParams>,
): ArmState {
  const x: ArmState = [s[0]!, s[1]!, s[2]!, s[3]!];
  reacherArmDynamics(p).step(x, u[0]!, u[1]!);
  return x;
}
