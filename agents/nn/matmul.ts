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
 * - a batched product [B, N, K] × [B, K, M] of large matrices runs as B two-dimensional products
 *   while B is small, and as tfjs's batched kernel when B is large (see `BATCH_SPLIT_MAX`);
 * - a batch of small matrices (a goal-batched policy's layers) runs in the package's own
 *   WebAssembly kernels (`gemmBatch32`), ~3× tfjs's naive loop, with the same gradients;
 * - a small 2-D product stays `tf.matMul` (per-op overhead dominates there).
 *
 * On the `tensorflow` / `tensorflow-gpu` backends (libtensorflow) every product is fast, so
 * `matmul` is `tf.matMul` there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tfjsBaseline } from './baseline.js';
import { gemmBatch32 } from './cpuGemm.js';

/**
 * Largest batch run as separate 2-D products on WASM (above it, tfjs's batched kernel: its
 * per-element cost is higher but it is one op instead of B).
 */
export const BATCH_SPLIT_MAX = 32;

/**
 * Products smaller than this many multiply-adds (per matrix of a batch) are not split into
 * XNNPACK products: there the per-op overhead of tfjs (tens of µs) dominates, and the explicit
 * transposes and per-matrix splits would only add ops (2-D: `tf.matMul` as is; batched: the
 * package's kernels). Measured: 2¹⁸ made the sine experiment's held-out evaluation
 * ([5, 1000, 50] × [5, 50, 50]) up to 1.3× slower than tf.matMul; 2²² keeps it equal, while the
 * learned losses' 400 × 400 layers (tens of millions of multiply-adds) still take the fast path.
 */
export const SMALL_PRODUCT_MACS = 1 << 22;

/**
 * Whether the explicit-transpose products are used: on every backend but libtensorflow's and the
 * GPU ones, unless `ML3_MATMUL=tfjs` asks for plain `tf.matMul` ({@link tfjsBaseline}).
 */
function needsFastPath(): boolean {
  if (tfjsBaseline()) return false;
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

/**
 * A batch of small products [B, N, K] × [B, K, M] in the package's WebAssembly kernels (`gemm`:
 * float64 sums, rounded once to float32). tfjs's WASM backend runs every batched product on its
 * naive loop (~1.3 GMAC/s on [8, 50, 64] × [8, 64, 64], a goal-batched policy's hidden layer), and
 * splitting the batch into 2-D products does not help there: XNNPACK re-packs a weight it has not
 * seen on every call. `gemm` runs these ~3× faster, reading and writing the tensors' values once.
 */
function kernelBatchProduct(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [batch, n, k] = a.shape as [number, number, number];
  const m = b.shape[2]!;
  const out = new Float32Array(batch * n * m);
  gemmBatch32(out, a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, n, m, k);
  return tf.tensor3d(out, [batch, n, m]);
}

/** The gradient of a product, dA = dY·Bᵀ and dB = Aᵀ·dY, built from `matmul` itself (second order). */
function productGradient(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] {
  return [matmul(dy, transposeLast(saved[1]!)), matmul(transposeLast(saved[0]!), dy)];
}

const smallBatchMatmul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return { value: kernelBatchProduct(a, b), gradFunc: productGradient };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const fastMatmul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: product(a, b),
    // Built from `matmul` itself: the gradient can be differentiated again (second order).
    gradFunc: productGradient,
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Which kernel `matmul` runs a product of these operands on. */
type Route = 'tfjs' | 'kernel' | 'fast';

/** The route of A·B for A of shape `aShape` and type `aDtype` (its values are not needed). */
function route(aShape: readonly number[], aDtype: tf.DataType, b: tf.Tensor): Route {
  const rank = aShape.length;
  const sameBatch =
    rank === 2 ? b.rank === 2 : rank === 3 && b.rank === 3 && aShape[0] === b.shape[0];
  if (!sameBatch || !needsFastPath()) return 'tfjs';
  const [n, k] = aShape.slice(-2) as [number, number];
  if (n * k * b.shape.at(-1)! >= SMALL_PRODUCT_MACS) return 'fast';
  const batched = rank === 3 && aShape[0]! > 1;
  return batched && aDtype === 'float32' && b.dtype === 'float32' ? 'kernel' : 'tfjs';
}

/**
 * A·B for matrices [N, K] × [K, M] or batches [B, N, K] × [B, K, M], with first- and
 * higher-order gradients (see the file header for why this is not `tf.matMul`). Operands of other
 * ranks or mismatched batches go to `tf.matMul` unchanged.
 */
export function matmul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  switch (route(a.shape, a.dtype, b)) {
    case 'fast':
      return fastMatmul(a, b);
    case 'kernel':
      return smallBatchMatmul(a, b);
    case 'tfjs':
      return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  }
}

/**
 * dY·Bᵀ exactly as the gradient of `matmul(A, B)` computes it with respect to A (the same kernel,
 * so the same bits): for a backward pass written out by hand that must agree with the autodiff.
 * `dy` has A·B's shape.
 */
export function matmulGradientA(dy: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // The forward product's route: A has dy's rows and B's inner size.
  const aShape = [...dy.shape.slice(0, -1), b.shape.at(-2)!];
  return route(aShape, dy.dtype, b) === 'tfjs'
    ? tf.matMul(dy as tf.Tensor3D, b as tf.Tensor3D, false, true)
    : matmul(dy, transposeLast(b));
}
