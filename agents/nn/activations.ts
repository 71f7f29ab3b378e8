/**
 * Activations whose gradients are correct at every order. tfjs's built-in `tanh`, `sigmoid`,
 * `exp`-based ops reuse their saved output in the gradient, so the dependence of that output on
 * the input is lost when the gradient itself is differentiated (silently wrong, or "cannot compute
 * gradient"); `elu` throws at second order. ML3's meta-gradient differentiates through the inner
 * gradient step, so these versions recompute their derivative from the saved *input* with ops
 * that are themselves differentiable (recursively, for tanh, sigmoid and ELU). Finite-difference tests
 * check first and second order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tfjsBaseline } from './baseline.js';

/**
 * An elementwise op whose gradient is `dy · derivative(x)`, recomputed from the saved input with
 * differentiable ops (so the gradient can be differentiated again).
 */
function recomputing(
  value: (x: tf.Tensor) => tf.Tensor,
  derivative: (x: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: value(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => dy.mul(derivative(saved[0]!)),
    };
  };
  return tf.customGrad(op as unknown as Parameters<typeof tf.customGrad>[0]) as (
    x: tf.Tensor,
  ) => tf.Tensor;
}

/** tanh; d tanh = 1 − tanh² (recursively differentiable). */
export const tanh: (x: tf.Tensor) => tf.Tensor = recomputing(tf.tanh, (x) =>
  tf.scalar(1).sub(tanh(x).square()),
);

/** Logistic sigmoid; d σ = σ·(1 − σ). */
export const sigmoid: (x: tf.Tensor) => tf.Tensor = recomputing(tf.sigmoid, (x) => {
  const s = sigmoid(x);
  return s.mul(tf.scalar(1).sub(s));
});

/** exp; d exp = exp. */
export const exp: (x: tf.Tensor) => tf.Tensor = recomputing(tf.exp, (x) => exp(x));

/**
 * ELU (α = 1): x for x > 0, eˣ − 1 otherwise, on tfjs's own kernel (on WASM, XNNPACK's: ~8× faster
 * than tfjs's exp there, measured on [600, 400]); its slope e^min(x, 0) is recomputed from
 * elu(x) (y + 1 for x < 0), itself differentiable (recursively), so every order is correct.
 * Under `ML3_MATMUL=tfjs` ({@link tfjsBaseline}), the package's ELU before: relu(x) +
 * exp(−relu(−x)) − 1, the same function by other ops.
 */
export function elu(x: tf.Tensor): tf.Tensor {
  return tfjsBaseline() ? composedElu(x) : kernelElu(x);
}

const kernelElu: (x: tf.Tensor) => tf.Tensor = recomputing(tf.elu, eluSlope);

/** ELU from differentiable pieces (its derivatives are correct at every order). */
function composedElu(x: tf.Tensor): tf.Tensor {
  return tf
    .relu(x)
    .add(exp(tf.relu(x.neg()).neg()))
    .sub(tf.scalar(1));
}

/** ELU's derivative e^min(x, 0) from its value y = elu(x): 1 − relu(−y), i.e. y + 1 for x < 0, else 1. */
function eluSlopeOf(y: tf.Tensor): tf.Tensor {
  // Not min(y + 1, 1): tfjs's WASM minimum (and its gradient's comparison) with a broadcast
  // scalar is ~20× slower than these three ops; the values are the same bits.
  return tf.scalar(1).sub(tf.relu(y.neg()));
}

/** ELU's slope at x, recomputed with differentiable ops. */
function eluSlope(x: tf.Tensor): tf.Tensor {
  return eluSlopeOf(kernelElu(x));
}

/** softplus: tfjs's own gradient is correct at second order (checked in the tests). */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x);
}

/** ReLU (tfjs's gradient is correct at second order: its second derivative is 0). */
export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

/** An activation's value and its slope (derivative) at the same inputs: {@link activationWithSlope}. */
export interface ValueAndSlope {
  value: tf.Tensor;
  slope: tf.Tensor;
}

/**
 * The activation's value and its slope f′(x), both built from tfjs's own ops so that one more
 * derivative through either is correct: what a backward pass written out by hand multiplies by
 * (ML3's inner gradient of a learned loss, differentiated once by the meta-gradient). Value and
 * slope are bit for bit those of {@link ACTIVATIONS} and their gradients; ELU's slope comes from
 * its value (y + 1 for x < 0), so it costs no transcendental of its own.
 */
export function activationWithSlope(name: ActivationName, x: tf.Tensor): ValueAndSlope {
  switch (name) {
    case 'elu': {
      // tfjs's elu has a first-order gradient (EluGrad); the slope is eluSlope's, from the value.
      const y = tf.elu(x);
      return { value: y, slope: eluSlopeOf(y) };
    }
    case 'tanh': {
      const y = tf.tanh(x);
      return { value: y, slope: tf.scalar(1).sub(y.square()) };
    }
    case 'sigmoid': {
      const y = tf.sigmoid(x);
      return { value: y, slope: y.mul(tf.scalar(1).sub(y)) };
    }
    case 'softplus':
      return { value: tf.softplus(x), slope: tf.sigmoid(x) };
    case 'relu':
      return { value: tf.relu(x), slope: tf.step(x) };
    case 'identity':
      return { value: x, slope: tf.onesLike(x) };
  }
}

/** Names of the activations networks can use. */
export const ACTIVATIONS = {
  tanh,
  sigmoid,
  elu,
  softplus,
  relu,
  identity: (x: tf.Tensor) => x,
} as const;

/** One of {@link ACTIVATIONS}' names. */
export type ActivationName = keyof typeof ACTIVATIONS;
