/**
 * The matrix product of the plain-JS networks: C (+)= P·B with P [m × k] and B [k × n], all
 * row-major float64. It runs in the kernels' WebAssembly SIMD module (`kernels.wat`, lanes along
 * B's columns, 4 × 4 blocks), copying the operands into the module's memory and C back out; where
 * WebAssembly SIMD is missing, or `ML3_GEMM=js` or {@link setGemmPath} asks for it, in the
 * JavaScript loop {@link gemmJs}. Both compute every element as the same sequential sum of
 * separately rounded products, so they return the same bits (a test checks it), and switching
 * path never changes a result. On this project's VM: ~0.2 ns per multiply-add on 64 × 64 × 64
 * products in WebAssembly, ~0.45–0.8 in the JavaScript loop.
 */
import { activeKernels, heap64, put, stage } from './kernelModule.js';

export { type GemmPath, gemmPath, setGemmPath } from './kernelModule.js';

/**
 * C[a·n + j] = (accumulate ? C[a·n + j] : 0) + Σ_t P[a·k + t]·B[t·n + j] for a < m, j < n (when
 * not accumulating, C's old contents are never read: a NaN left there does not leak through).
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
  const wasm = activeKernels();
  if (!wasm) {
    gemmJs(c, p, b, m, n, k, accumulate);
    return;
  }
  const cSize = m * n;
  const [pAt, bAt, cAt] = stage(m * k, k * n, cSize) as [number, number, number];
  put(p, m * k, pAt);
  put(b, k * n, bAt);
  if (accumulate) put(c, cSize, cAt);
  wasm.gemm(cAt * 8, pAt * 8, bAt * 8, m, n, k, accumulate ? 1 : 0);
  c.set(heap64().subarray(cAt, cAt + cSize));
}

/**
 * A batch of products of float32 matrices, out[i] = a[i]·b[i] for a [batch × n × k] and b
 * [batch × k × m] (row-major, contiguous), each computed as {@link gemm} computes it (float64
 * sums) and rounded once to float32. The operands go straight into the module's memory (converted
 * on the way) and the results straight out of it.
 */
export function gemmBatch32(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  batch: number,
  n: number,
  m: number,
  k: number,
): void {
  const wasm = activeKernels();
  if (!wasm) {
    const p = new Float64Array(n * k);
    const q = new Float64Array(k * m);
    const c = new Float64Array(n * m);
    for (let i = 0; i < batch; i++) {
      p.set(a.subarray(i * n * k, (i + 1) * n * k));
      q.set(b.subarray(i * k * m, (i + 1) * k * m));
      gemmJs(c, p, q, n, m, k, false);
      out.set(c, i * n * m);
    }
    return;
  }
  const [pAt, bAt, cAt] = stage(n * k, k * m, n * m) as [number, number, number];
  for (let i = 0; i < batch; i++) {
    const heap = heap64();
    heap.set(a.subarray(i * n * k, (i + 1) * n * k), pAt);
    heap.set(b.subarray(i * k * m, (i + 1) * k * m), bAt);
    wasm.gemm(cAt * 8, pAt * 8, bAt * 8, n, m, k, 0);
    out.set(heap.subarray(cAt, cAt + n * m), i * n * m);
  }
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
      c[c0] = accumulate ? c[c0]! + s00 : s00;
      c[c0 + 1] = accumulate ? c[c0 + 1]! + s01 : s01;
      c[c0 + n] = accumulate ? c[c0 + n]! + s10 : s10;
      c[c0 + n + 1] = accumulate ? c[c0 + n + 1]! + s11 : s11;
      c[c0 + 2 * n] = accumulate ? c[c0 + 2 * n]! + s20 : s20;
      c[c0 + 2 * n + 1] = accumulate ? c[c0 + 2 * n + 1]! + s21 : s21;
      c[c0 + 3 * n] = accumulate ? c[c0 + 3 * n]! + s30 : s30;
      c[c0 + 3 * n + 1] = accumulate ? c[c0 + 3 * n + 1]! + s31 : s31;
    }
    for (let j = n2; j < n; j++) dotsInto(c, p, b, a, a + 4, j, n, k, accumulate);
  }
  for (let j = 0; j < n; j++) dotsInto(c, p, b, m4, m, j, n, k, accumulate);
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
  accumulate: boolean,
): void {
  for (let a = from; a < to; a++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += p[a * k + t]! * b[t * n + j]!;
    c[a * n + j] = accumulate ? c[a * n + j]! + s : s;
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
