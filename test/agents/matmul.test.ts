/**
 * `matmul`, the package's one matrix product: the same values as `tf.matMul`, and first- and
 * second-order gradients that match central finite differences, for matrices and batches on both
 * sides of the size and batch thresholds (so every path is exercised).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_SPLIT_MAX, matmul, SMALL_PRODUCT_MACS, selectBackend } from '../../agents/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** Shapes [a, b] covering: 2-D big, batched big (split), batched above the split limit, small. */
const CASES: [string, number[], number[]][] = [
  ['2-D, fast path', [80, 64], [64, 64]],
  ['batch 3, split into 2-D products', [3, 80, 64], [3, 64, 64]],
  [
    `batch ${BATCH_SPLIT_MAX + 2}, batched kernel`,
    [BATCH_SPLIT_MAX + 2, 80, 64],
    [BATCH_SPLIT_MAX + 2, 64, 64],
  ],
  ['small, tf.matMul as is', [3, 5, 4], [3, 4, 6]],
];

const rand = (shape: number[], seed: number) => tf.randomUniform(shape, -0.3, 0.3, 'float32', seed);

/** Σ C ⊙ softplus(A·B): smooth, so second derivatives exist everywhere. */
function objective(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar {
  return tf.softplus(matmul(a, b)).mul(c).sum() as tf.Scalar;
}

/** d/dA of Σ V ⊙ ∇_B objective: differentiating a gradient (what ML3's meta-gradient does). */
function secondOrder(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, v: tf.Tensor): tf.Scalar {
  const gb = tf.grad((bb: tf.Tensor) => objective(a, bb, c))(b);
  return gb.mul(v).sum() as tf.Scalar;
}

/** Central difference of f along direction d at x, against ⟨∇f(x), d⟩. */
function directional(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, d: tf.Tensor, eps = 1e-2) {
  const fd =
    (f(x.add(d.mul(eps))).dataSync()[0]! - f(x.sub(d.mul(eps))).dataSync()[0]!) / (2 * eps);
  const analytic = tf.grad(f)(x).mul(d).sum().dataSync()[0]!;
  return { fd, analytic };
}

describe('matmul', () => {
  it('the thresholds put the cases on the paths they name', () => {
    assert.ok(256 * 128 * 128 >= SMALL_PRODUCT_MACS);
    assert.ok(5 * 4 * 6 < SMALL_PRODUCT_MACS);
  });

  for (const [name, sa, sb] of CASES) {
    it(`${name}: values equal tf.matMul's`, () => {
      tf.tidy(() => {
        const a = rand(sa, 1);
        const b = rand(sb, 2);
        const mine = matmul(a, b).dataSync();
        const ref = tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D).dataSync();
        for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(mine[i]! - ref[i]!) < 1e-5);
      });
    });

    it(`${name}: first- and second-order gradients match finite differences`, () => {
      tf.tidy(() => {
        const a = rand(sa, 3);
        const b = rand(sb, 4);
        const outShape = [...sa.slice(0, -1), sb.at(-1)!];
        const c = rand(outShape, 5);
        const v = rand(sb, 6);
        for (const [what, f, x, d] of [
          ['∂/∂A', (x: tf.Tensor) => objective(x, b, c), a, rand(sa, 7)],
          ['∂/∂B', (x: tf.Tensor) => objective(a, x, c), b, rand(sb, 8)],
          ['∂/∂A of a gradient in B', (x: tf.Tensor) => secondOrder(x, b, c, v), a, rand(sa, 9)],
        ] as const) {
          const { fd, analytic } = directional(f, x, d);
          const tol = 2e-2 * Math.max(1, Math.abs(fd));
          assert.ok(Math.abs(fd - analytic) < tol, `${what}: analytic ${analytic} vs FD ${fd}`);
        }
      });
    });
  }

  it('does not leak tensors (forward, gradient, gradient of the gradient)', () => {
    const a = rand([3, 256, 128], 1);
    const b = rand([3, 128, 128], 2);
    const c = rand([3, 256, 128], 3);
    const v = rand([3, 128, 128], 4);
    const run = () => tf.tidy(() => tf.grad((x: tf.Tensor) => secondOrder(x, b, c, v))(a));
    run().dispose(); // first call: tfjs may cache constants once
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run().dispose();
    assert.equal(tf.memory().numTensors, before);
    for (const t of [a, b, c, v]) t.dispose();
  });
});
