/**
 * ML3's inner gradient ∇θ M_φ of a policy's learned loss, written out instead of taken by tfjs's
 * autodiff. The meta-gradient differentiates the inner step θ ← θ − α∇θ M_φ once more; with
 * `tf.grads` inside `tf.valueAndGrads`, that second derivative runs through the autodiff of
 * M_φ's own autodiff: every product of its 400-wide layers gets both operand gradients (one is
 * never used), and each ELU recomputes its exp at every order (8 exps of [rows, 400] per layer
 * and step). Written out, M_φ's backward pass to the action inputs is a chain of ordinary ops —
 * one product per hidden layer, ELU's slope being the exp its value already computed — which the
 * meta-gradient differentiates once, at first order.
 *
 * The values are the autodiff's bit for bit, up to the sign of zeros (a test checks it), so a
 * learned loss trains a policy exactly as before; only the meta-gradient's rounding moves.
 * `ML3_MATMUL=tfjs` (the benchmarks' "before") goes back to the autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  activationWithSlope,
  linear,
  linearInputGradient,
  type Params,
  tfjsBaseline,
} from '../agents/index.js';
import { type LearnedLossSpec, learnedLossMlp } from './learnedLoss.js';

/**
 * Whether `metaGradient` and `adapt` use the written-out gradient a task gives them: yes, unless
 * `ML3_MATMUL=tfjs` asks for the package as it was before issue #14 (tfjs's autodiff).
 */
export function writtenOutInnerGradients(): boolean {
  return !tfjsBaseline();
}

/** Which part of the loss {@link learnedLossInputGradient} differentiates, and how rows weigh. */
export interface InputGradientOptions {
  /**
   * Each row's weight in the loss Σ_rows weight · M_φ(x_row): 1/H for a mean over H steps
   * summed over rollouts.
   */
  rowWeight: number;
  /** The input columns to differentiate with respect to, as [first, count] (e.g. the actions). */
  columns: readonly [number, number];
}

/**
 * ∂/∂x[:, columns] of Σ_rows w · M_φ(x_row) for features x [N, inputs] and unbatched φ: [N, count].
 * Built from tfjs ops whose first derivative is correct (in x and φ), so a meta-gradient can
 * differentiate it once more.
 */
export function learnedLossInputGradient(
  phi: readonly tf.Tensor[],
  features: tf.Tensor,
  spec: LearnedLossSpec,
  options: InputGradientOptions,
): tf.Tensor {
  const net = learnedLossMlp(spec);
  const layers = net.sizes.length - 1;
  const stride = net.bias ? 2 : 1;
  if (phi.length !== layers * stride || phi.some((p, i) => i % stride === 0 && p.rank !== 2)) {
    throw new RangeError(
      `learnedLossInputGradient needs one unbatched learned loss (weights [in, out]) of sizes [${net.sizes.join(', ')}]`,
    );
  }
  const [first, count] = options.columns;
  const scale = spec.inputScale;
  // The forward pass, as learnedLossValues computes it, keeping each layer's slope.
  let h = scale.every((s) => s === 1) ? features : features.div(scale);
  const slopes: tf.Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    let z = linear(h, phi[l * stride]!);
    if (net.bias) z = z.add(phi[l * stride + 1]!);
    const activation = l + 1 < layers ? net.activation : net.outputActivation;
    const { value, slope } = activationWithSlope(activation, z);
    slopes.push(slope);
    h = value;
  }
  // The backward pass: δ_L = w · f′(z_L), then δ_l = (δ_{l+1} · W_{l+1}ᵀ) ⊙ f′(z_l).
  let delta = slopes[layers - 1]!.mul(tf.scalar(options.rowWeight));
  for (let l = layers - 1; l >= 1; l--) {
    delta = linearInputGradient(delta, phi[l * stride]!).mul(slopes[l - 1]!);
  }
  // The first layer's input gradient, then the requested columns.
  const full = linearInputGradient(delta, phi[0]!);
  const dx = full.slice([0, first], [full.shape[0]!, count]);
  const columnScale = scale.slice(first, first + count);
  return columnScale.every((s) => s === 1) ? dx : dx.div(columnScale);
}

/**
 * θ's gradient of Σ actionsOf(θ) ⊙ u: the policy's vector-Jacobian product Jᵀu, with u a constant
 * for this gradient. u stays on any enclosing gradient tape (θ's gradient is differentiated
 * through u too): the policy is evaluated at an alias of θ, from which u is not computed.
 */
export function gradientThroughActions(
  theta: Params,
  actionsOf: (theta: Params) => tf.Tensor,
  u: tf.Tensor,
): tf.Tensor[] {
  const alias = theta.map((t) => t.clone());
  return tf.grads((...th: tf.Tensor[]) => actionsOf(th).mul(u).sum() as tf.Scalar)(alias);
}
