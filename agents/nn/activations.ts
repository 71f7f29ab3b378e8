/**
 * Activations whose gradients are correct at every order. tfjs's built-in `tanh`, `sigmoid`,
 * `exp`-based ops reuse their saved output in the gradient, so the dependence of that output on
 * the input is lost when the gradient itself is differentiated (silently wrong, or "cannot compute
 * gradient"); `elu` throws at second order. ML3's meta-gradient differentiates through the inner
 * gradient step, so these versions recompute their derivative from the saved *input* with ops
 * that are themselves differentiable (recursively, for tanh and sigmoid). Finite-difference tests
 * check first and second order.
 */
import * as tf from '@tensorflow/tfjs-core';

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
 * ELU (α = 1): x for x > 0, eᕽ − 1 otherwise, written with differentiable pieces:
 * relu(x) + exp(−relu(−x)) − 1 equals ELU everywhere and its derivatives are correct.
 */
export function elu(x: tf.Tensor): tf.Tensor {
  return tf
    .relu(x)
    .add(exp(tf.relu(x.neg()).neg()))
    .sub(tf.scalar(1));
}

/** softplus: tfjs's own gradient is correct at second order (checked in the tests). */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x);
}

/** ReLU (tfjs's gradient is correct at second order: its second derivative is 0). */
export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
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
