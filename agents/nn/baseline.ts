/**
 * The benchmarks' "before": `ML3_MATMUL=tfjs` runs the package's tfjs compute as it was before
 * issue #14's work, so that one `npm run bench` measures both in the same conditions. It switches
 * every product to `tf.matMul` (`matmul`), ELU back to relu and exp ops, tfjs-wasm's Identity back
 * to its copying kernel (`backend.ts`), and ML3's inner gradients back to tfjs's autodiff.
 */

/** Whether `ML3_MATMUL=tfjs` asks for the compute as before issue #14. */
export function tfjsBaseline(): boolean {
  return typeof process !== 'undefined' && process.env?.ML3_MATMUL === 'tfjs';
}
