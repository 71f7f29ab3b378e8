/**
 * Gradient-control ops that are safe inside ML3's differentiated inner loop. tfjs has no
 * `stopGradient`, and `clipByValue` throws when its gradient is differentiated again.
 */
import * as tf from '@tensorflow/tfjs-core';

const detachOp = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * The same values with no gradient flowing back (PyTorch's `.detach()`): the input is a constant
 * for every derivative taken through the result.
 */
export function detach(x: tf.Tensor): tf.Tensor {
  return detachOp(x);
}

/**
 * `x` clamped to [lo, hi] with the gradient `dy · 1[lo ≤ x ≤ hi]` at every order (the mask is
 * built from `tf.step`, whose own gradient is zero, so the gradient can be differentiated again).
 */
export function clamp(x: tf.Tensor, lo: number, hi: number): tf.Tensor {
  const op = (input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: tf.clipByValue(input, lo, hi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const v = saved[0]!;
        // step(z) is 1 for z > 0: inside the box ⇔ (v − lo ≥ 0) and (hi − v ≥ 0).
        const inside = tf.step(v.sub(lo).add(1e-12)).mul(tf.step(tf.scalar(hi).sub(v).add(1e-12)));
        return dy.mul(inside);
      },
    };
  };
  return (
    tf.customGrad(op as unknown as Parameters<typeof tf.customGrad>[0]) as (
      t: tf.Tensor,
    ) => tf.Tensor
  )(x);
}
