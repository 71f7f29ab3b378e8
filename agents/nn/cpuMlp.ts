/**
 * An MLP's forward pass in plain JavaScript on Float32Array weights, for the hot loops that need
 * no gradient and run on a handful of rows: a policy's action at every env step. A tfjs call per
 * step costs tens of ops and µs each (≈ 0.15 ms for CleanRL's 64 × 64 actor-critic on WASM);
 * this costs the multiply-adds alone (≈ 10k for that network, a few µs). The weights are read
 * from the tensors once (`readMlp`), after each parameter update.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from './activations.js';
import type { MlpSpec } from './mlp.js';

/** An MLP's weights as plain arrays: per layer W [in × out] row-major and b [out]. */
export interface CpuMlp {
  spec: MlpSpec;
  weights: Float32Array[];
  biases: (Float32Array | undefined)[];
  /** Scratch rows, one per layer output, grown as needed. */
  scratch: Float64Array[];
}

/** Reads an unbatched MLP's parameters (as `initMlp` lays them out) into plain arrays. */
export function readMlp(params: readonly tf.Tensor[], spec: MlpSpec): CpuMlp {
  const layers = spec.sizes.length - 1;
  const stride = spec.bias ? 2 : 1;
  const weights: Float32Array[] = [];
  const biases: (Float32Array | undefined)[] = [];
  for (let l = 0; l < layers; l++) {
    weights.push(params[l * stride]!.dataSync() as Float32Array);
    biases.push(spec.bias ? (params[l * stride + 1]!.dataSync() as Float32Array) : undefined);
  }
  return { spec, weights, biases, scratch: spec.sizes.slice(1).map((n) => new Float64Array(n)) };
}

function activate(name: ActivationName, x: number): number {
  switch (name) {
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.max(x, 0);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'softplus':
      return x > 20 ? x : Math.log1p(Math.exp(x));
    case 'elu':
      return x > 0 ? x : Math.expm1(x);
    default:
      return x;
  }
}

/**
 * The network's outputs for `rows` inputs `x` ([rows × in], row-major) into `out`
 * ([rows × out]); no allocation after the first call.
 */
export function cpuMlpForward(
  net: CpuMlp,
  x: ArrayLike<number>,
  rows: number,
  out: Float32Array,
): void {
  const { sizes, activation, outputActivation } = net.spec;
  const layers = sizes.length - 1;
  for (let r = 0; r < rows; r++) {
    let input: ArrayLike<number> = x;
    let offset = r * sizes[0]!;
    for (let l = 0; l < layers; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const w = net.weights[l]!;
      const b = net.biases[l];
      const h = net.scratch[l]!;
      for (let j = 0; j < fanOut; j++) h[j] = b ? b[j]! : 0;
      for (let i = 0; i < fanIn; i++) {
        const v = input[offset + i]!;
        if (v === 0) continue;
        const row = i * fanOut;
        for (let j = 0; j < fanOut; j++) h[j] = h[j]! + v * w[row + j]!;
      }
      const act = l + 1 < layers ? activation : outputActivation;
      if (act !== 'identity') for (let j = 0; j < fanOut; j++) h[j] = activate(act, h[j]!);
      input = h;
      offset = 0;
    }
    const last = net.scratch[layers - 1]!;
    const width = sizes[layers]!;
    for (let j = 0; j < width; j++) out[r * width + j] = last[j]!;
  }
}
