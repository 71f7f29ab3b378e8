/**
 * Learned losses M_φ: an MLP over per-sample features (its input layout and normalisation are
 * part of its definition) with a scalar output per sample; the loss a model descends is the
 * mean. Parameters φ may be batched (a leading dimension of independent learned losses).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type ActivationName, initMlp, type MlpSpec, mlp, type Params } from '../agents/index.js';
import type { RNG } from '../envs/index.js';

/** Architecture, input layout and normalisation of a learned loss. */
export interface LearnedLossSpec {
  /** Names of the input features, in the order they are concatenated (e.g. ["yPred", "y"]). */
  inputs: string[];
  /** Each input is divided by its scale before the network (the authors' `norm_in`). */
  inputScale: number[];
  /** Hidden layer sizes. */
  hidden: number[];
  /** Hidden activation. */
  activation: ActivationName;
  /** Output activation (softplus keeps the loss positive). */
  outputActivation: ActivationName;
  /** Whether layers have biases. */
  bias: boolean;
}

/** The MLP of a learned loss. */
export function learnedLossMlp(spec: LearnedLossSpec): MlpSpec {
  return {
    sizes: [spec.inputs.length, ...spec.hidden, 1],
    activation: spec.activation,
    outputActivation: spec.outputActivation,
    bias: spec.bias,
  };
}

/** Xavier-initialised parameters (biases `biasInit`), optionally batched. */
export function initLearnedLoss(
  spec: LearnedLossSpec,
  rng: RNG,
  options: { batch?: number; biasInit?: number } = {},
): Params {
  return initMlp(learnedLossMlp(spec), rng, { scheme: 'xavier', ...options });
}

/**
 * Per-sample learned loss values for `features` ([…, N, inputs]); the caller averages them.
 * @example const m = learnedLossValues(phi, tf.concat([yPred, y], -1), spec).mean()
 */
export function learnedLossValues(
  phi: readonly tf.Tensor[],
  features: tf.Tensor,
  spec: LearnedLossSpec,
): tf.Tensor {
  const scaled = spec.inputScale.every((s) => s === 1) ? features : features.div(spec.inputScale);
  return mlp(phi, scaled, learnedLossMlp(spec));
}
