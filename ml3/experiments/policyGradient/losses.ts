/**
 * The losses of model-free ML3 over recorded episodes (see `task.ts` for the design): the learned
 * policy loss M_φ, REINFORCE's surrogate (the outer loss, and a baseline) and PPO's clipped
 * surrogate (a baseline). All are Σ over tasks of the masked mean over each task's live steps, θ
 * batched over the G tasks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianLogProb, mlp, ppoClipLoss } from '../../../agents/index.js';
import { learnedLossValues } from '../../learnedLoss.js';
import { type PgRollouts, type PgTask, pgLossSpec, pgPolicySpec, policyParts } from './task.js';

/** Rollout arrays as tensors shaped [G, K·H, …] (built inside the caller's tidy). */
export function rolloutTensors(task: PgTask, r: PgRollouts) {
  const G = r.tasks;
  const N = r.episodesPerTask * task.horizon;
  const mask = tf.tensor3d(r.mask, [G, N, 1]);
  return {
    obs: tf.tensor3d(r.obs, [G, N, task.obsSize]),
    actions: tf.tensor3d(r.actions, [G, N, task.actSize]),
    mask,
    count: mask.sum(1).maximum(1), // live steps per task, [G, 1]
    advantages: (shaped: boolean) =>
      tf.tensor3d(shaped && r.shapedAdvantages ? r.shapedAdvantages : r.advantages, [G, N, 1]),
  };
}

/** The tensors of {@link rolloutTensors}. */
export type PgRolloutTensors = ReturnType<typeof rolloutTensors>;

/**
 * The policies' mean actions μ_θ(s) and log π_θ(a|s) on a rollout's steps ([G, N, A], [G, N, 1]),
 * and the log σ they used (see {@link policyParts}).
 */
export function policyLogProb(
  task: PgTask,
  theta: readonly tf.Tensor[],
  x: PgRolloutTensors,
): { mu: tf.Tensor; logp: tf.Tensor; logStd: tf.Tensor | number } {
  const { net, logStd } = policyParts(task, theta);
  const mu = mlp(net, x.obs, pgPolicySpec(task));
  // With a fixed σ (a task constant) log π depends on θ only through μ_θ.
  return { mu, logp: gaussianLogProb(x.actions, mu, logStd).expandDims(-1), logStd };
}

/** Σ over tasks of the masked mean over steps of `perStep` [G, N, 1]. */
function maskedMeanSum(perStep: tf.Tensor, mask: tf.Tensor, count: tf.Tensor): tf.Scalar {
  return perStep.mul(mask).sum(1).div(count).sum() as tf.Scalar;
}

/** The fixed part of a learned policy loss: `reinforce` (M = −Â log π + N_φ) or `none` (M = N_φ). */
export type PgLossBase = 'none' | 'reinforce';

/** Σ over tasks of the mean of M_φ over the rollouts of π_θ (θ batched over the G tasks). */
export function learnedPolicyLoss(
  task: PgTask,
  theta: readonly tf.Tensor[],
  phi: readonly tf.Tensor[],
  r: PgRollouts,
  base: PgLossBase,
): tf.Scalar {
  const x = rolloutTensors(task, r);
  const G = r.tasks;
  const N = r.episodesPerTask * task.horizon;
  const { mu, logp, logStd } = policyLogProb(task, theta, x);
  const H = task.horizon;
  const time = tf
    .tensor1d(Float32Array.from({ length: N }, (_, i) => (i % H) / H))
    .reshape([1, N, 1])
    .tile([G, 1, 1]);
  const features = tf.concat(
    [
      x.obs,
      x.actions,
      tf.tensor3d(r.rewards, [G, N, 1]).div(task.rewardScale),
      x.advantages(false),
      time,
      mu,
      logp.div(10), // log-densities span tens of nats; keep the feature O(1)
      ...(typeof logStd === 'number' ? [] : [logStd.tile([1, N, 1])]),
    ],
    -1,
  );
  let perStep = learnedLossValues(phi, features, pgLossSpec(task));
  if (base === 'reinforce') perStep = perStep.sub(logp.mul(x.advantages(false)));
  return maskedMeanSum(perStep, x.mask, x.count);
}

/** REINFORCE's surrogate −Â log π_θ (Σ over tasks of the masked mean), Â true or shaped. */
export function reinforceLoss(
  task: PgTask,
  theta: readonly tf.Tensor[],
  r: PgRollouts,
  shaped = false,
): tf.Scalar {
  const x = rolloutTensors(task, r);
  const { logp } = policyLogProb(task, theta, x);
  return maskedMeanSum(logp.mul(x.advantages(shaped)).neg(), x.mask, x.count);
}

/**
 * PPO's clipped surrogate on the same advantages (one full-batch step per epoch), Σ over tasks as
 * the other losses; `oldLogp` [G, N, 1] is log π of the policy that collected `r`.
 */
export function ppoPolicyLoss(
  task: PgTask,
  theta: readonly tf.Tensor[],
  r: PgRollouts,
  oldLogp: tf.Tensor,
  clipCoef: number,
): tf.Scalar {
  const x = rolloutTensors(task, r);
  const { logp } = policyLogProb(task, theta, x);
  const { pgLoss } = ppoClipLoss(
    logp.reshape([-1]),
    oldLogp.reshape([-1]),
    x.advantages(false).reshape([-1]),
    clipCoef,
  );
  return pgLoss.mul(r.tasks) as tf.Scalar;
}
