/**
 * Deterministic feedback policies a = clamp(f_θ(input / scale)): an MLP over a normalised input
 * (state, or state and goal), its actions clamped to the action bounds. θ is explicit (and may be
 * batched, one policy per goal), so the same function serves ordinary training, ML3's inner
 * loop and rollouts through a learned model.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type MlpSpec, mlp, type Params } from './nn/mlp.js';
import { clamp } from './nn/ops.js';

/** Architecture of a feedback policy. */
export interface FeedbackPolicySpec {
  /** The network (its first size is the input width). */
  net: MlpSpec;
  /** Each input is divided by its scale (the authors' `norm_in`). */
  inputScale: number[];
  /** Actions are clamped to [actionLow, actionHigh] (gradient-safe at every order). */
  actionLow: number;
  actionHigh: number;
}

/**
 * Actions for `inputs`: [N, in] → [N, actions] with one θ; with θ batched over B policies,
 * [B, N, in] → [B, N, actions], or [B, in] → [B, actions] (one input row per policy, as in a
 * lockstep rollout of one policy per goal).
 * @example const a = policyActions(theta, tf.concat([s, g], -1), REACHER_POLICY)
 */
export function policyActions(
  theta: readonly tf.Tensor[],
  inputs: tf.Tensor,
  spec: FeedbackPolicySpec,
): tf.Tensor {
  const perRow = theta[0]!.rank === 3 && inputs.rank === 2;
  const x = (perRow ? inputs.expandDims(1) : inputs).div(spec.inputScale);
  const a = clamp(mlp(theta as Params, x, spec.net), spec.actionLow, spec.actionHigh);
  return perRow ? a.squeeze([1]) : a;
}
