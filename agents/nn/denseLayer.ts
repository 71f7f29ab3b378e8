/**
 * One dense layer of the plain-JS networks — its forward pass, backward pass and forward-mode
 * derivative — in the kernels' WebAssembly module when it is active, else in the JavaScript twins
 * below. Both perform the same IEEE operations in the same order, so they give the same bits; the
 * activations the module lacks (sigmoid, softplus, elu) run here after or before the kernel.
 */
import type { ActivationName } from './activations.js';
import { gemm, transposeInto } from './cpuGemm.js';
import type { MlpTape } from './cpuMlp.js';
import { activeKernels, heap64, put, stage } from './kernelModule.js';

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
export function denseForward(
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
  put(input, rows * fanIn, xAt!);
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
export function denseBackward(
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
  put(delta, size, dAt!);
  if (code !== 0) put(y, size, yAt!);
  put(input, rows * fanIn, xAt!);
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

/**
 * One dense layer's forward-mode derivative on the tape's layer `l`: dOut [rows × fanOut] =
 * (input·dW + dIn·W + db) ⊙ act′(y), the dIn term when the layer's input has a tangent `dIn`
 * (every layer but the first), the db term when the layer has biases. In the WebAssembly kernel
 * when active (activations it lacks scale here after), else in JavaScript: the same operations.
 */
export function denseJvp(
  tape: MlpTape,
  l: number,
  fanIn: number,
  fanOut: number,
  act: ActivationName,
  dW: Float64Array,
  db: Float64Array | undefined,
  dIn: Float64Array | undefined,
  dOut: Float64Array,
): void {
  const rows = tape.rows;
  const input = l === 0 ? tape.input : tape.outputs[l - 1]!;
  const y = tape.outputs[l]!;
  const size = rows * fanOut;
  const wasm = activeKernels();
  if (!wasm) {
    gemm(dOut, input, dW, rows, fanOut, fanIn, false); // input·dW
    if (dIn) gemm(dOut, dIn, tape.w[l]!, rows, fanOut, fanIn, true); // + d(input)·W
    if (db) addToRows(dOut, db, rows, fanOut);
    scaleBySlope(act, dOut, y, size);
    return;
  }
  const code = KERNEL_ACTIVATION[act];
  const wSize = fanIn * fanOut;
  const at = stage(rows * fanIn, wSize, rows * fanIn, wSize, fanOut, size, size);
  const [xAt, dwAt, dxAt, wAt, dbAt, yAt, outAt] = at as number[];
  const heap = heap64();
  put(input, rows * fanIn, xAt!);
  heap.set(dW, dwAt);
  if (dIn) {
    put(dIn, rows * fanIn, dxAt!);
    heap.set(tape.w[l]!, wAt);
  }
  if (db) heap.set(db, dbAt);
  if (code) put(y, size, yAt!);
  wasm.denseJvp(
    outAt! * 8,
    xAt! * 8,
    dwAt! * 8,
    dxAt! * 8,
    wAt! * 8,
    dbAt! * 8,
    yAt! * 8,
    rows,
    fanOut,
    fanIn,
    code ?? 0,
    dIn ? 1 : 0,
    db ? 1 : 0,
  );
  dOut.set(heap.subarray(outAt, outAt! + size));
  if (code === undefined) scaleBySlope(act, dOut, y, size);
}
