/**
 * The WebAssembly module of the plain-JS networks' kernels (`kernels.wat`: the matrix product,
 * a dense layer's forward pass, backward pass and forward-mode derivative, tanh, Adam) and the
 * staging of operands in its memory. Every kernel has a JavaScript twin that performs the same IEEE operations in the same
 * order, so both give the same bits (tests check each); the twins run where WebAssembly SIMD is
 * missing, or when `ML3_GEMM=js` or {@link setGemmPath} asks for them.
 */
import { KERNELS_WASM_BASE64 } from './kernelsWasm.js';

/** The module's exports (byte offsets into its memory; see `kernels.wat` for each contract). */
export interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gemm(c: number, p: number, b: number, m: number, n: number, k: number, acc: number): void;
  tanhInPlace(p: number, n: number): void;
  denseForward(
    c: number,
    p: number,
    w: number,
    bias: number,
    m: number,
    n: number,
    k: number,
    hasBias: number,
    act: number,
  ): void;
  denseBackward(
    delta: number,
    y: number,
    x: number,
    w: number,
    wT: number,
    gw: number,
    gb: number,
    dIn: number,
    rows: number,
    fanIn: number,
    fanOut: number,
    act: number,
    hasBias: number,
    wantDIn: number,
  ): void;
  denseJvp(
    dOut: number,
    x: number,
    dw: number,
    dx: number,
    w: number,
    db: number,
    y: number,
    rows: number,
    fanOut: number,
    fanIn: number,
    act: number,
    hasDIn: number,
    hasBias: number,
  ): void;
  sumSquares(g: number, n: number): number;
  adam(
    theta: number,
    g: number,
    m: number,
    v: number,
    n: number,
    scale: number,
    beta1: number,
    beta2: number,
    k1: number,
    k2: number,
    c1: number,
    c2: number,
    lr: number,
    eps: number,
  ): void;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs omit the DOM's). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** The instantiated module, or undefined where WebAssembly SIMD is unavailable. */
function loadKernels(): KernelExports | undefined {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return undefined;
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  if (!api.validate(bytes)) return undefined; // no SIMD in this engine
  // A few kB: small enough for synchronous compilation even on a browser's main thread.
  return new api.Instance(new api.Module(bytes)).exports as KernelExports;
}

/** The kernels, or undefined where WebAssembly SIMD is unavailable. */
export const wasmKernels = loadKernels();

/** Views of the module's memory, remade whenever growing it detaches the old buffer. */
let f64 = wasmKernels ? new Float64Array(wasmKernels.memory.buffer) : new Float64Array(0);
let f32 = wasmKernels ? new Float32Array(wasmKernels.memory.buffer) : new Float32Array(0);

/** The implementations of the kernels. */
export type GemmPath = 'wasm' | 'js';
let path: GemmPath =
  wasmKernels && !(typeof process !== 'undefined' && process.env?.ML3_GEMM === 'js')
    ? 'wasm'
    : 'js';

/** Which implementation the kernels run now: `wasm` unless unavailable or `ML3_GEMM=js`. */
export function gemmPath(): GemmPath {
  return path;
}

/**
 * Chooses the kernels' implementation (benchmarks time both in one run; results are the same
 * bits either way). Throws if `wasm` is asked for where WebAssembly SIMD is unavailable.
 */
export function setGemmPath(next: GemmPath): void {
  if (next === 'wasm' && !wasmKernels) throw new Error('WebAssembly SIMD is not available here');
  path = next;
}

/** The module's exports when the WebAssembly path is chosen, else undefined. */
export function activeKernels(): KernelExports | undefined {
  return path === 'wasm' ? wasmKernels : undefined;
}

/** Scratch of {@link stage}: the slot offsets of its last call (reused: no allocation per call). */
const offsets: number[] = [];

/**
 * Lays out consecutive float64 slots of the given lengths in the module's memory (each starting
 * 16-byte aligned), growing it when needed, and returns their element offsets into
 * {@link heap64} (the same array each call: read it before the next call).
 */
export function stage(...lengths: number[]): readonly number[] {
  let at = 0;
  offsets.length = lengths.length;
  for (let i = 0; i < lengths.length; i++) {
    offsets[i] = at;
    at += lengths[i]! + (lengths[i]! & 1);
  }
  const needed = at * 8;
  const memory = wasmKernels!.memory;
  if (needed > memory.buffer.byteLength) {
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
    f64 = new Float64Array(memory.buffer);
    f32 = new Float32Array(memory.buffer);
  }
  return offsets;
}

/** The module's memory as float64 (valid until the next {@link stage} that grows it). */
export function heap64(): Float64Array {
  return f64;
}

/** The module's memory as float32 (same lifetime as {@link heap64}). */
export function heap32(): Float32Array {
  return f32;
}

/**
 * The module's float64 memory at `at` ← the first `count` values of `src` (no view object when
 * `src` is exactly that long).
 */
export function put(src: Float64Array, count: number, at: number): void {
  f64.set(src.length === count ? src : src.subarray(0, count), at);
}
