/**
 * Multilayer perceptrons as pure functions of explicit parameter tensors: the same code serves
 * ordinary training and ML3's differentiable inner loop (parameters are plain tensors, updated
 * functionally). Parameters may carry a leading batch dimension B (B independent networks —
 * seeds, tasks, goals — evaluated in one batched matMul).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RNG } from '../../envs/index.js';
import { ACTIVATIONS, type ActivationName } from './activations.js';
import { matmul, matmulGradientA } from './matmul.js';

/** Architecture of an MLP. */
export interface MlpSpec {
  /** Layer sizes from input to output, e.g. [1, 100, 10, 1]. */
  sizes: readonly number[];
  /** Activation of the hidden layers. */
  activation: ActivationName;
  /** Activation of the output layer. */
  outputActivation: ActivationName;
  /** Whether layers have biases. */
  bias: boolean;
}

/**
 * Weight initialisation: `xavier` (Glorot uniform, biases `biasInit`) or `torch` (PyTorch's
 * nn.Linear default: weights and biases U(±1/√fan_in)).
 */
export type InitScheme = 'xavier' | 'torch';

/** Parameter tensors [W0, b0, W1, b1, …] (no b's without bias). */
export type Params = tf.Tensor[];

/** Number of parameter tensors of a spec. */
export function paramCount(spec: MlpSpec): number {
  return (spec.sizes.length - 1) * (spec.bias ? 2 : 1);
}

/** One layer's initial values from {@link initMlpArrays}: W [batch · in · out], b [batch · out]. */
export interface InitLayer {
  w: Float32Array;
  b: Float32Array;
}

/**
 * The values {@link initMlp} puts in its tensors, as plain arrays (the same draws in the same
 * order), for callers that never need the tensors (plain-JS networks).
 */
export function initMlpArrays(
  spec: MlpSpec,
  rng: RNG,
  options: { scheme?: InitScheme; biasInit?: number; batch?: number } = {},
): InitLayer[] {
  const scheme = options.scheme ?? 'xavier';
  const b = options.batch ?? 1;
  const layers: InitLayer[] = [];
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const fanIn = spec.sizes[l]!;
    const fanOut = spec.sizes[l + 1]!;
    const limit = scheme === 'xavier' ? Math.sqrt(6 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
    const w = new Float32Array(b * fanIn * fanOut);
    const bias = new Float32Array(b * fanOut);
    for (let k = 0; k < b; k++) {
      for (let i = 0; i < fanIn * fanOut; i++)
        w[k * fanIn * fanOut + i] = rng.uniform(-limit, limit);
      for (let i = 0; i < fanOut; i++)
        bias[k * fanOut + i] =
          scheme === 'torch' ? rng.uniform(-limit, limit) : (options.biasInit ?? 0);
    }
    layers.push({ w, b: bias });
  }
  return layers;
}

/**
 * Seeded initial parameters, from this package's RNG (tfjs initialisers have no global seed and
 * differ by backend). With `batch`, every tensor gets a leading dimension of that size and each
 * network is drawn independently.
 */
export function initMlp(
  spec: MlpSpec,
  rng: RNG,
  options: { scheme?: InitScheme; biasInit?: number; batch?: number } = {},
): Params {
  const batch = options.batch;
  const params: Params = [];
  initMlpArrays(spec, rng, options).forEach(({ w, b }, l) => {
    const fanIn = spec.sizes[l]!;
    const fanOut = spec.sizes[l + 1]!;
    params.push(
      batch === undefined
        ? tf.tensor2d(w, [fanIn, fanOut])
        : tf.tensor3d(w, [batch, fanIn, fanOut]),
    );
    if (spec.bias)
      params.push(batch === undefined ? tf.tensor1d(b) : tf.tensor3d(b, [batch, 1, fanOut]));
  });
  return params;
}

/**
 * h·W for h [.., N, in] and W [in, out] or [B, in, out] (an MLP layer's product, before its
 * bias). A one-wide side is an outer product or a dot product: written as broadcast multiplies
 * (and a sum), which tfjs's WASM backend runs several times faster than a batched matMul with an
 * inner or outer dimension of 1 (measured).
 */
export function linear(h: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const [fanIn, fanOut] = w.shape.slice(-2) as [number, number];
  if (fanIn === 1) return h.mul(w); // [.., N, 1] · [(B,) 1, out]
  if (fanOut === 1) {
    // [.., N, in] · [(B,) in, 1] → Σ over in of h · wᵀ
    const wt = w.rank === 3 ? w.reshape([w.shape[0]!, 1, fanIn]) : w.reshape([1, fanIn]);
    return h.mul(wt).sum(-1, true);
  }
  if (w.rank === 2 && h.rank > 2) {
    // Shared weights over leading dimensions: one 2-D matMul (tfjs's broadcasting batched matMul
    // returns an unreduced gradient for the shared operand).
    const lead = h.shape.slice(0, -1);
    return matmul(h.reshape([-1, fanIn]), w).reshape([...lead, fanOut]);
  }
  return matmul(h, w);
}

/**
 * ∂/∂h of Σ dy ⊙ linear(h, w) for 2-D h and w: dy·wᵀ as the autodiff of {@link linear} computes
 * it (the same ops and kernels, so the same bits), for backward passes written out by hand.
 */
export function linearInputGradient(dy: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const [fanIn, fanOut] = w.shape as [number, number];
  if (fanIn === 1) return dy.mul(w).sum(-1, true);
  if (fanOut === 1) return dy.mul(w.reshape([1, fanIn]));
  return matmulGradientA(dy, w);
}

/**
 * The MLP's output for `x` ([N, in], or [B, N, in] with batched parameters).
 * @example const y = mlp(params, x, { sizes: [2, 50, 1], activation: 'relu', outputActivation: 'softplus', bias: false })
 */
export function mlp(params: readonly tf.Tensor[], x: tf.Tensor, spec: MlpSpec): tf.Tensor {
  const layers = spec.sizes.length - 1;
  if (params.length !== paramCount(spec)) {
    throw new RangeError(
      `an MLP of sizes [${spec.sizes.join(', ')}]${spec.bias ? ' with' : ' without'} biases has ${paramCount(spec)} parameter tensors, got ${params.length}`,
    );
  }
  let h = x;
  const stride = spec.bias ? 2 : 1;
  for (let l = 0; l < layers; l++) {
    h = linear(h, params[l * stride]!);
    if (spec.bias) h = h.add(params[l * stride + 1]!);
    h = ACTIVATIONS[l + 1 < layers ? spec.activation : spec.outputActivation](h);
  }
  return h;
}

/**
 * Stacks parameter lists of B networks into batched parameters (biases become [B, 1, out]);
 * disposes the inputs.
 */
export function stackParams(members: Params[]): Params {
  const stacked = tf.tidy(() =>
    members[0]!.map((_, i) => {
      const s = tf.stack(members.map((m) => m[i]!));
      return s.rank === 2 ? s.reshape([s.shape[0]!, 1, s.shape[1]!]) : s;
    }),
  );
  for (const m of members) for (const t of m) t.dispose();
  return stacked;
}

/** The inverse of {@link stackParams}: B parameter lists (new tensors; the input is kept). */
export function unstackParams(batched: readonly tf.Tensor[]): Params[] {
  return tf.tidy(() => {
    const lists = batched.map((p) =>
      tf.unstack(p).map((t) => (t.rank === 2 && t.shape[0] === 1 ? t.reshape([t.shape[1]!]) : t)),
    );
    return lists[0]!.map((_, b) => lists.map((l) => l[b]!));
  });
}

/** B copies of one network as batched parameters (biases become [B, 1, out]); the input is kept. */
export function tileParams(params: readonly tf.Tensor[], copies: number): Params {
  return tf.tidy(() =>
    params.map((p) =>
      p.rank === 1
        ? p.reshape([1, 1, p.shape[0]!]).tile([copies, 1, 1])
        : p.expandDims(0).tile([copies, ...p.shape.map(() => 1)]),
    ),
  );
}
