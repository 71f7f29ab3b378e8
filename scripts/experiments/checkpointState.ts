/** Restoring the learned-loss parameters and their Adam state from an experiment checkpoint. */
import type * as tf from '@tensorflow/tfjs';
import { type Adam, type AdamState, tensorsFromJson } from '../../agents/index.js';

/**
 * Rebuilds φ from checkpoint JSON (shapes checked against `current`), restores `adam`, disposes
 * `current` and returns the restored φ. Throws `RangeError` on malformed input.
 */
export function restoreParams(
  current: readonly tf.Tensor[],
  adam: Adam,
  json: { phi: unknown; adam: AdamState },
): tf.Tensor[] {
  const phi = tensorsFromJson(
    json.phi,
    current.map((p) => p.shape),
  );
  try {
    adam.setState(json.adam);
  } catch (err) {
    for (const t of phi) t.dispose();
    throw err;
  }
  for (const t of current) t.dispose();
  return phi;
}
