/**
 * An MLP in plain JavaScript on Float32Array weights: a batched forward pass that keeps every
 * layer's output (the tape) and the matching backward pass, for small networks where a tfjs op
 * costs more than its arithmetic. Each layer is one call of `denseLayer.ts` (the WebAssembly
 * kernels, or their JavaScript twins: the same bits), on float64 operands. PPO's
 * 64 × 64 actor-critic on a 64-row minibatch is ~0.6 M multiply-adds per pass: ~0.1–0.2 ms in
 * WebAssembly SIMD, against ~40 µs of bookkeeping for each of the ~150 tfjs ops of the same
 * forward, backward and Adam step on tfjs's WASM backend.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { denseBackward, denseForward, denseJvp } from './denseLayer.js';
import type { MlpSpec } from './mlp.js';

/** An MLP's weights as plain arrays: per layer W [in × out] row-major and b [out]. */
export interface CpuMlp<A extends Float32Array | Float64Array = Float32Array> {
  spec: MlpSpec;
  weights: A[];
  biases: (A | undefined)[];
}

/**
 * One batched forward pass's record, reused across calls: the input, every layer's output
 * ([rows × width] each) and the float64 weights it used (W per layer; the backward keeps Wᵀ here).
 */
export interface MlpTape {
  rows: number;
  /** The input the pass read, as float64 [rows × in]. */
  input: Float64Array;
  /** outputs[l] is layer l's activation output; outputs[layers − 1] is the network's output. */
  outputs: Float64Array[];
  /** Per layer W [in × out] as float64, copied by the forward pass. */
  w: Float64Array[];
  /** Per layer Wᵀ [out × in], written by the backward pass for its δ·Wᵀ (inference never needs it). */
  wT: Float64Array[];
}

/** A tape with room for `rows` rows. */
export function mlpTape(spec: MlpSpec, rows: number): MlpTape {
  const s = spec.sizes;
  return {
    rows: 0,
    input: new Float64Array(rows * s[0]!),
    outputs: s.slice(1).map((n) => new Float64Array(rows * n)),
    w: s.slice(1).map((n, l) => new Float64Array(s[l]! * n)),
    wT: s.slice(1).map((n, l) => new Float64Array(s[l]! * n)),
  };
}

/** Network `m` of arrays laid out as {@link initMlp} / {@link stackParams} lay out tensors. */
function mlpViews(data: readonly Float32Array[], spec: MlpSpec, m: number): CpuMlp {
  const stride = spec.bias ? 2 : 1;
  const weights: Float32Array[] = [];
  const biases: (Float32Array | undefined)[] = [];
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const fanOut = spec.sizes[l + 1]!;
    const size = spec.sizes[l]! * fanOut;
    weights.push(data[l * stride]!.subarray(m * size, (m + 1) * size));
    biases.push(
      spec.bias ? data[l * stride + 1]!.subarray(m * fanOut, (m + 1) * fanOut) : undefined,
    );
  }
  return { spec, weights, biases };
}

/** Reads an unbatched MLP's parameters (as `initMlp` lays them out) into plain arrays. */
export function readMlp(params: readonly tf.Tensor[], spec: MlpSpec): CpuMlp {
  return mlpViews(
    params.map((p) => p.dataSync() as Float32Array),
    spec,
    0,
  );
}

/**
 * Reads B batched networks' parameters (as {@link stackParams} lays them out: W [B, in, out], b
 * [B, 1, out]) into B plain networks, each a view into one read of every tensor.
 */
export function readBatchedMlps(params: readonly tf.Tensor[], spec: MlpSpec): CpuMlp[] {
  const data = params.map((p) => p.dataSync() as Float32Array);
  return Array.from({ length: params[0]!.shape[0]! }, (_, m) => mlpViews(data, spec, m));
}

/** Float64 zeros shaped like a network's weights and biases (gradients, tangents). */
export function zeroGrads(spec: MlpSpec): MlpGrads {
  const s = spec.sizes;
  return {
    weights: s.slice(1).map((n, l) => new Float64Array(s[l]! * n)),
    biases: s.slice(1).map((n) => (spec.bias ? new Float64Array(n) : undefined)),
  };
}

/** A float64 copy of a network (parameters that SGD moves in place). */
export function cloneMlp(net: CpuMlp<Float32Array | Float64Array>): CpuMlp<Float64Array> {
  return {
    spec: net.spec,
    weights: net.weights.map((w) => Float64Array.from(w)),
    biases: net.biases.map((b) => (b ? Float64Array.from(b) : undefined)),
  };
}

/**
 * The network's outputs for `rows` inputs `x` ([rows × in], row-major), every layer's output kept
 * in `tape`; returns the output layer's array ([rows × out], the tape's own). The weights are
 * copied into the tape (as float64) unless `reloadWeights` is false, for callers that
 * know they have not changed since the tape's last pass (a rollout's steps between updates).
 */
export function cpuMlpForward(
  net: CpuMlp<Float32Array | Float64Array>,
  x: ArrayLike<number>,
  rows: number,
  tape: MlpTape,
  reloadWeights = true,
): Float64Array {
  const { sizes, activation, outputActivation } = net.spec;
  const layers = sizes.length - 1;
  if (tape.input.length < rows * sizes[0]!)
    throw new RangeError(`the tape holds fewer than ${rows} rows`);
  tape.rows = rows;
  for (let i = 0; i < rows * sizes[0]!; i++) tape.input[i] = x[i]!;
  let input = tape.input;
  for (let l = 0; l < layers; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    if (reloadWeights) tape.w[l]!.set(net.weights[l]!);
    const h = tape.outputs[l]!;
    const act = l + 1 < layers ? activation : outputActivation;
    denseForward(h, input, tape.w[l]!, net.biases[l], rows, fanOut, fanIn, act);
    input = h;
  }
  return tape.outputs[layers - 1]!;
}

/** Gradient arrays matching a {@link CpuMlp}'s weights and biases (float64 accumulators). */
export interface MlpGrads {
  weights: Float64Array[];
  biases: (Float64Array | undefined)[];
}

/** Scratch of {@link cpuMlpBackward} for `rows` rows of a network whose widest layer is `widest`. */
export function backwardScratch(rows: number, widest: number): Float64Array[] {
  return Array.from({ length: 3 }, () => new Float64Array(rows * widest));
}

/**
 * Forward-mode derivative along the parameters: the change of the outputs of the pass on `tape`
 * when the weights and biases move along `tangent` (J_θ f · v, [rows × out]), in one pass that
 * reuses the tape's activations. The input is held fixed. Returns one of `scratch`'s arrays
 * (from {@link backwardScratch}); the activations' slopes come from their outputs, so a ReLU's
 * kink is treated as tfjs's gradient treats it (slope 0 at 0).
 */
export function cpuMlpJvp(
  net: CpuMlp<Float32Array | Float64Array>,
  tape: MlpTape,
  tangent: MlpGrads,
  scratch: Float64Array[],
): Float64Array {
  const { sizes, activation, outputActivation } = net.spec;
  const layers = sizes.length - 1;
  let dIn: Float64Array | undefined; // the tangent of this layer's input (none for the network's)
  for (let l = 0; l < layers; l++) {
    const dOut = scratch[l % 2]!;
    const act = l + 1 < layers ? activation : outputActivation;
    const dW = tangent.weights[l]!;
    denseJvp(tape, l, sizes[l]!, sizes[l + 1]!, act, dW, tangent.biases[l], dIn, dOut);
    dIn = dOut;
  }
  return dIn!;
}

/**
 * Back-propagates dL/d(output) (`dOut`, [rows × out]; overwritten) through the pass on `tape`,
 * adding dL/dW and dL/db to `grads`; `scratch` from {@link backwardScratch}. With `dInput`
 * ([rows × in]) it also writes dL/d(input) there.
 */
export function cpuMlpBackward(
  net: CpuMlp<Float32Array | Float64Array>,
  tape: MlpTape,
  dOut: Float64Array,
  grads: MlpGrads,
  scratch: Float64Array[],
  dInput?: Float64Array,
): void {
  const { sizes, activation, outputActivation } = net.spec;
  const layers = sizes.length - 1;
  let delta = dOut; // dL/d(layer output), becomes dL/d(pre-activation) in place
  let spare = 1;
  for (let l = layers - 1; l >= 0; l--) {
    const act = l + 1 < layers ? activation : outputActivation;
    const dIn = l > 0 ? scratch[spare]! : dInput;
    const gw = grads.weights[l]!;
    const gb = grads.biases[l];
    denseBackward(tape, l, sizes[l]!, sizes[l + 1]!, act, delta, gw, gb, dIn, scratch[0]!);
    if (dIn) {
      delta = dIn;
      spare = 3 - spare;
    }
  }
}
