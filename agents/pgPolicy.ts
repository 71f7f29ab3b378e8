/**
 * A trained policy-gradient policy outside the trainer: the exported actor with the observation
 * normalisation it was trained under (`PgPolicyFile`, what `ml3 pg train` writes as
 * `policy.json`), acting on raw observations, and seeded evaluation episodes of any policy.
 */
import { mean, std } from '../envs/core/stats.js';
import type { Env, RNG } from '../envs/index.js';
import { type CpuMlp, cpuMlpForward, type MlpTape, mlpTape } from './nn/cpuMlp.js';
import type { MlpSpec } from './nn/mlp.js';
import { OBS_CLIP } from './ppo.js';
import { type SquashBounds, squashActions } from './squash.js';

/**
 * A trained Gaussian policy with the observation normalisation it was trained under: enough to
 * act in a fresh env (`ml3 pg eval`) without the trainer.
 */
export interface PgPolicyFile {
  kind: 'ml3-pg-policy';
  envId: string;
  actorSpec: MlpSpec;
  actorParams: { shape: number[]; values: number[] }[];
  /** [act], or with gSDE [hidden × act] row-major. */
  logStd: number[];
  /** Whether the policy explores with gSDE (absent in files written before it existed: false). */
  sde?: boolean;
  /**
   * The action bounds when the policy's actions are tanh-squashed onto them (`squash` runs;
   * absent: the Gaussian's actions as they are, for the env to clip).
   */
  squash?: SquashBounds;
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
  private readonly net: CpuMlp;
  private readonly scale: Float32Array;
  private tape: MlpTape;

  constructor(readonly file: PgPolicyFile) {
    if (file?.kind !== 'ml3-pg-policy')
      throw new RangeError('not a policy file: expected kind "ml3-pg-policy"');
    const sizes = file.actorSpec?.sizes;
    if (
      !Array.isArray(sizes) ||
      sizes.length < 2 ||
      !sizes.every((n) => Number.isInteger(n) && n > 0)
    )
      throw new RangeError('policy file: actorSpec.sizes is malformed');
    const O = sizes[0]!;
    const A = sizes.at(-1)!;
    const logStdSize = file.sde ? (sizes.at(-2) ?? O) * A : A;
    const finite = (xs: unknown, n: number) =>
      Array.isArray(xs) && xs.length === n && xs.every((x) => Number.isFinite(x));
    if (!finite(file.obsMean, O) || !finite(file.obsVar, O) || !finite(file.logStd, logStdSize))
      throw new RangeError(
        `policy file: obsMean/obsVar (${O} each) or logStd (${logStdSize}) have the wrong size or non-finite values`,
      );
    const sq = file.squash;
    if (
      sq !== undefined &&
      !(finite(sq?.low, A) && finite(sq?.high, A) && sq.low.every((lo, i) => lo < sq.high[i]!))
    )
      throw new RangeError(
        `policy file: squash must hold finite low < high bounds of ${A} numbers each`,
      );
    const layers = sizes.length - 1;
    const params = file.actorParams;
    if (!Array.isArray(params) || params.length !== 2 * layers)
      throw new RangeError(`policy file: actorParams must hold ${2 * layers} tensors`);
    const read = (k: number, shape: number[]) => {
      const p = params[k];
      if (
        p?.shape?.join() !== shape.join() ||
        !finite(
          p.values,
          shape.reduce((a, b) => a * b, 1),
        )
      )
        throw new RangeError(
          `policy file: actor tensor ${k} must have shape [${shape}] and finite values`,
        );
      return Float32Array.from(p.values);
    };
    this.net = {
      spec: file.actorSpec,
      weights: sizes.slice(1).map((n, l) => read(2 * l, [sizes[l]!, n])),
      biases: sizes.slice(1).map((n, l) => read(2 * l + 1, [n])),
    };
    this.tape = mlpTape(file.actorSpec, 1);
    this.scale = Float32Array.from(file.obsVar, (v) => 1 / Math.sqrt(v + 1e-8));
  }

  /**
   * Actions for raw observations [B × obs] (row-major): means, or samples with `rng` (Gaussian
   * noise, or with gSDE latent(s)·E with E drawn per call), tanh-squashed onto the bounds when
   * the policy was trained so.
   */
  act(obs: ArrayLike<number>, rng?: RNG): Float32Array {
    const sizes = this.file.actorSpec.sizes;
    const O = sizes[0]!;
    const A = sizes.at(-1)!;
    const B = obs.length / O;
    if (!Number.isInteger(B) || B < 1)
      throw new RangeError(`observations must hold a multiple of ${O} numbers, got ${obs.length}`);
    const x = new Float32Array(obs.length);
    for (let i = 0; i < obs.length; i++) {
      const z = (obs[i]! - this.file.obsMean[i % O]!) * this.scale[i % O]!;
      x[i] = Math.min(Math.max(z, -OBS_CLIP), OBS_CLIP);
    }
    if (this.tape.outputs[0]!.length < B * sizes[1]!) this.tape = mlpTape(this.file.actorSpec, B);
    const out = Float32Array.from(cpuMlpForward(this.net, x, B, this.tape).subarray(0, B * A));
    if (rng) {
      const ls = this.file.logStd;
      if (this.file.sde) {
        const H = ls.length / A;
        const latent = this.tape.outputs[sizes.length - 3] ?? this.tape.input;
        const E = Float64Array.from(ls, (l) => Math.exp(l) * rng.normal());
        for (let b = 0; b < B; b++)
          for (let k = 0; k < A; k++)
            for (let h = 0; h < H; h++) out[b * A + k] += latent[b * H + h]! * E[h * A + k]!;
      } else {
        for (let i = 0; i < out.length; i++) out[i] = out[i]! + Math.exp(ls[i % A]!) * rng.normal();
      }
    }
    return this.file.squash ? squashActions(out, this.file.squash, out) : out;
  }

  /** Nothing to free (kept so callers written for the tfjs version still work). */
  dispose(): void {}
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
