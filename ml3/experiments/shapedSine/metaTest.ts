/**
 * Meta-test of the shaped-sine experiment: one SGD step from θ₀ on a learned loss (φ fixed)
 * toward a target frequency (Algorithm 2 with K = 1), and the loss landscape over θ that shows
 * what the extra information shaped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adapt } from '../../metaStep.js';
import {
  shapedSineLearnedLoss,
  shapedSineLearnedLossPerTheta,
  shapedSineTestInputs,
} from './task.js';

/** θ after one SGD step on each variant's learned loss from θ₀, on y = sin(f·x), x = −5, −4.9, …, 4.9: [V]. */
export function oneStepTheta(
  phi: readonly tf.Tensor[],
  settings: { theta0: number; innerLr: number },
  frequency: number,
): number[] {
  const V = phi[0]!.shape[0]!;
  const x = tf.tidy(() => tf.tensor(shapedSineTestInputs(), [1, 1, 100]).tile([V, 1, 1]));
  const y = tf.tidy(() => tf.sin(x.mul(frequency)));
  const theta0 = tf.fill([V, 1], settings.theta0);
  const [theta] = adapt({
    theta0: [theta0],
    steps: 1,
    lr: settings.innerLr,
    loss: ([th]) => shapedSineLearnedLoss(phi, th!, x, y).sum() as tf.Scalar,
  });
  const values = Array.from(theta!.dataSync());
  for (const t of [x, y, theta0, theta!]) t.dispose();
  return values;
}

/** Normalises a curve to [0, 1] (min–max). */
function minMax(xs: number[]): number[] {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((v) => (v - lo) / (hi - lo || 1));
}

/**
 * The loss landscape over θ ∈ [−7, 7) on y = sin(0.5x): each variant's learned loss and ½·MSE,
 * min–max normalised; one row per θ with a column per label.
 */
export function lossLandscape(
  phi: readonly tf.Tensor[],
  labels: readonly string[],
): Record<string, number>[] {
  const thetas = Array.from({ length: 140 }, (_, i) => -7 + 0.1 * i);
  const values = tf.tidy(() => {
    const V = labels.length;
    const T = thetas.length;
    const x = tf.tensor(shapedSineTestInputs(), [1, 1, 100]).tile([V, T, 1]);
    const y = tf.sin(x.mul(0.5));
    const theta = tf.tensor(thetas, [1, T]).tile([V, 1]);
    // Per θ: mean over x of M_φ (the network takes each (x, ŷ, y) sample).
    const learned = shapedSineLearnedLossPerTheta(phi, theta, x, y);
    const yPred = tf.sin(theta.expandDims(2).mul(x));
    const mse = yPred.sub(y).square().mul(0.5).mean(2).slice([0, 0], [1, T]);
    return { learned: learned.arraySync() as number[][], mse: (mse.arraySync() as number[][])[0]! };
  });
  const curves = labels.map((label, v) => [label, minMax(values.learned[v]!)] as const);
  const mse = minMax(values.mse);
  return thetas.map((theta, i) => {
    const row: Record<string, number> = { theta, mse: mse[i]! };
    for (const [label, c] of curves) row[label] = c[i]!;
    return row;
  });
}
