/**
 * An MLP in plain JavaScript on Float32Array weights: a batched forward pass that keeps every
 * layer's output (the tape) and the matching backward pass, for small networks where a tfjs op
 * costs more than its arithmetic. Every product is one {@link gemm} on float64 operands. PPO's
 * 64 × 64 actor-critic on a 64-row minibatch is ~0.6 M multiply-adds per pass: ~0.1–0.2 ms in
 * WebAssembly SIMD, against ~40 µs of bookkeeping for each of the ~150 tfjs ops of the same
 * forward, backward and Adam step on tfjs's WASM backend.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from './activations.js';
import { gemm, transposeInto } from './cpuGemm.js';
import { activeKernels, heap64, stage } from './kernelModule.js';
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
 * h ← act(h) over the first n entries: the switch is outside the loop, so each case is a tight
 * loop (the per-element switch cost as much as the products on the sine networks).
 */
function activateInPlace(name: ActivationName, h: Float64Array, n: number): void {
  switch (name) {
    case 'identity':
      return;
    case 'relu':
      for (let k = 0; k < n; k++) {
        const v = h[k]!;
        // biome-ignore lint/complexity/useMathMinMax: a comparison measured ~30% faster than Math.max here; NaN still propagates
        h[k] = v < 0 ? 0 : v;
      }
      return;
    case 'tanh':
      for (let k = 0; k < n; k++) h[k] = Math.tanh(h[k]!);
      return;
    default:
      for (let k = 0; k < n; k++) h[k] = activate(name, h[k]!);
  }
}

/** δ ← δ · act'(from its output y) over the first n entries (tight loops, as above). */
function scaleBySlope(name: ActivationName, delta: Float64Array, y: Float64Array, n: number): void {
  switch (name) {
    case 'identity':
      return;
    case 'relu':
      for (let k = 0; k < n; k++) delta[k] = delta[k]! * (y[k]! > 0 ? 1 : 0);
      return;
    case 'tanh':
      for (let k = 0; k < n; k++) delta[k] = delta[k]! * (1 - y[k]! * y[k]!);
      return;
    default:
      for (let k = 0; k < n; k++) delta[k] = delta[k]! * activationSlope(name, y[k]!);
  }
}

/** h[r, j] += b[j] for the first `rows` rows of a [rows × width] array. */
function addToRows(h: Float64Array, b: ArrayLike<number>, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    for (let j = 0; j < width; j++) h[o + j] += b[j]!;
  }
}

/** The activation's derivative written in terms of its output y (every one here allows it). */
function activationSlope(name: ActivationName, y: number): number {
  switch (name) {
    case 'tanh':
      return 1 - y * y;
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'sigmoid':
      return y * (1 - y);
    case 'softplus':
      return -Math.expm1(-y); // σ(x) = 1 − e^(−softplus(x))
    case 'elu':
      return y > 0 ? 1 : y + 1;
    default:
      return 1;
  }
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
  const rows = tape.rows;
  let dIn: Float64Array | undefined; // the tangent of this layer's input (none for the network's)
  for (let l = 0; l < layers; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const input = l === 0 ? tape.input : tape.outputs[l - 1]!;
    const dOut = scratch[l % 2]!;
    gemm(dOut, input, tangent.weights[l]!, rows, fanOut, fanIn, false); // input·dW
    if (dIn) gemm(dOut, dIn, tape.w[l]!, rows, fanOut, fanIn, true); // + d(input)·W
    const db = tangent.biases[l];
    if (db) addToRows(dOut, db, rows, fanOut);
    const act = l + 1 < layers ? activation : outputActivation;
    const y = tape.outputs[l]!;
    scaleBySlope(act, dOut, y, rows * fanOut);
    dIn = dOut;
  }
  return dIn!;
}

/**
 * Back-propagates dL/d(output) (`dOut`, [rows × out]; overwritten) through the pass on `tape`,
 * adding dL/dW and dL/db to `grads`; `scratch` from {@link backwardScratch}.
 */
export function cpuMlpBackward(
  net: CpuMlp<Float32Array | Float64Array>,
  tape: MlpTape,
  dOut: Float64Array,
  grads: MlpGrads,
  scratch: Float64Array[],
): void {
  const { sizes, activation, outputActivation } = net.spec;
  const layers = sizes.length - 1;
  let delta = dOut; // dL/d(layer output), becomes dL/d(pre-activation) in place
  let spare = 1;
  for (let l = layers - 1; l >= 0; l--) {
    const act = l + 1 < layers ? activation : outputActivation;
    const dIn = l > 0 ? scratch[spare]! : undefined;
    const gw = grads.weights[l]!;
    const gb = grads.biases[l];
    denseBackward(tape, l, sizes[l]!, sizes[l + 1]!, act, delta, gw, gb, dIn, scratch[0]!);
    if (dIn) {
      delta = dIn;
      spare = 3 - spare;
    }
  }
}

/** Activation codes of the WebAssembly dense kernels (`kernels.wat`); others run in JS. */
const KERNEL_ACTIVATION: Partial<Record<ActivationName, number>> = {
  identity: 0,
  tanh: 1,
  relu: 2,
};

/**
 * One dense layer's forward pass: h [rows × fanOut] = act(input·W + b), in the WebAssembly
 * kernel when it is active (activations it lacks then run here, after it), else in JavaScript —
 * the same operations either way, so the same bits.
 */
function denseForward(
  h: Float64Array,
  input: Float64Array,
  w: Float64Array,
  b: ArrayLike<number> | undefined,
  rows: number,
  fanOut: number,
  fanIn: number,
  act: ActivationName,
): void {
  const wasm = activeKernels();
  if (!wasm) {
    gemm(h, input, w, rows, fanOut, fanIn, false);
    if (b) addToRows(h, b, rows, fanOut);
    activateInPlace(act, h, rows * fanOut);
    return;
  }
  const code = KERNEL_ACTIVATION[act];
  const size = rows * fanOut;
  const [xAt, wAt, bAt, hAt] = stage(rows * fanIn, fanIn * fanOut, fanOut, size) as number[];
  const heap = heap64();
  heap.set(input.subarray(0, rows * fanIn), xAt);
  heap.set(w, wAt);
  if (b) for (let j = 0; j < fanOut; j++) heap[bAt! + j] = b[j]!;
  wasm.denseForward(
    hAt! * 8,
    xAt! * 8,
    wAt! * 8,
    bAt! * 8,
    rows,
    fanOut,
    fanIn,
    b ? 1 : 0,
    code ?? 0,
  );
  h.set(heap.subarray(hAt, hAt! + size));
  if (code === undefined) activateInPlace(act, h, size);
}

/**
 * One dense layer's backward pass on the tape's layer `l`: δ ← δ ⊙ act′ (δ = dL/d(output),
 * overwritten), gb += Σ_rows δ, gW += inputᵀ·δ and, when `dIn` is given, dIn = δ·Wᵀ. In the
 * WebAssembly kernel when active (activations it lacks scale δ here first), else in JavaScript
 * with `inputT` as scratch — the same operations either way.
 */
function denseBackward(
  tape: MlpTape,
  l: number,
  fanIn: number,
  fanOut: number,
  act: ActivationName,
  delta: Float64Array,
  gw: Float64Array,
  gb: Float64Array | undefined,
  dIn: Float64Array | undefined,
  inputT: Float64Array,
): void {
  const rows = tape.rows;
  const y = tape.outputs[l]!;
  const input = l === 0 ? tape.input : tape.outputs[l - 1]!;
  const wasm = activeKernels();
  const code = KERNEL_ACTIVATION[act];
  if (!wasm || code === undefined) scaleBySlope(act, delta, y, rows * fanOut);
  if (!wasm) {
    if (gb)
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < fanOut; j++) gb[j] += delta[r * fanOut + j]!;
    transposeInto(inputT, input, rows, fanIn);
    gemm(gw, inputT, delta, fanIn, fanOut, rows, true); // gW += inputᵀ·δ
    if (dIn) {
      transposeInto(tape.wT[l]!, tape.w[l]!, fanIn, fanOut);
      gemm(dIn, delta, tape.wT[l]!, rows, fanIn, fanOut, false); // δ·Wᵀ
    }
    return;
  }
  const size = rows * fanOut;
  const wSize = fanIn * fanOut;
  const at = stage(size, size, rows * fanIn, wSize, wSize, wSize, fanOut, rows * fanIn);
  const [dAt, yAt, xAt, wAt, wTAt, gwAt, gbAt, dInAt] = at as number[];
  const heap = heap64();
  heap.set(delta.subarray(0, size), dAt);
  if (code !== 0) heap.set(y.subarray(0, size), yAt);
  heap.set(input.subarray(0, rows * fanIn), xAt);
  if (dIn) heap.set(tape.w[l]!, wAt);
  heap.set(gw, gwAt);
  if (gb) heap.set(gb, gbAt);
  wasm.denseBackward(
    dAt! * 8,
    yAt! * 8,
    xAt! * 8,
    wAt! * 8,
    wTAt! * 8,
    gwAt! * 8,
    gbAt! * 8,
    dInAt! * 8,
    rows,
    fanIn,
    fanOut,
    code ?? 0,
    gb ? 1 : 0,
    dIn ? 1 : 0,
  );
  delta.set(heap.subarray(dAt, dAt! + size));
  gw.set(heap.subarray(gwAt, gwAt! + wSize));
  if (gb) gb.set(heap.subarray(gbAt, gbAt! + fanOut));
  if (dIn) dIn.set(heap.subarray(dInAt, dInAt! + rows * fanIn));
}
