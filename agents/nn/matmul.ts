/**
 * The package's one matrix product. On tfjs's WASM backend only non-transposed, batch-1 products
 * reach the fast XNNPACK kernel (9–14 GMAC/s here); `transposeA`/`transposeB` and batched
 * products fall to a naive loop (~1 GMAC/s), and tfjs's own matMul gradient uses transposed
 * products, so every backward pass of `tf.matMul` is slow. `matmul` keeps every product — forward,
 * gradient and the gradient's gradient (ML3's meta-gradient) — on the fast kernel:
 *
 * - its gradient is written with `tf.customGrad` from the same op on explicitly transposed
 *   operands, dA = dY·Bᵀ and dB = Aᵀ·dY, so the gradient is itself a `matmul` and
 *   differentiating it again stays correct and fast;
 * - a batched product [B, N, K] × [B, K, M] runs as B two-dimensional products while B is small,
 *   and as tfjs's batched kernel when B is large and the matrices tiny (per-op overhead then
 *   dominates; the threshold is measured, see `BATCH_SPLIT_MAX`).
 *
 * On the `tensorflow` / `tensorflow-gpu` backends (libtensorflow) every product is fast, so
 * `matmul` is `tf.matMul` there.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Largest batch run as separate 2-D products on WASM (above it, tfjs's batched kernel: its
 * per-element cost is higher but it is one op instead of B).
 */
export const BATCH_SPLIT_MAX = 32;

/**
 * Products smaller than this many multiply-adds (per matrix of a batch) go to `tf.matMul` as
 * they are: there the per-op overhead of tfjs (tens of µs) dominates, and the explicit
 * transposes and per-matrix splits would only add ops. Measured: 2¹⁸ made the sine experiment's
 * held-out evaluation ([5, 1000, 50] × [5, 50, 50]) up to 1.3× slower than tf.matMul; 2²² keeps
 * it equal, while the learned losses' 400 × 400 layers (tens of millions of multiply-adds) still
 * take the fast path.
 */
export const SMALL_PRODUCT_MACS = 1 << 22;

/**
 * Whether the explicit-transpose products are used: on every backend but libtensorflow's and the
 * GPU ones, unless `ML3_MATMUL=tfjs` asks for plain `tf.matMul` (benchmarks compare the two in
 * one run).
 */
function needsFastPath(): boolean {
  if (typeof process !== 'undefined' && process.env?.ML3_MATMUL === 'tfjs') return false;
  const backend = tf.getBackend();
  return backend !== 'tensorflow' && backend !== 'webgl' && backend !== 'webgpu';
}

/** Aᵀ of a matrix or of each matrix of a batch. */
function transposeLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? x.transpose() : x.transpose([0, 2, 1]);
}

/** The forward product of same-rank operands, on the fast kernel where it exists. */
function product(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  const batch = a.shape[0]!;
  if (batch === 1) {
    const [, n, k] = a.shape as [number, number, number];
    const m = b.shape[2]!;
    return tf.matMul(a.reshape([n, k]), b.reshape([k, m])).reshape([1, n, m]);
  }
  if (batch > BATCH_SPLIT_MAX) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  const as = tf.unstack(a);
  const bs = tf.unstack(b);
  return tf.stack(as.map((ai, i) => tf.matMul(ai as tf.Tensor2D, bs[i] as tf.Tensor2D)));
}

const fastMatmul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: product(a, b),
    // Built from `matmul` itself: the gradient can be differentiated again (second order).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      matmul(dy, transposeLast(saved[1]!)),
      matmul(transposeLast(saved[0]!), dy),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * A·B for matrices [N, K] × [K, M] or batches [B, N, K] × [B, K, M], with first- and
 * higher-order gradients (see the file header for why this is not `tf.matMul`). Operands of other
 * ranks or mismatched batches go to `tf.matMul` unchanged.
 */
export function matmul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const sameBatch =
    a.rank === 2 ? b.rank === 2 : a.rank === 3 && b.rank === 3 && a.shape[0] === b.shape[0];
  const [n, k] = a.shape.slice(-2) as [number, number];
  const small = n * k * b.shape.at(-1)! < SMALL_PRODUCT_MACS;
  if (!sameBatch || small || !needsFastPath()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  return fastMatmul(a, b);
}
