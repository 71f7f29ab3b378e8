/**
 * The shaped-sine task of ML3 (paper IV.B): the optimizee is y = sin(θ·x) (one parameter), the
 * learned loss M_φ(x, ŷ, y) an MLP 3 → 10 → 10 → 10 → 1 (ELU). The task loss with extra
 * information is the distance of θ to the true frequency, (θ − θ*)², a signal the test never
 * sees; without it, the regression error (ŷ − y)².
 *
 * Variants (with and without extra information) run side by side: φ carries a leading variant
 * dimension V, θ and the data [V, T(asks), N(points)].
 */
import * as tf from '@tensorflow/tfjs-core';
import { type LearnedLossSpec, learnedLossValues } from '../../learnedLoss.js';

/** The learned loss of the shaped-sine experiment: M_φ(x, ŷ, y). */
export const SHAPED_SINE_LOSS: LearnedLossSpec = {
  inputs: ['x', 'yPred', 'y'],
  inputScale: [1, 1, 1],
  hidden: [10, 10, 10],
  activation: 'elu',
  outputActivation: 'identity',
  bias: true,
};

/**
 * M_φ(x, sin(θx), y) per sample: x, y [V, T, N], θ [V, T] → [V, T·N, 1] (φ batched over V).
 */
function learnedLossPerSample(
  phi: readonly tf.Tensor[],
  theta: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
): tf.Tensor {
  const [V, T, N] = x.shape as [number, number, number];
  const yPred = tf.sin(theta.expandDims(2).mul(x));
  const features = tf.stack([x, yPred, y], 3).reshape([V, T * N, 3]);
  return learnedLossValues(phi, features, SHAPED_SINE_LOSS);
}

/** M_φ per variant, averaged over its tasks and inputs: [V]. x, y: [V, T, N]; θ: [V, T]. */
export function shapedSineLearnedLoss(
  phi: readonly tf.Tensor[],
  theta: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
): tf.Tensor {
  return learnedLossPerSample(phi, theta, x, y).mean([1, 2]);
}

/** M_φ per variant and θ, averaged over inputs: x, y [V, T, N], θ [V, T] → [V, T]. */
export function shapedSineLearnedLossPerTheta(
  phi: readonly tf.Tensor[],
  theta: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
): tf.Tensor {
  const [V, T, N] = x.shape as [number, number, number];
  return learnedLossPerSample(phi, theta, x, y).reshape([V, T, N]).mean(2);
}

/**
 * The task loss per variant: (θ′ − θ*)² where `extraMask` is 1 (extra information), the
 * regression error (sin(θ′x) − y)² where it is 0; mean over tasks (and inputs): [V].
 */
export function shapedSineTaskLoss(
  theta: tf.Tensor,
  target: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  extraMask: tf.Tensor,
): tf.Tensor {
  const shaped = theta.sub(target).square().mean(1);
  const plain = tf.sin(theta.expandDims(2).mul(x)).sub(y).square().mean([1, 2]);
  return shaped.mul(extraMask).add(plain.mul(tf.scalar(1).sub(extraMask)));
}

/** The test inputs x = −5, −4.9, …, 4.9 (100 points). */
export function shapedSineTestInputs(): number[] {
  return Array.from({ length: 100 }, (_, i) => -5 + 0.1 * i);
}
