/**
 * A trained policy-gradient policy outside the trainer: the exported actor with the observation
 * normalisation it was trained under (`PgPolicyFile`, what `ml3 pg train` writes as
 * `policy.json`), acting on raw observations, and seeded evaluation episodes of any policy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mean, std } from '../envs/core/stats.js';
import type { Env, RNG } from '../envs/index.js';
import { type MlpSpec, mlp } from './nn/mlp.js';
import { tensorsFromJson } from './nn/optim.js';
import { OBS_CLIP } from './ppo.js';

/**
 * A trained Gaussian policy with the observation normalisation it was trained under: enough to
 * act in a fresh env (`ml3 pg eval`) without the trainer.
 */
export interface PgPolicyFile {
  kind: 'ml3-pg-policy';
  envId: string;
  actorSpec: MlpSpec;
  actorParams: { shape: number[]; values: number[] }[];
  logStd: number[];
  /** Running mean / variance of observations (sub-env 0's NormalizeObservation). */
  obsMean: number[];
  obsVar: number[];
}

/**
 * A policy from {@link PolicyGradientTrainer.exportPolicy}, acting on raw observations: it
 * normalises them with the saved statistics, clips to ±10 and returns the mean action (or a
 * sample when an RNG is given).
 */
export class PgPolicy {
  private readonly params: tf.Tensor[];
  private readonly scale: Float32Array;

  constructor(readonly file: PgPolicyFile) {
    if (file?.kind !== 'ml3-pg-policy')
      throw new RangeError('not a policy file: expected kind "ml3-pg-policy"');
    const sizes = file.actorSpec?.sizes;
    if (!Array.isArray(sizes) || sizes.length < 2)
      throw new RangeError('policy file: actorSpec.sizes is malformed');
    const O = sizes[0]!;
    const finite = (xs: unknown, n: number) =>
      Array.isArray(xs) && xs.length === n && xs.every((x) => Number.isFinite(x));
    if (!finite(file.obsMean, O) || !finite(file.obsVar, O) || !finite(file.logStd, sizes.at(-1)!))
      throw new RangeError(
        'policy file: obsMean/obsVar/logStd have the wrong size or non-finite values',
      );
    this.params = tensorsFromJson(
      file.actorParams,
      sizes.slice(0, -1).flatMap((fanIn, l) => [[fanIn, sizes[l + 1]!], [sizes[l + 1]!]]),
    );
    this.scale = Float32Array.from(file.obsVar, (v) => 1 / Math.sqrt(v + 1e-8));
  }

  /** Actions for raw observations [B × obs] (row-major): means, or samples with `rng`. */
  act(obs: ArrayLike<number>, rng?: RNG): Float32Array {
    const O = this.file.actorSpec.sizes[0]!;
    const B = obs.length / O;
    const x = new Float32Array(obs.length);
    for (let i = 0; i < obs.length; i++) {
      const z = (obs[i]! - this.file.obsMean[i % O]!) * this.scale[i % O]!;
      x[i] = Math.min(Math.max(z, -OBS_CLIP), OBS_CLIP);
    }
    const out = tf.tidy(
      () =>
        mlp(this.params, tf.tensor2d(x, [B, O]), this.file.actorSpec).dataSync() as Float32Array,
    );
    if (rng) {
      const A = this.file.logStd.length;
      for (let i = 0; i < out.length; i++)
        out[i] = out[i]! + Math.exp(this.file.logStd[i % A]!) * rng.normal();
    }
    return out;
  }

  dispose(): void {
    for (const t of this.params) t.dispose();
  }
}

/** Returns of seeded evaluation episodes. */
export interface PolicyEvaluation {
  meanReturn: number;
  stdReturn: number;
  returns: number[];
  meanLength: number;
  terminatedFraction: number;
}

/**
 * Runs `episodes` seeded episodes (seeds `seed`, `seed + 1`, …) of a policy on `env` (which
 * should clip actions to its space, as training did) and reports the returns.
 */
export function evaluatePolicy(
  env: Env,
  act: (obs: ArrayLike<number>) => ArrayLike<number>,
  episodes: number,
  seed: number,
): PolicyEvaluation {
  const returns: number[] = [];
  let lengths = 0;
  let terminated = 0;
  for (let e = 0; e < episodes; e++) {
    let [obs] = env.reset({ seed: seed + e }) as [ArrayLike<number>, unknown];
    let total = 0;
    for (let t = 1; ; t++) {
      const [next, reward, term, trunc] = env.step(act(obs));
      total += reward;
      obs = next as ArrayLike<number>;
      if (term || trunc) {
        lengths += t;
        terminated += term ? 1 : 0;
        break;
      }
    }
    returns.push(total);
  }
  return {
    meanReturn: mean(returns),
    stdReturn: std(returns),
    returns,
    meanLength: lengths / episodes,
    terminatedFraction: terminated / episodes,
  };
}
