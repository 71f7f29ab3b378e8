/**
 * What every ML3 experiment's meta-training looks like from outside: an object built from a
 * seeded config that advances one outer iteration at a time (Algorithm 1), reports the
 * iteration's metrics, and round-trips through JSON with every RNG state (so runs checkpoint and
 * resume exactly). The `ml3` CLI drives these; library users can call them directly.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type Adam, type AdamState, tensorsFromJson } from '../../agents/index.js';

/** Numbers logged for one iteration (a line of a run's metrics.jsonl). */
export type Metrics = Record<string, number>;

/** Config fields every meta-training run has. */
export interface MetaTrainConfig {
  /** Outer (meta) iterations. */
  iterations: number;
  /** Seed of the whole run (every sub-seed derives from it). */
  seed: number;
  /** Iterations between checkpoints (used by the runner). */
  checkpointEvery: number;
}

/** A meta-training run in progress. */
export interface MetaTrainer {
  /** Runs outer iteration `iteration` (0-based) and returns its metrics. */
  step(iteration: number): Metrics;
  /** The whole state as JSON, every RNG state included. */
  toJSON(): unknown;
  /** Frees tensors and envs. */
  dispose(): void;
}

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

/** `true` / `false` (one learned loss) or `both` side by side. */
export type ExtraInformation = 'true' | 'false' | 'both';

/** The variants a config trains: with extra information first. */
export function extraVariants(extra: ExtraInformation): boolean[] {
  return extra === 'both' ? [true, false] : [extra === 'true'];
}

/** File and metric label of a variant. */
export function variantLabel(extra: boolean): 'extra' | 'plain' {
  return extra ? 'extra' : 'plain';
}
