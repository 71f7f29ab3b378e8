/**
 * # rapier/Reacher-v1
 *
 * ## Description
 * Gymnasium's Reacher-v5 on the Rapier 2D engine: a two-link planar arm in a horizontal plane (no
 * gravity) must bring its fingertip to a target. Links 0.1 m (capsules of radius 0.01 m, density
 * 1000, MuJoCo's mass properties), fingertip 0.11 m along link 1, joint 0 unlimited, joint 1
 * within ±3 rad (MuJoCo's soft limit: hard hits pass it by up to ~0.3 rad and are pushed back),
 * damping 1 and armature 1 at each joint, motors with gear 200, physics step 0.01 s integrated
 * with RK4 as MuJoCo does, frame skip 2 (dt 0.02 s). Replays real MuJoCo 2.2.2 trajectories of
 * Reacher-v5's model to ~1e-12 rad (see `reacherSim.ts` for what Rapier does and what the joint
 * level does).
 *
 * ## Observation space: Box(−∞, ∞, (10,), float64)
 * | index | meaning                         | unit  |
 * |-------|---------------------------------|-------|
 * | 0, 1  | cos q0, cos q1                  | —     |
 * | 2, 3  | sin q0, sin q1                  | —     |
 * | 4, 5  | target x, y                     | m     |
 * | 6, 7  | q̇0, q̇1                         | rad/s |
 * | 8, 9  | fingertip − target (x, y) ¹     | m     |
 *
 * ¹ As in Gymnasium, the fingertip is MuJoCo's `data.xpos` after `mj_step`, which RK4 leaves at
 * its last stage's joint angles (see {@link ReacherEnv.fingertip}); the reward uses it too.
 *
 * ## Action space: Box(−1, 1, (2,), float32)
 * Motor commands of joints 0 and 1 (torque = 200·a). Values outside [−1, 1] are clamped for the
 * dynamics (MuJoCo's ctrllimited), the reward uses the action as given (Gymnasium's rule).
 * NaN/Infinity or a wrong length throw `InvalidAction`, and so does an action so large that its
 * control cost ‖a‖² overflows (Gymnasium's MuJoCo Reacher would return a reward of −inf).
 *
 * ## Reward
 * `−rewardDistWeight·‖fingertip − target‖ − rewardControlWeight·‖a‖²` after the physics step
 * (weights 1 and 1, Gymnasium's code); info `{ rewardDist, rewardCtrl }`. See {@link reacherReward}.
 *
 * ## Starting state
 * q ~ U(−0.1, 0.1)², q̇ ~ U(−0.005, 0.005)²; target ~ U(−0.2, 0.2)² redrawn until ‖target‖ < 0.2.
 * `reset({ options: { goal: [x, y], qpos: [q0, q1], qvel: [v0, v1] } })` fixes any of them (the
 * random draws still happen, so the RNG stream does not depend on the options); a goal beyond
 * the fingertip's reach (0.21 m) is an `InvalidArgument`.
 *
 * ## Episode end
 * Never terminates; truncated at 50 steps by `make`'s TimeLimit. Reward threshold −3.75.
 *
 * ## Planner access
 * `getState()` / `setState()` (flat `[q0, q1, q̇0, q̇1, targetX, targetY]`) and `snapshot()` /
 * `restore()` (bit-exact, Rapier world snapshots; the replaced world is freed).
 *
 * ## Arguments
 * `renderMode` (`rgb_array` 480×480 | `ansi`) and the {@link ReacherParams}.
 *
 * ## Versions
 * v1: the arm moves as MuJoCo's (no speed cap, MuJoCo's RK4 and soft joint limit).
 * v0: first version; Rapier integrated the links (angular speed capped at 78.5 rad/s, joint 1
 * stopped dead at ±3 rad). No longer registered.
 */

import { checkRenderMode, readBoxAction, resolveParams } from '../checks/input.js';
import type { EnvMetadata, RenderOutput, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { InvalidAction, InvalidArgument } from '../core/errors.js';
import { Box } from '../spaces/box.js';
import {
  REACHER_DEFAULTS,
  type ReacherParams,
  reacherFingertip,
  reacherReward,
} from './reacherModel.js';
import { renderReacherAnsi, renderReacherFrame } from './reacherRender.js';
import { ReacherSim, type ReacherSimSnapshot } from './reacherSim.js';
import { SimulatedEnv } from './simulatedEnv.js';

/** Constructor arguments. */
export interface ReacherArgs extends Partial<ReacherParams> {
  renderMode?: 'rgb_array' | 'ansi';
}

/** Reset options of the reacher. */
export interface ReacherResetOptions {
  /** Target position [x, y] (m). */
  goal?: ArrayLike<number>;
  /** Joint angles [q0, q1] (rad). */
  qpos?: ArrayLike<number>;
  /** Joint velocities [q̇0, q̇1] (rad/s). */
  qvel?: ArrayLike<number>;
}

/** The info of a reacher step: the reward's two terms. */
export type ReacherStepInfo = {
  /** −rewardDistWeight · ‖fingertip − target‖. */
  rewardDist: number;
  /** −rewardControlWeight · ‖a‖². */
  rewardCtrl: number;
};

/** A bit-exact copy of the env's state, from `snapshot()`. */
export interface ReacherSnapshot {
  readonly sim: ReacherSimSnapshot;
  readonly goal: readonly [number, number];
}

/** Layout of `getState()`: `[q0, q1, q̇0, q̇1, targetX, targetY]`. */
export const REACHER_STATE_SIZE = 6;

const METADATA: EnvMetadata = Object.freeze({
  renderModes: Object.freeze(['rgb_array', 'ansi']),
  renderFps: 50,
});
const NAME = 'Reacher';

/** Throws `InvalidArgument` for parameters the dynamics cannot run with. */
function checkReacherParams(p: Readonly<ReacherParams>): void {
  const rules: [keyof ReacherParams, (v: number) => boolean, string][] = [
    ['frameSkip', (v) => Number.isInteger(v) && v > 0, 'a positive integer'],
    ['timestep', (v) => v > 0, 'positive'],
    ['armature', (v) => v >= 0, '≥ 0'],
    ['joint1Limit', (v) => v > 0, 'positive'],
    ['limitTimeconst', (v) => v > 0, 'positive'],
    ['limitDampratio', (v) => v > 0, 'positive'],
    ['limitDmin', (v) => v > 0 && v < 1, 'in (0, 1)'],
    ['limitDmax', (v) => v > 0 && v < 1, 'in (0, 1)'],
    ['limitWidth', (v) => v > 0, 'positive'],
    ['limitMidpoint', (v) => v > 0 && v < 1, 'in (0, 1)'],
    ['limitPower', (v) => v >= 1, '≥ 1'],
  ];
  for (const [key, ok, allowed] of rules) {
    if (!ok(p[key])) throw new InvalidArgument(`${NAME}: ${key} must be ${allowed}, got ${p[key]}`);
  }
}

function readPair(value: unknown, what: string): [number, number] {
  const ok =
    (ArrayBuffer.isView(value) || Array.isArray(value)) &&
    (value as ArrayLike<number>).length === 2;
  const pair = ok ? [(value as ArrayLike<number>)[0], (value as ArrayLike<number>)[1]] : [];
  if (!ok || !pair.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InvalidArgument(
      `${NAME}: reset option ${what} must be two finite numbers, got ${String(value)}`,
    );
  }
  return pair as [number, number];
}

/** The Rapier reacher (see the file header for the full spec). */
export class ReacherEnv extends SimulatedEnv<Float64Array, ArrayLike<number>, ReacherStepInfo> {
  readonly observationSpace = new Box(-Infinity, Infinity, [10], 'float64');
  readonly actionSpace = new Box(-1, 1, [2], 'float32');
  /** The resolved parameters. */
  readonly params: Readonly<ReacherParams>;
  protected readonly sim: ReacherSim;
  private goal: [number, number] = [0, 0];

  constructor(args: ReacherArgs = {}) {
    super(NAME);
    const { renderMode, ...params } = args;
    this.metadata = METADATA;
    this.renderMode = checkRenderMode(renderMode, METADATA, NAME);
    this.params = Object.freeze(resolveParams(REACHER_DEFAULTS, params, NAME));
    checkReacherParams(this.params);
    this.sim = new ReacherSim(this.params);
  }

  override reset({ seed, options }: ResetArgs = {}): ResetResult<Float64Array> {
    this.seedRng(seed);
    this.assertOpen();
    const allowed = ['goal', 'qpos', 'qvel'];
    for (const key of Object.keys(options ?? {})) {
      if (!allowed.includes(key))
        throw new InvalidArgument(
          `${NAME}: unknown reset option "${key}"; allowed: ${allowed.join(', ')}`,
        );
    }
    const opts = (options ?? {}) as ReacherResetOptions;
    // Gymnasium's draw order: qpos for all 4 MuJoCo joints (arm + target slides), the goal by
    // rejection, then qvel for all 4.
    const rng = this.npRandom;
    const qpos = [0, 1, 2, 3].map(() => rng.uniform(-0.1, 0.1));
    let goal: [number, number];
    do goal = [rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)];
    while (Math.hypot(goal[0], goal[1]) >= 0.2);
    const qvel = [0, 1, 2, 3].map(() => rng.uniform(-0.005, 0.005));
    const [q0, q1] = opts.qpos === undefined ? [qpos[0]!, qpos[1]!] : readPair(opts.qpos, 'qpos');
    if (Math.abs(q1) > this.params.joint1Limit) {
      throw new InvalidArgument(
        `${NAME}: reset option qpos needs q1 within ±${this.params.joint1Limit} rad (the joint limit), got ${q1}`,
      );
    }
    const [v0, v1] = opts.qvel === undefined ? [qvel[0]!, qvel[1]!] : readPair(opts.qvel, 'qvel');
    this.goal = opts.goal === undefined ? goal : this.reachableGoal(readPair(opts.goal, 'goal'));
    this.sim.setJointState(q0, q1, v0, v1);
    this.markStarted();
    return [this.observation(), {}];
  }

  override step(action: ArrayLike<number>): StepResult<Float64Array, ReacherStepInfo> {
    this.assertOpen();
    this.assertStarted('step()');
    const a = readBoxAction(this.actionSpace, action, NAME);
    // Gymnasium's MuJoCo Reacher would return a reward of −inf here (its control cost squares the
    // raw action); no finite reward exists, so such an action is refused before the arm moves.
    if (!Number.isFinite(a[0]! * a[0]! + a[1]! * a[1]!)) {
      throw new InvalidAction(
        `${NAME}: the action [${a[0]}, ${a[1]}] makes the control cost ‖a‖² infinite; actions are clamped to [−1, 1] for the motors, but the reward squares them as given, so |a| must stay below ~1.3e154`,
      );
    }
    this.sim.step(a[0]!, a[1]!);
    const obs = this.observation();
    const [reward, rewardDist, rewardCtrl] = reacherReward(
      Math.hypot(obs[8]!, obs[9]!),
      a,
      this.params,
    );
    return [obs, reward, false, false, { rewardDist, rewardCtrl }];
  }

  /** A goal option, checked to lie within the fingertip's reach (link 0 + fingertip offset). */
  private reachableGoal(goal: [number, number]): [number, number] {
    const reach = this.params.link0Length + this.params.fingertipOffset;
    const r = Math.hypot(goal[0], goal[1]);
    if (r > reach) {
      throw new InvalidArgument(
        `${NAME}: reset option goal [${goal[0]}, ${goal[1]}] is ${r.toFixed(3)} m from the base, out of the fingertip's reach (${reach.toFixed(3)} m); Reacher draws its goals within 0.2 m`,
      );
    }
    return goal;
  }

  private observation(): Float64Array {
    const { q0, q1, v0, v1 } = this.sim;
    const [fx, fy] = this.fingertipAt();
    const [gx, gy] = this.goal;
    return Float64Array.of(
      Math.cos(q0),
      Math.cos(q1),
      Math.sin(q0),
      Math.sin(q1),
      gx,
      gy,
      v0,
      v1,
      fx - gx,
      fy - gy,
    );
  }

  /**
   * The fingertip position [x, y] (m) that the observation and reward use: as Gymnasium's
   * Reacher-v5 reads it from MuJoCo's `data.xpos`, at the joint angles of the last RK4 stage
   * (within ~1e-6 m of the fingertip at the current angles in free motion; up to ~2 cm while the
   * soft joint limit pushes back). At the current angles: `reacherFingertip(q0, q1, params)`.
   */
  fingertip(): [number, number] {
    this.assertStarted();
    return this.fingertipAt();
  }

  private fingertipAt(): [number, number] {
    return reacherFingertip(this.sim.xposQ0, this.sim.xposQ1, this.params);
  }

  /** `[q0, q1, q̇0, q̇1, targetX, targetY]` (a copy). */
  getState(): Float64Array {
    this.assertStarted();
    const { q0, q1, v0, v1 } = this.sim;
    return Float64Array.of(q0, q1, v0, v1, this.goal[0], this.goal[1]);
  }

  /**
   * Sets `[q0, q1, q̇0, q̇1, targetX, targetY]`; the result depends only on the state (the world
   * is rebuilt), so equal states step identically. For bit-exact returns use `snapshot()`.
   */
  setState(state: ArrayLike<number>): void {
    this.assertOpen();
    if (state?.length !== REACHER_STATE_SIZE) {
      throw new InvalidArgument(
        `${NAME}: state must be [q0, q1, q̇0, q̇1, targetX, targetY], got ${state?.length} values`,
      );
    }
    const [gx, gy] = readPair([state[4], state[5]], 'target');
    this.sim.setJointState(state[0]!, state[1]!, state[2]!, state[3]!);
    this.goal = [gx, gy];
    this.markStarted();
  }

  /** A bit-exact copy of the state (Rapier world snapshot + joint state + target). */
  snapshot(): ReacherSnapshot {
    this.assertStarted();
    return { sim: this.sim.snapshot(), goal: [this.goal[0], this.goal[1]] };
  }

  /** Returns to a snapshot bit-exactly (frees the replaced Rapier world). */
  restore(snapshot: ReacherSnapshot): void {
    this.assertOpen();
    const goal = readPair(snapshot?.goal, 'snapshot goal');
    this.sim.restore(snapshot.sim);
    this.goal = goal;
    this.markStarted();
  }

  override render(): RenderOutput {
    if (this.renderMode === undefined) return undefined;
    this.assertStarted();
    const scene = { q0: this.sim.q0, q1: this.sim.q1, goal: this.goal, params: this.params };
    return this.renderMode === 'rgb_array' ? renderReacherFrame(scene) : renderReacherAnsi(scene);
  }
}
