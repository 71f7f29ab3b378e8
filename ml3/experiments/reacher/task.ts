/**
 * The model-based reacher task of ML3 (paper IV.A.2): a goal-conditioned policy on
 * `rapier/Reacher-v1`, a learned loss M_φ(s_t, a_t, d) over its rollouts, the task loss (through
 * a learned dynamics model, the arm's exact twin, or any source of states), and real-simulator
 * rollouts of a batch of goals.
 *
 * States are the arm's joint state s = [q0, q1, q̇0, q̇1] (`ReacherEnv.getState()` without the
 * target); a goal is a fingertip target, turned into the joint-space goal g = [q0*, q1*, 0, 0]
 * by inverse kinematics, as the authors' task loss is in joint space.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type DynamicsEnsemble,
  detach,
  type FeedbackPolicySpec,
  type LockstepRollouts,
  type Params,
  policyActions,
  policyActor,
  rolloutLockstep,
  rolloutLoss,
  rolloutLossInJs,
  rolloutThroughModel,
  type SimulatorTwin,
  twinDynamics,
} from '../../../agents/index.js';
import {
  REACHER_DEFAULTS,
  ReacherEnv,
  type ReacherParams,
  type RNG,
  reacherFingertip,
} from '../../../envs/index.js';
import { learnedLossValues } from '../../learnedLoss.js';
import { gradientThroughActions, learnedLossInputGradient } from '../../learnedLossGradient.js';
import { jointGoal, mirrorJointGoals, sampleFingertipGoal, wholeTurns } from './goals.js';
import { AUTHORS_OBJECTIVE, type ReacherObjective, reacherLossSpec } from './objective.js';

/** Joint-state size (q0, q1, q̇0, q̇1). */
export const REACHER_JOINT_STATE = 4;

/** The authors' reacher policy: (s, g) / [1,1,8,8,1,1,1,1] → 64 → 64 → 2 (tanh hidden), clamped to ±1. */
export const REACHER_POLICY: FeedbackPolicySpec = {
  net: { sizes: [8, 64, 64, 2], activation: 'tanh', outputActivation: 'identity', bias: true },
  inputScale: [1, 1, 8, 8, 1, 1, 1, 1],
  actionLow: -1,
  actionHigh: 1,
};

/** Policy actions for joint states [G, S] or [G, N, S] and joint goals [G, 4]; θ batched per goal. */
export function reacherPolicyActions(
  theta: Params,
  states: tf.Tensor,
  goals: tf.Tensor,
): tf.Tensor {
  const g = states.rank === 2 ? goals : goals.expandDims(1).tile([1, states.shape[1]!, 1]);
  return policyActions(theta, tf.concat([states, g], -1), REACHER_POLICY);
}

/**
 * The error state s − g of states [..., 4] and goals broadcast to them, joint 0's angle wrapped
 * to [−π, π) when the objective says so (the wrap's gradient is 1: floor's is 0).
 */
function errorState(states: tf.Tensor, goals: tf.Tensor, objective: ReacherObjective): tf.Tensor {
  const e = states.sub(goals);
  if (!objective.wrapAngles) return e;
  const turns = wholeTurns(e).mul(tf.tensor1d([1, 0, 0, 0]));
  return e.sub(turns.mul(2 * Math.PI));
}

/**
 * The error state s − g of states [..., 4] to goals broadcast to them, in the objective's joint
 * space: with `joint-nearest`, to whichever of the two inverse-kinematics solutions is nearer in
 * (q0, q1) at each step (a selection, so the gradient is that of the nearer one, as for a min;
 * on a tie, the mirrored pose).
 */
function jointErrorState(
  states: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective,
): tf.Tensor {
  const e = errorState(states, goals, objective);
  if (objective.taskLoss !== 'joint-nearest') return e;
  const m = errorState(states, mirrorJointGoals(goals), objective);
  const angles = (x: tf.Tensor) => {
    const begin = new Array<number>(x.rank).fill(0);
    return x
      .slice(begin, [...x.shape.slice(0, -1), 2])
      .square()
      .sum(-1, true);
  };
  // 1 where the goal's own pose is nearer: a mask from tf.step, whose gradient is zero at every
  // order (a comparison op has no gradient at all in tfjs).
  const nearer = tf.step(angles(m).sub(angles(e)));
  return m.add(nearer.mul(e.sub(m)));
}

/** The fingertip positions [..., 2] of joint states [..., 4] (planar forward kinematics). */
function fingertipOf(states: tf.Tensor, p: ReacherParams = REACHER_DEFAULTS): tf.Tensor {
  const rank = states.rank;
  const begin = new Array<number>(rank).fill(0);
  const size = [...states.shape.slice(0, -1), 1];
  const q0 = states.slice(begin, size);
  const q01 = q0.add(states.slice([...begin.slice(0, -1), 1], size));
  return tf.concat(
    [
      q0.cos().mul(p.link0Length).add(q01.cos().mul(p.fingertipOffset)),
      q0.sin().mul(p.link0Length).add(q01.sin().mul(p.fingertipOffset)),
    ],
    -1,
  );
}

/** The arm's reach (m): the unit of M_φ's fingertip distance input. */
const ARM_REACH = REACHER_DEFAULTS.link0Length + REACHER_DEFAULTS.fingertipOffset;

/** √(Σ x² + ε) over the last axis: a norm whose gradient stays finite at 0. */
function norm(x: tf.Tensor, keepDims = false): tf.Tensor {
  return x.square().sum(-1, keepDims).add(1e-12).sqrt();
}

/** Distance to the goal of states [G, T, 4] in the objective's space: [G, T]. */
function goalDistances(
  states: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective,
): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const g = goals.expandDims(1);
  if (objective.taskLoss === 'fingertip') return norm(fingertipOf(states).sub(fingertipOf(g)));
  return norm(jointErrorState(states, g, objective).slice([0, 0, 0], [G, T, 2]));
}

/**
 * The task loss per goal, through whatever produced the states [G, H+1, 4]: 10 · dist_H + mean_t
 * dist_t + 1e-4 · mean_t ‖q̇_t‖ → [G], with dist in the objective's space (default: the authors').
 */
export function reacherTaskLoss(
  states: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const qd = states.slice([0, 0, 2], [G, T, 2]);
  const dist = goalDistances(states, goals, objective); // [G, T]
  const final = dist.slice([0, T - 1], [G, 1]).squeeze([1]);
  const speed = norm(qd).mean(1);
  return final.mul(10).add(dist.mean(1)).add(speed.mul(1e-4));
}

/**
 * M_φ's features of a rollout: for t < H, [s_t − g, a_t, d] with d the final distance (see
 * {@link ReacherObjective}) repeated; s_t and d are detached (constants for every gradient), so
 * the learned loss reaches θ through the actions. The authors' single-goal M_φ sees s_t; with a
 * distribution of goals it must know where the goal is, so it sees the error state s_t − g =
 * [q − q*, q̇] instead (same width).
 * states [G, H+1, 4], actions [G, H, 2], goals [G, 4] → [G, H, 7].
 */
export function reacherLossFeatures(
  states: tf.Tensor,
  actions: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const H = T - 1;
  const S = REACHER_JOINT_STATE;
  const g = goals.expandDims(1);
  const s = detach(jointErrorState(states.slice([0, 0, 0], [G, H, S]), g, objective));
  const final = states.slice([0, H, 0], [G, 1, S]);
  const d =
    objective.taskLoss === 'fingertip'
      ? norm(fingertipOf(final).sub(fingertipOf(g)), true).div(ARM_REACH)
      : norm(jointErrorState(final, g, objective), true);
  return tf.concat([s, actions, detach(d).tile([1, H, 1])], -1);
}

/** The learned loss of each goal's rollout, mean over steps: [G] (φ unbatched). */
export function reacherLearnedLoss(
  phi: readonly tf.Tensor[],
  states: tf.Tensor,
  actions: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Tensor {
  const features = reacherLossFeatures(states, actions, goals, objective);
  const [G, H, F] = features.shape as [number, number, number];
  return learnedLossValues(phi, features.reshape([G * H, F]), reacherLossSpec(objective))
    .reshape([G, H])
    .mean(1);
}

/**
 * M_φ of the actions θ takes on recorded states [G, H+1, 4] (θ batched per goal, φ fixed or
 * carrying the meta-gradient): [G]. The states are constants; θ's gradient flows through the
 * actions.
 */
export function reacherPolicyLearnedLoss(
  phi: readonly tf.Tensor[],
  theta: Params,
  states: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const visited = states.slice([0, 0, 0], [G, T - 1, REACHER_JOINT_STATE]);
  const actions = reacherPolicyActions(theta, visited, goals);
  return reacherLearnedLoss(phi, states, actions, goals, objective);
}

/**
 * θ's gradient of Σ_g {@link reacherPolicyLearnedLoss}, written out (`learnedLossInputGradient`:
 * M_φ's backward pass to the actions, then the policy's vector-Jacobian product): the same values
 * as tfjs's autodiff of it, cheaper to differentiate again (ML3's meta-gradient).
 */
export function reacherPolicyLearnedLossGradient(
  phi: readonly tf.Tensor[],
  theta: Params,
  states: tf.Tensor,
  goals: tf.Tensor,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Tensor[] {
  const [G, T] = states.shape as [number, number, number];
  const H = T - 1;
  const visited = states.slice([0, 0, 0], [G, H, REACHER_JOINT_STATE]);
  const features = reacherLossFeatures(
    states,
    reacherPolicyActions(theta, visited, goals),
    goals,
    objective,
  );
  const u = learnedLossInputGradient(
    phi,
    features.reshape([G * H, features.shape[2]!]),
    reacherLossSpec(objective),
    // Features [s − g (4), a (2), d (1)]; each goal's loss is the mean over its H steps.
    { rowWeight: 1 / H, columns: [REACHER_JOINT_STATE, 2] },
  );
  return gradientThroughActions(
    theta,
    (th) => reacherPolicyActions(th, visited, goals),
    u.reshape([G, H, 2]),
  );
}

/** Real reacher rollouts: the lockstep record plus each goal's final fingertip distance (m). */
export interface ReacherRollouts extends LockstepRollouts {
  finalDistance: Float64Array;
}

/** One reacher episode start per goal: the env's seeded reset with the goal fixed. */
export interface ReacherEpisode {
  target: [number, number];
  seed: number;
}

/** `count` episodes from `rng`: a fingertip target (Reacher's distribution) and a reset seed each. */
export function sampleReacherEpisodes(rng: RNG, count: number): ReacherEpisode[] {
  return Array.from({ length: count }, () => ({
    target: sampleFingertipGoal(rng),
    seed: rng.integers(2 ** 31),
  }));
}

/** The fingertip distance to the target at every step of rollout g: [H+1]. */
export function fingertipDistances(
  r: LockstepRollouts,
  g: number,
  target: readonly [number, number],
): Float64Array {
  const S = r.stateSize;
  return Float64Array.from({ length: r.horizon + 1 }, (_, t) => {
    const i = (g * (r.horizon + 1) + t) * S;
    const [fx, fy] = reacherFingertip(r.states[i]!, r.states[i + 1]!, REACHER_DEFAULTS);
    return Math.hypot(fx - target[0], fy - target[1]);
  });
}

/**
 * Real rollouts of a batched policy θ ([G, …]) for the episodes' goals, one Rapier env per goal
 * in lockstep (the policy runs once per step for all goals, in plain JavaScript: `policyActor`). `envs` grows as needed and is kept
 * for the next call; the caller closes them.
 */
export function rolloutPolicy(
  envs: ReacherEnv[],
  theta: Params,
  episodes: readonly ReacherEpisode[],
  goals: tf.Tensor,
  horizon: number,
): ReacherRollouts {
  const G = episodes.length;
  while (envs.length < G) envs.push(new ReacherEnv());
  const r = rolloutLockstep({
    envs: envs.slice(0, G),
    resets: episodes.map((e) => ({ seed: e.seed, options: { goal: e.target } })),
    horizon,
    stateSize: REACHER_JOINT_STATE,
    actionSize: 2,
    stateOf: (env) => env.getState(),
    act: rolloutLossInJs()
      ? policyActor(theta, REACHER_POLICY, goals.dataSync())
      : // The tensor path (`ML3_ROLLOUT=tfjs`, the benchmark's "before"): tfjs ops per step.
        (now) =>
          tf.tidy(
            () =>
              reacherPolicyActions(
                theta,
                tf.tensor2d(now, [G, REACHER_JOINT_STATE]),
                goals,
              ).dataSync() as Float32Array,
          ),
  });
  const finalDistance = Float64Array.from(
    episodes,
    (e, g) => fingertipDistances(r, g, e.target)[horizon]!,
  );
  return { ...r, finalDistance };
}

/** The joint-space goals of episodes as a [G, 4] tensor. */
export function jointGoalsTensor(episodes: readonly ReacherEpisode[]): tf.Tensor2D {
  return tf.tensor2d(
    episodes.map((e) => jointGoal(e.target)),
    [episodes.length, 4],
  );
}

/**
 * What the task loss rolls policies out through: the learned dynamics ensemble (the paper's MBRL
 * setting; `perMember` rolls each member out on its own) or the arm's differentiable twin (the
 * exact equations the Rapier env emulates: no model error, to tell the learned loss's limits
 * from the model's).
 */
export type ReacherDynamics =
  | { kind: 'ensemble'; model: DynamicsEnsemble; perMember: boolean }
  | { kind: 'twin'; twin: SimulatorTwin };

/**
 * The task loss of θ's rollouts through the dynamics from the given start states [G, 4], summed
 * over the G goals (the policy sees detached states, as in the authors' code): a scalar. With an
 * ensemble rolled out per member, each goal's loss is the members' mean. One op on θ whose
 * gradient is computed in plain JavaScript (`rolloutLoss`): differentiate it once, not twice.
 */
export function reacherModelTaskLoss(
  dynamics: ReacherDynamics,
  theta: Params,
  start: tf.Tensor,
  goals: tf.Tensor,
  horizon: number,
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
): tf.Scalar {
  if (!rolloutLossInJs())
    return modelTaskLossTensors(dynamics, theta, start, goals, horizon, objective);
  const model =
    dynamics.kind === 'twin'
      ? twinDynamics(dynamics.twin)
      : dynamics.model.cpuDynamics(dynamics.perMember);
  const copies = model.copies;
  const G = goals.shape[0]!;
  return rolloutLoss(theta, {
    policy: REACHER_POLICY,
    dynamics: model,
    start: start.dataSync(),
    goals: goals.dataSync(),
    horizon,
    detachPolicyInput: true,
    loss: (states) => {
      const perCopy =
        copies === 1
          ? goals
          : goals
              .expandDims(1)
              .tile([1, copies, 1])
              .reshape([G * copies, REACHER_JOINT_STATE]);
      return reacherTaskLoss(states, perCopy, objective).sum().div(copies) as tf.Scalar;
    },
  });
}

/**
 * {@link reacherModelTaskLoss} as tensor rollouts (`ML3_ROLLOUT=tfjs`): the same value and
 * gradient, a few dozen tfjs ops per step.
 */
function modelTaskLossTensors(
  dynamics: ReacherDynamics,
  theta: Params,
  start: tf.Tensor,
  goals: tf.Tensor,
  horizon: number,
  objective: ReacherObjective,
): tf.Scalar {
  if (dynamics.kind === 'twin') {
    const states = [start];
    let s = start;
    for (let t = 0; t < horizon; t++) {
      s = dynamics.twin.step(s, reacherPolicyActions(theta, detach(s), goals));
      states.push(s);
    }
    return reacherTaskLoss(tf.stack(states, 1), goals, objective).sum() as tf.Scalar;
  }
  const { model, perMember } = dynamics;
  const rollout = rolloutThroughModel({
    model,
    start,
    horizon,
    perMember,
    act: (s) => reacherPolicyActions(theta, detach(s), goals),
  });
  if (!perMember) return reacherTaskLoss(rollout.states, goals, objective).sum() as tf.Scalar;
  const [G, M, T] = rollout.states.shape as [number, number, number, number];
  const perRollout = reacherTaskLoss(
    rollout.states.reshape([G * M, T, REACHER_JOINT_STATE]),
    goals
      .expandDims(1)
      .tile([1, M, 1])
      .reshape([G * M, REACHER_JOINT_STATE]),
    objective,
  );
  return perRollout.sum().div(M) as tf.Scalar;
}

/** The start states [G, 4] of rollouts recorded as [G, H+1, 4] values. */
export function reacherStartStates(states: Float32Array, G: number, horizon: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf
      .tensor3d(states, [G, horizon + 1, REACHER_JOINT_STATE])
      .slice([0, 0, 0], [G, 1, REACHER_JOINT_STATE])
      .reshape([G, REACHER_JOINT_STATE]),
  );
}
