/**
 * Deterministic feedback policies a = clamp(f_θ(input / scale)): an MLP over a normalised input
 * (state, or state and goal), its actions clamped to the action bounds. θ is explicit (and may be
 * batched, one policy per goal), so the same function serves ordinary training, ML3's inner
 * loop and rollouts through a learned model.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgument } from '../envs/index.js';
import { cpuMlpForward, mlpTape, readBatchedMlps } from './nn/cpuMlp.js';
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

/**
 * B batched policies ([B, …] θ, one per row) as a plain-JavaScript actor for lockstep rollouts in
 * a simulator: `act(states)` maps states [B × S] (row b for policy b) to actions [B × A], each
 * policy reading its state and then its own goal ([B × goal width], if any), scaled and clamped as
 * {@link policyActions}. A rollout step costs one small forward pass per policy instead of a
 * handful of tfjs ops and a `dataSync`: the weights are read once, when the actor is made.
 */
export function policyActor(
  theta: readonly tf.Tensor[],
  spec: FeedbackPolicySpec,
  goals?: ArrayLike<number>,
): (states: ArrayLike<number>) => Float32Array {
  const nets = readBatchedMlps(theta, spec.net);
  const B = nets.length;
  const In = spec.net.sizes[0]!;
  const A = spec.net.sizes.at(-1)!;
  const S = In - (goals ? goals.length / B : 0);
  const tape = mlpTape(spec.net, 1);
  const input = new Float64Array(In);
  return (states) => {
    if (states.length !== B * S)
      throw new InvalidArgument(`expected ${B} × ${S} states, got ${states.length} values`);
    const actions = new Float32Array(B * A);
    for (let b = 0; b < B; b++) {
      writePolicyInput(spec, S, states, b * S, goals, b, input, 0);
      const out = cpuMlpForward(nets[b]!, input, 1, tape);
      for (let k = 0; k < A; k++) actions[b * A + k] = clampAction(spec, out[k]!);
    }
    return actions;
  };
}

/**
 * One row of a feedback policy's input in plain JavaScript: the `stateSize` state entries at
 * `states[stateAt …]`, then row g of `goals` (the rest of the input width), each divided by its
 * scale, written to `out[outAt …]`.
 */
export function writePolicyInput(
  spec: FeedbackPolicySpec,
  stateSize: number,
  states: ArrayLike<number>,
  stateAt: number,
  goals: ArrayLike<number> | undefined,
  g: number,
  out: Float64Array,
  outAt: number,
): void {
  const In = spec.net.sizes[0]!;
  const S = stateSize;
  const scale = spec.inputScale;
  for (let i = 0; i < S; i++) out[outAt + i] = states[stateAt + i]! / scale[i]!;
  for (let i = S; i < In; i++) out[outAt + i] = goals![g * (In - S) + i - S]! / scale[i]!;
}

/** An action clamped to the policy's bounds ({@link policyActions}' clamp, in plain JavaScript). */
export function clampAction(spec: FeedbackPolicySpec, a: number): number {
  return Math.min(spec.actionHigh, Math.max(spec.actionLow, a));
}
