/**
 * Where the reacher's policies start their SGD steps, in meta-training and at test: one saved θ₀
 * for every goal (the authors' reacher), or a fresh θ₀ per episode (Algorithm 1's "re-initialised
 * θ", as the sine experiment and the model-free ML3 here do).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initMlp, type Params, tileParams } from '../../../agents/index.js';
import { RNG } from '../../../envs/index.js';
import { REACHER_POLICY, type ReacherEpisode } from './task.js';

/**
 * The initial-policy settings (`ReacherConfig.initialPolicy`, the CLI's choices):
 * - `fixed`: the run's θ₀ (seeded by the run's seed) for every goal, at every iteration and at
 *   test — the authors' saved initial policy.
 * - `per-episode`: each episode starts from a θ₀ of its own, seeded by the episode's reset seed:
 *   every meta-iteration's goals bring new initial policies, and the held-out goals bring
 *   held-out ones. A loss meta-trained on one θ₀ learns that θ₀'s quirks (one that spins joint
 *   0 is corrected by unwinding it, which the joint-space task loss rewards while the fingertip
 *   stays where it was); one meta-trained on many must learn what reaching is.
 * - `per-episode-small-output`: `per-episode` with each θ₀'s output layer (weights and bias)
 *   scaled by {@link SMALL_OUTPUT_SCALE}, as CleanRL initialises its actor's last layer. The
 *   torch-initialised policies push the arm with torques of up to ~0.3 from the first step; most
 *   of them spin joint 0; where a spinning arm ends after 50 steps depends on θ so finely that a
 *   first step of either loss reshuffles the goals (docs/ml3.md, "What K = 1 and 2 can tell").
 *   These start nearly still, so a first step moves the fingertip by what the step is worth.
 */
export const REACHER_INITIAL_POLICIES = [
  'fixed',
  'per-episode',
  'per-episode-small-output',
] as const;

/** The factor on the output layer of `per-episode-small-output` (CleanRL's actor: std 0.01). */
export const SMALL_OUTPUT_SCALE = 0.01;

/** One of {@link REACHER_INITIAL_POLICIES}. */
export type ReacherInitialPolicy = (typeof REACHER_INITIAL_POLICIES)[number];

/**
 * The torch-style initialisation of a reacher policy from `rng`, its output layer (the last weight
 * and bias) times `outputScale`.
 */
function initReacherPolicy(rng: RNG, outputScale = 1): Params {
  const params = initMlp(REACHER_POLICY.net, rng, { scheme: 'torch' });
  if (outputScale === 1) return params;
  return params.map((p, i) => {
    if (i < params.length - 2) return p;
    const scaled = p.mul(outputScale);
    p.dispose();
    return scaled;
  });
}

/** The policy's initial parameters θ₀ of a run (seeded by the run's seed). */
export function reacherInitialPolicy(seed: number): Params {
  return initReacherPolicy(new RNG(RNG.deriveSeed(seed, 'reacher/theta0')));
}

/**
 * One initial policy per episode, seeded by the episode's reset seed (the same episode always
 * starts from the same θ₀), batched as `tileParams` batches: [G, …], biases [G, 1, n]. Their
 * output layers are scaled by `outputScale` (the same draws: only the scale differs).
 */
export function episodeInitialPolicies(
  episodes: readonly ReacherEpisode[],
  outputScale = 1,
): Params {
  const perEpisode = episodes.map((e) =>
    initReacherPolicy(new RNG(RNG.deriveSeed(e.seed, 'reacher/theta0-episode')), outputScale),
  );
  try {
    return perEpisode[0]!.map((first, i) =>
      tf.tidy(() => {
        const stacked = tf.stack(perEpisode.map((p) => p[i]!));
        return first.rank === 1 ? stacked.reshape([episodes.length, 1, first.shape[0]!]) : stacked;
      }),
    );
  } finally {
    for (const p of perEpisode) for (const t of p) t.dispose();
  }
}

/**
 * The batched policies [G, …] the episodes start from (the caller disposes them): θ₀ tiled
 * (`fixed`, the default) or {@link episodeInitialPolicies}.
 */
export function startingPolicies(
  theta0: Params,
  episodes: readonly ReacherEpisode[],
  initialPolicy: ReacherInitialPolicy = 'fixed',
): Params {
  if (initialPolicy === 'fixed') return tileParams(theta0, episodes.length);
  return episodeInitialPolicies(
    episodes,
    initialPolicy === 'per-episode-small-output' ? SMALL_OUTPUT_SCALE : 1,
  );
}
