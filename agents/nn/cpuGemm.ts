/**
 * The matrix product of the plain-JS networks: C (+)= P·B with P [m × k] and B [k × n], all
 * row-major float64. It runs in a small WebAssembly SIMD module (`gemm.wat`, lanes along B's
 * columns, 4 × 4 blocks), copying the operands into the module's memory and C back out; where
 * WebAssembly SIMD is missing, or `ML3_GEMM=js` or {@link setGemmPath} asks for it, in the
 * JavaScript loop {@link gemmJs}. Both compute every element as the same sequential sum of
 * separately rounded products, so they return the same bits (a test checks it), and switching
 * path never changes a result. On this project's VM: ~0.2 ns per multiply-add on 64 × 64 × 64
 * products in WebAssembly, ~0.45–0.8 in the JavaScript loop.
 */
import { GEMM_WASM_BASE64 } from './gemmWasm.js';

/** The module's exports: its memory, and C = keep·C + P·B at byte offsets into that memory. */
interface GemmModule {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gemmNN(c: number, p: number, b: number, m: number, n: number, k: number, keep: number): void;
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
function loadGemmModule(): GemmModule | undefined {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return undefined;
  const bytes = decodeBase64(GEMM_WASM_BASE64);
  if (!api.validate(bytes)) return undefined; // no SIMD in this engine
  // 1.2 kB: small enough for synchronous compilation even on a browser's main thread.
  return new api.Instance(new api.Module(bytes)).exports as GemmModule;
}

const wasm = loadGemmModule();
/** A float64 view of the module's memory, remade whenever growing it detaches the old buffer. */
let heap = wasm ? new Float64Array(wasm.memory.buffer) : new Float64Array(0);

/** The implementations of {@link gemm}. */
export type GemmPath = 'wasm' | 'js';
let path: GemmPath =
  wasm && !(typeof process !== 'undefined' && process.env?.ML3_GEMM === 'js') ? 'wasm' : 'js';

/** Which implementation {@link gemm} runs now: `wasm` unless unavailable or `ML3_GEMM=js`. */
export function gemmPath(): GemmPath {
  return path;
}

/**
 * Chooses {@link gemm}'s implementation (benchmarks time both in one run; results are the same
 * bits either way). Throws if `wasm` is asked for where WebAssembly SIMD is unavailable.
 */
export function setGemmPath(next: GemmPath): void {
  if (next === 'wasm' && !wasm) throw new Error('WebAssembly SIMD is not available here');
  path = next;
}

/**
 * C[a·n + j] = (accumulate ? C[a·n + j] : 0) + Σ_t P[a·k + t]·B[t·n + j] for a < m, j < n.
 * `c` must not alias `p` or `b`.
 */
export function gemm(
  c: Float64Array,
  p: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
): void {
  if (path === 'js' || !wasm) {
    gemmJs(c, p, b, m, n, k, accumulate);
    return;
  }
  const pSize = m * k;
  const bSize = k * n;
  const cSize = m * n;
  const needed = (pSize + bSize + cSize) * 8;
  if (needed > wasm.memory.buffer.byteLength) {
    wasm.memory.grow(Math.ceil((needed - wasm.memory.buffer.byteLength) / 65536));
    heap = new Float64Array(wasm.memory.buffer);
  }
  const bAt = pSize;
  const cAt = pSize + bSize;
  heap.set(p.subarray(0, pSize), 0);
  heap.set(b.subarray(0, bSize), bAt);
  if (accumulate) heap.set(c.subarray(0, cSize), cAt);
  wasm.gemmNN(cAt * 8, 0, bAt * 8, m, n, k, accumulate ? 1 : 0);
  c.set(heap.subarray(cAt, cAt + cSize));
}

/**
 * {@link gemm} in JavaScript: the fallback, and the reference the WebAssembly module matches bit
 * for bit. Blocked 4 rows × 2 columns so that each load of P and B is used twice or four times.
 */
export function gemmJs(
  c: Float64Array,
  p: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
): void {
  const m4 = m - (m % 4);
  const n2 = n - (n % 2);
  const keep = accumulate ? 1 : 0;
  for (let a = 0; a < m4; a += 4) {
    const p0 = a * k;
    const p1 = p0 + k;
    const p2 = p1 + k;
    const p3 = p2 + k;
    for (let j = 0; j < n2; j += 2) {
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let t = 0, bt = j; t < k; t++, bt += n) {
        const y0 = b[bt]!;
        const y1 = b[bt + 1]!;
        let x = p[p0 + t]!;
        s00 += x * y0;
        s01 += x * y1;
        x = p[p1 + t]!;
        s10 += x * y0;
        s11 += x * y1;
        x = p[p2 + t]!;
        s20 += x * y0;
        s21 += x * y1;
        x = p[p3 + t]!;
        s30 += x * y0;
        s31 += x * y1;
      }
      const c0 = a * n + j;
      c[c0] = keep * c[c0]! + s00;
      c[c0 + 1] = keep * c[c0 + 1]! + s01;
      c[c0 + n] = keep * c[c0 + n]! + s10;
      c[c0 + n + 1] = keep * c[c0 + n + 1]! + s11;
      c[c0 + 2 * n] = keep * c[c0 + 2 * n]! + s20;
      c[c0 + 2 * n + 1] = keep * c[c0 + 2 * n + 1]! + s21;
      c[c0 + 3 * n] = keep * c[c0 + 3 * n]! + s30;
      c[c0 + 3 * n + 1] = keep * c[c0 + 3 * n + 1]! + s31;
    }
    for (let j = n2; j < n; j++) dotsInto(c, p, b, a, a + 4, j, n, k, keep);
  }
  for (let j = 0; j < n; j++) dotsInto(c, p, b, m4, m, j, n, k, keep);
}

/** The unblocked remainder: C[a·n + j] for rows a ∈ [from, to) of one column j. */
function dotsInto(
  c: Float64Array,
  p: Float64Array,
  b: Float64Array,
  from: number,
  to: number,
  j: number,
  n: number,
  k: number,
  keep: number,
): void {
  for (let a = from; a < to; a++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += p[a * k + t]! * b[t * n + j]!;
    c[a * n + j] = keep * c[a * n + j]! + s;
  }
}

/** out [cols × rows] = the transpose of x [rows × cols] (row-major). */
export function transposeInto(
  out: Float64Array,
  x: ArrayLike<number>,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
}
