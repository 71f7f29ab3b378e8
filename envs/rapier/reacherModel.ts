/**
 * The reacher arm's model, shared by the env, planners and ML3 task losses: parameters, MuJoCo's
 * mass properties, forward and inverse kinematics, and the reward as a pure function.
 */
import { InvalidArgument } from '../core/errors.js';

/** Physical and task parameters of `rapier/Reacher-v1` (defaults: Gymnasium's Reacher-v5). */
export interface ReacherParams {
  /** Length of link 0, base to joint 1 (m). */
  link0Length: number;
  /** Length of link 1's capsule (m). */
  link1Length: number;
  /** Distance from joint 1 to the fingertip (m). */
  fingertipOffset: number;
  /** Capsule radius of both links; also the fingertip sphere's radius (m). */
  linkRadius: number;
  /** Density of the links and fingertip (kg/m³), as MuJoCo's default. */
  density: number;
  /** Rotor inertia reflected at each joint (kg·m²), MuJoCo's `armature`. */
  armature: number;
  /** Viscous damping of each joint (N·m·s/rad). */
  damping: number;
  /** Motor gear: torque = gear · clamp(action, −1, 1) (N·m). */
  gear: number;
  /** Joint 1 moves within ±joint1Limit (rad). */
  joint1Limit: number;
  /** Physics step (s). */
  timestep: number;
  /** Physics steps per env step (env dt = timestep · frameSkip). */
  frameSkip: number;
  /** Weight of the distance term of the reward. */
  rewardDistWeight: number;
  /** Weight of the control term of the reward. */
  rewardControlWeight: number;
  /** Joint-1 limit's solref time constant (s): MuJoCo's default 0.02 (at least 2 physics steps). */
  limitTimeconst: number;
  /** Joint-1 limit's solref damping ratio: MuJoCo's default 1. */
  limitDampratio: number;
  /** Joint-1 limit's solimp dmin, the impedance at zero violation: MuJoCo's default 0.9. */
  limitDmin: number;
  /** Joint-1 limit's solimp dmax, the impedance beyond `limitWidth`: MuJoCo's default 0.95. */
  limitDmax: number;
  /** Joint-1 limit's solimp width (rad) over which the impedance rises: MuJoCo's default 0.001. */
  limitWidth: number;
  /** Joint-1 limit's solimp midpoint of the impedance curve: MuJoCo's default 0.5. */
  limitMidpoint: number;
  /** Joint-1 limit's solimp power of the impedance curve: MuJoCo's default 2. */
  limitPower: number;
}

/**
 * Gymnasium Reacher-v5's values (reacher.xml); the joint-1 limit has MuJoCo's default solref
 * (0.02, 1) and solimp (0.9, 0.95, 0.001, 0.5, 2), which reacher.xml does not override.
 */
export const REACHER_DEFAULTS: Readonly<ReacherParams> = Object.freeze({
  link0Length: 0.1,
  link1Length: 0.1,
  fingertipOffset: 0.11,
  linkRadius: 0.01,
  density: 1000,
  armature: 1,
  damping: 1,
  gear: 200,
  joint1Limit: 3,
  timestep: 0.01,
  frameSkip: 2,
  rewardDistWeight: 1,
  rewardControlWeight: 1,
  limitTimeconst: 0.02,
  limitDampratio: 1,
  limitDmin: 0.9,
  limitDmax: 0.95,
  limitWidth: 0.001,
  limitMidpoint: 0.5,
  limitPower: 2,
});

/** Mass, centre of mass (distance from the proximal joint along the link) and inertia about it. */
export interface LinkMassProperties {
  mass: number;
  com: number;
  inertia: number;
}

/**
 * MuJoCo's mass properties of a capsule of cylinder length `length` and radius `radius` lying
 * along x from the origin: `inertia` is about the centre, perpendicular to the axis (the only
 * axis that matters in the plane).
 */
export function capsuleMassProperties(
  length: number,
  radius: number,
  density: number,
): LinkMassProperties {
  const mass = density * Math.PI * radius * radius * ((4 / 3) * radius + length);
  const sphereMass = (mass * 4 * radius) / (4 * radius + 3 * length);
  const cylinderMass = mass - sphereMass;
  const inertia =
    (cylinderMass * (3 * radius * radius + length * length)) / 12 +
    (sphereMass * 2 * radius * radius) / 5 +
    (sphereMass * length * (3 * radius + 2 * length)) / 8;
  return { mass, com: length / 2, inertia };
}

/** Combines two point-like bodies on one link into one (parallel-axis theorem). */
function combine(a: LinkMassProperties, b: LinkMassProperties): LinkMassProperties {
  const mass = a.mass + b.mass;
  const com = (a.mass * a.com + b.mass * b.com) / mass;
  const inertia = a.inertia + a.mass * (a.com - com) ** 2 + b.inertia + b.mass * (b.com - com) ** 2;
  return { mass, com, inertia };
}

/**
 * The two links' mass properties, as MuJoCo computes them from reacher.xml: link 0 a capsule;
 * link 1 a capsule plus the fingertip sphere welded to it (MuJoCo merges the jointless
 * `fingertip` body into link 1).
 */
export function reacherMassProperties(p: ReacherParams): [LinkMassProperties, LinkMassProperties] {
  const link0 = capsuleMassProperties(p.link0Length, p.linkRadius, p.density);
  const capsule1 = capsuleMassProperties(p.link1Length, p.linkRadius, p.density);
  const tipMass = (p.density * 4 * Math.PI * p.linkRadius ** 3) / 3;
  const tip = { mass: tipMass, com: p.fingertipOffset, inertia: 0.4 * tipMass * p.linkRadius ** 2 };
  return [link0, combine(capsule1, tip)];
}

/** The fingertip position for joint angles `q0`, `q1` (base at the origin). */
export function reacherFingertip(q0: number, q1: number, p: ReacherParams): [number, number] {
  return [
    p.link0Length * Math.cos(q0) + p.fingertipOffset * Math.cos(q0 + q1),
    p.link0Length * Math.sin(q0) + p.fingertipOffset * Math.sin(q0 + q1),
  ];
}

/**
 * Inverse kinematics: joint angles that put the fingertip at `target` (two solutions, elbow
 * `"down"`: q1 ≥ 0, or `"up"`: q1 ≤ 0). Throws for targets the arm cannot reach within its
 * joint-1 limit.
 * @example const [q0, q1] = reacherInverseKinematics([0.1, 0.05], REACHER_DEFAULTS);
 */
export function reacherInverseKinematics(
  target: readonly [number, number] | ArrayLike<number>,
  p: ReacherParams,
  elbow: 'down' | 'up' = 'down',
): [number, number] {
  const x = target[0]!;
  const y = target[1]!;
  const a = p.link0Length;
  const b = p.fingertipOffset;
  const r2 = x * x + y * y;
  const c = (r2 - a * a - b * b) / (2 * a * b);
  if (!Number.isFinite(c) || c > 1 || c < Math.cos(p.joint1Limit)) {
    const lo = Math.sqrt(a * a + b * b + 2 * a * b * Math.cos(p.joint1Limit));
    throw new InvalidArgument(
      `fingertip target (${x}, ${y}) is out of reach: its distance from the base must be in [${lo.toFixed(4)}, ${(a + b).toFixed(4)}] m, got ${Math.sqrt(r2).toFixed(4)}`,
    );
  }
  const q1 = (elbow === 'down' ? 1 : -1) * Math.acos(Math.min(1, c));
  const q0 = Math.atan2(y, x) - Math.atan2(b * Math.sin(q1), a + b * Math.cos(q1));
  return [q0, q1];
}

/**
 * Reacher-v5's reward: `−distWeight·‖fingertip − target‖ − controlWeight·‖a‖²`, with the action
 * as given (unclipped), as Gymnasium computes it.
 * @returns `[reward, rewardDist, rewardCtrl]`
 */
export function reacherReward(
  distance: number,
  action: ArrayLike<number>,
  p: ReacherParams,
): [number, number, number] {
  let sq = 0;
  for (let i = 0; i < action.length; i++) sq += action[i]! * action[i]!;
  const rewardDist = -distance * p.rewardDistWeight;
  const rewardCtrl = -sq * p.rewardControlWeight;
  return [rewardDist + rewardCtrl, rewardDist, rewardCtrl];
}
