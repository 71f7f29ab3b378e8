/**
 * The mountain-car exploration task of ML3 (paper IV.B) on `rapier/MountainCarContinuous-v0`: a
 * linear policy, a learned loss M_φ(s_t, a_t, d) over real rollouts, and a task loss through the
 * differentiable twin of the car, optionally shaped by an intermediate goal on the far side of
 * the valley (extra information available only at meta-train time).
 *
 * Distances are taken in the normalised state ŝ = (x, ẋ / VELOCITY_SCALE), so position and
 * velocity weigh alike (the car's speeds are a few m/s, its positions within [−1.2, 0.6] m).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  detach,
  type FeedbackPolicySpec,
  type LockstepRollouts,
  type Params,
  policyActions,
  policyActor,
  rolloutLockstep,
  rolloutLoss,
  rolloutLossInJs,
  type SimulatorTwin,
  twinDynamics,
} from '../../../agents/index.js';
import type { RapierMountainCarContinuousEnv } from '../../../envs/index.js';
import { type LearnedLossSpec, learnedLossValues } from '../../learnedLoss.js';
import { gradientThroughActions, learnedLossInputGradient } from '../../learnedLossGradient.js';

/** Velocities are divided by this in the policy input and in distances (m/s). */
export const VELOCITY_SCALE = 5;

/** The authors' car policy: (x, ẋ) → 200 → 1, linear, no biases; the throttle clamped to ±1. */
export const CAR_POLICY: FeedbackPolicySpec = {
  net: { sizes: [2, 200, 1], activation: 'identity', outputActivation: 'identity', bias: false },
  inputScale: [1, 1],
  actionLow: -1,
  actionHigh: 1,
};

/** The authors' car learned loss: (x, ẋ, a, d) → 400 → 400 → 1, ELU, linear output. */
export const CAR_LOSS: LearnedLossSpec = {
  inputs: ['x', 'v', 'a', 'finalDistance'],
  inputScale: [1, VELOCITY_SCALE, 1, 1],
  hidden: [400, 400],
  activation: 'elu',
  outputActivation: 'identity',
  bias: true,
};

/** Goals of the task in (x, ẋ) (m, m/s). */
export interface CarGoals {
  /** The goal: the top of the right hill, at rest. */
  goal: [number, number];
  /** The intermediate goal of the shaped loss: the far (left) side of the valley, at rest. */
  extraGoal: [number, number];
  /** Steps of the horizon in which the intermediate goal is to be visited (the rest: the goal). */
  extraSteps: number;
}

/** Temperature of the soft minimum over the early steps' distances to the intermediate goal (m). */
export const EXTRA_GOAL_SOFTMIN = 0.02;

/** Throttles [G, 1] for states [G, 2] (or [G, N, 1] for [G, N, 2]) under batched θ. */
export function carPolicyActions(theta: Params, states: tf.Tensor): tf.Tensor {
  return policyActions(theta, states, CAR_POLICY);
}

/** ‖ŝ − g‖ for states [G, T, 2] and a goal (x, ẋ): [G, T]. */
function normalisedDistance(states: tf.Tensor, goal: readonly [number, number]): tf.Tensor {
  const g = tf.tensor([goal[0], goal[1] / VELOCITY_SCALE]);
  return states
    .div(tf.tensor([1, VELOCITY_SCALE]))
    .sub(g)
    .square()
    .sum(-1)
    .add(1e-12)
    .sqrt();
}

/**
 * The task loss per rollout, states [G, H+1, 2] → [G]. Unshaped: mean_t ‖ŝ_t − ĝ‖. Shaped (extra
 * information): the car should *visit* the intermediate goal within the first k = `extraSteps`
 * steps — the soft minimum over t ≤ k of |x_t − x_extra| — and then be at the goal:
 * + mean_{t>k} ‖ŝ_t − ĝ‖.
 *
 * Why not the authors' mean over the early steps of ‖s_t − g_extra‖: on this car that loss is not
 * monotone in the swing gain (a policy a = k_v·ẋ with k_v = 0.4 scores worse than k_v = 0, and
 * k_v ≥ 0.6 reaches the goal), so gradient-based meta-training from a resting policy never
 * crosses the barrier; the visit (soft minimum) decreases monotonically with k_v (measured on
 * the twin over 4 starts; see the README).
 */
export function carTaskLoss(states: tf.Tensor, goals: CarGoals, shaped: boolean): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const s = states.slice([0, 1, 0], [G, T - 1, 2]); // s_1 … s_H
  if (!shaped) return normalisedDistance(s, goals.goal).mean(1);
  const k = Math.min(Math.max(goals.extraSteps, 1), T - 2);
  const early = s.slice([0, 0, 0], [G, k, 1]).sub(goals.extraGoal[0]).abs().squeeze([2]);
  // softmin_t d_t = −τ · log Σ_t exp(−d_t / τ)
  const visit = tf.logSumExp(early.div(-EXTRA_GOAL_SOFTMIN), 1).mul(-EXTRA_GOAL_SOFTMIN);
  const late = normalisedDistance(s.slice([0, k, 0], [G, T - 1 - k, 2]), goals.goal).mean(1);
  return visit.add(late);
}

/** Differentiable rollouts of θ through the twin from starts [G, 2]: states [G, H+1, 2]. */
export function carTwinRollout(
  twin: SimulatorTwin,
  theta: Params,
  start: tf.Tensor,
  horizon: number,
): tf.Tensor {
  const states = [start];
  let s = start;
  for (let t = 0; t < horizon; t++) {
    s = twin.step(s, carPolicyActions(theta, s));
    states.push(s);
  }
  return tf.stack(states, 1);
}

/**
 * The task loss of θ's rollouts through the twin from starts [G, 2], summed over the G starts: a
 * scalar op on θ whose gradient is computed in plain JavaScript (`rolloutLoss`; the same value and
 * gradient as `carTaskLoss` of {@link carTwinRollout}, which `ML3_ROLLOUT=tfjs` runs instead,
 * without a tfjs op per step). Differentiate it once, not twice.
 */
export function carModelTaskLoss(
  twin: SimulatorTwin,
  theta: Params,
  start: tf.Tensor,
  horizon: number,
  goals: CarGoals,
  shaped: boolean,
): tf.Scalar {
  if (!rolloutLossInJs())
    return carTaskLoss(
      carTwinRollout(twin, theta, start, horizon),
      goals,
      shaped,
    ).sum() as tf.Scalar;
  return rolloutLoss(theta, {
    policy: CAR_POLICY,
    dynamics: twinDynamics(twin),
    start: start.dataSync(),
    horizon,
    detachPolicyInput: false,
    loss: (states) => carTaskLoss(states, goals, shaped).sum() as tf.Scalar,
  });
}

/**
 * M_φ per rollout (mean over steps): [G]. Features [x_t, ẋ_t, a_t, d] with d = ‖ŝ_H − ĝ‖; states
 * and d are detached (they come from the real env), so M_φ reaches θ through the actions
 * a_t = π_θ(s_t), recomputed here on the recorded states.
 */
export function carLearnedLoss(
  phi: readonly tf.Tensor[],
  theta: Params,
  states: tf.Tensor,
  goals: CarGoals,
): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const H = T - 1;
  const a = carPolicyActions(theta, detach(states.slice([0, 0, 0], [G, H, 2])));
  return learnedLossValues(phi, carLossFeatures(states, a, goals), CAR_LOSS)
    .reshape([G, H])
    .mean(1);
}

/** M_φ's features [x_t, ẋ_t, a_t, d] ([G·H, 4]) of states [G, H+1, 2] and actions [G, H, 1]. */
function carLossFeatures(states: tf.Tensor, actions: tf.Tensor, goals: CarGoals): tf.Tensor {
  const [G, T] = states.shape as [number, number, number];
  const H = T - 1;
  const s = detach(states.slice([0, 0, 0], [G, H, 2]));
  const d = detach(normalisedDistance(states.slice([0, H, 0], [G, 1, 2]), goals.goal))
    .expandDims(2)
    .tile([1, H, 1]);
  return tf.concat([s, actions, d], -1).reshape([G * H, 4]);
}

/**
 * θ's gradient of Σ_g {@link carLearnedLoss}, written out (`learnedLossInputGradient`): the same
 * values as tfjs's autodiff of it, cheaper to differentiate again (ML3's meta-gradient).
 */
export function carLearnedLossGradient(
  phi: readonly tf.Tensor[],
  theta: Params,
  states: tf.Tensor,
  goals: CarGoals,
): tf.Tensor[] {
  const [G, T] = states.shape as [number, number, number];
  const H = T - 1;
  const s = states.slice([0, 0, 0], [G, H, 2]);
  const u = learnedLossInputGradient(
    phi,
    carLossFeatures(states, carPolicyActions(theta, s), goals),
    CAR_LOSS,
    // Features [x, ẋ, a, d]; each start's loss is the mean over its H steps.
    { rowWeight: 1 / H, columns: [2, 1] },
  );
  return gradientThroughActions(theta, (th) => carPolicyActions(th, s), u.reshape([G, H, 1]));
}

/** Real rollouts of batched θ from the given start positions (velocity 0), one env per start. */
export function carRolloutPolicy(
  envs: readonly RapierMountainCarContinuousEnv[],
  theta: Params,
  starts: readonly number[],
  horizon: number,
): LockstepRollouts {
  const G = starts.length;
  return rolloutLockstep({
    envs: envs.slice(0, G),
    resets: starts.map((x) => ({ options: { low: x, high: x } })),
    horizon,
    stateSize: 2,
    actionSize: 1,
    stateOf: (env) => env.getState(),
    act: rolloutLossInJs()
      ? policyActor(theta, CAR_POLICY)
      : // The tensor path (`ML3_ROLLOUT=tfjs`, the benchmark's "before"): tfjs ops per step.
        (now) =>
          tf.tidy(
            () => carPolicyActions(theta, tf.tensor2d(now, [G, 2])).dataSync() as Float32Array,
          ),
  });
}
