/**
 * `matmul`, the package's one matrix product: the same values as `tf.matMul`, and first- and
 * second-order gradients that match central finite differences, for matrices and batches on both
 * sides of the size and batch thresholds (so every path is exercised).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  BATCH_SPLIT_MAX,
  matmul,
  matmulGradientA,
  SMALL_PRODUCT_MACS,
  selectBackend,
} from '../../agents/index.js';

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
  ['small batch, the package kernels (float64 sums)', [3, 5, 4], [3, 4, 6]],
  ['small 2-D, tf.matMul as is', [5, 4], [4, 6]],
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

  for (const [name, sa, sb] of CASES) {
    it(`${name}: matmulGradientA is the autodiff's dY·Bᵀ, bit for bit`, () => {
      tf.tidy(() => {
        const a = rand(sa, 11);
        const b = rand(sb, 12);
        const dy = rand([...sa.slice(0, -1), sb.at(-1)!], 13);
        const auto = tf
          .grad((x: tf.Tensor) => matmul(x, b).mul(dy).sum())(a)
          .dataSync();
        const mine = matmulGradientA(dy, b).dataSync();
        assert.equal(mine.length, auto.length);
        for (let i = 0; i < auto.length; i++) assert.ok(mine[i] === auto[i], `element ${i}`);
      });
    });
  }

  it('small batches on the package kernels agree with float64 products', () => {
    tf.tidy(() => {
      const a = rand([4, 7, 5], 21);
      const b = rand([4, 5, 3], 22);
      const av = a.dataSync();
      const bv = b.dataSync();
      const c = matmul(a, b).dataSync();
      for (let i = 0; i < 4; i++)
        for (let r = 0; r < 7; r++)
          for (let j = 0; j < 3; j++) {
            let exact = 0;
            for (let t = 0; t < 5; t++)
              exact += av[(i * 7 + r) * 5 + t]! * bv[(i * 5 + t) * 3 + j]!;
            assert.equal(c[(i * 7 + r) * 3 + j], Math.fround(exact));
          }
    });
  });

  for (const [n, k] of [
    [256, 128],
    [5, 4],
  ]) {
    it(`does not leak tensors (forward, gradient, gradient of the gradient; [3, ${n}, ${k}])`, () => {
      const a = rand([3, n, k], 1);
      const b = rand([3, k, k], 2);
      const c = rand([3, n, k], 3);
      const v = rand([3, k, k], 4);
      const run = () => tf.tidy(() => tf.grad((x: tf.Tensor) => secondOrder(x, b, c, v))(a));
      run().dispose(); // first call: tfjs may cache constants once
      const before = tf.memory();
      for (let i = 0; i < 3; i++) run().dispose();
      assert.equal(tf.memory().numTensors, before.numTensors);
      assert.equal(tf.memory().numBytes, before.numBytes);
      for (const t of [a, b, c, v]) t.dispose();
    });
  }
});
