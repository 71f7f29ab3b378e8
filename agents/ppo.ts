/**
 * Policy-gradient agents after CleanRL's `ppo_continuous_action.py`: PPO with the clipped
 * surrogate, GAE, a value network and a Gaussian policy with a learned log-std; REINFORCE with a
 * value baseline shares the rollout code. Rollouts run on a vector env with one batched forward
 * pass per vector step.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ClipAction,
  type Env,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  type RNG,
  TransformObservation,
  TransformReward,
} from '../envs/index.js';
import { type CpuMlp, readMlp } from './nn/cpuMlp.js';
import { type MlpSpec, mlp, type Params } from './nn/mlp.js';

/** Settings of {@link trainPolicyGradient} (defaults: CleanRL's ppo_continuous_action). */
export interface PgArgs {
  /** `ppo` (clipped surrogate, minibatch epochs) or `reinforce` (one gradient step per rollout). */
  algo: 'ppo' | 'reinforce';
  /** Env steps in all (summed over envs). */
  totalTimesteps: number;
  /** Parallel envs of the rollout. */
  numEnvs: number;
  /** Steps per env per rollout. */
  numSteps: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Anneal the learning rate linearly to 0. */
  annealLr: boolean;
  /** Discount γ. */
  gamma: number;
  /** GAE λ (PPO; REINFORCE uses λ = 1: Monte-Carlo returns minus the baseline). */
  gaeLambda: number;
  /** Minibatches per epoch (PPO). */
  numMinibatches: number;
  /** Epochs per rollout (PPO). */
  updateEpochs: number;
  /** Normalise advantages per minibatch. */
  normAdv: boolean;
  /** Surrogate clipping coefficient ε. */
  clipCoef: number;
  /** Clip the value loss as CleanRL does. */
  clipVloss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Hidden layer sizes of the actor and the critic. */
  hidden: number[];
}

/** CleanRL's ppo_continuous_action defaults. */
export const PG_DEFAULTS: Readonly<PgArgs> = Object.freeze({
  algo: 'ppo',
  totalTimesteps: 1_000_000,
  numEnvs: 1,
  numSteps: 2048,
  learningRate: 3e-4,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 32,
  updateEpochs: 10,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  hidden: [64, 64],
});

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 11–16), CleanRL's form. Arrays are
 * [T × N] row-major (step-major); `dones[t]` flags that obs t starts a new episode.
 * @returns advantages and returns (= advantages + values), [T × N]
 */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  dones: ArrayLike<number>,
  nextValue: ArrayLike<number>,
  nextDone: ArrayLike<number>,
  numEnvs: number,
  gamma: number,
  lambda: number,
): { advantages: Float64Array; returns: Float64Array } {
  const T = rewards.length / numEnvs;
  const advantages = new Float64Array(rewards.length);
  for (let e = 0; e < numEnvs; e++) {
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nonTerminal = t === T - 1 ? 1 - nextDone[e]! : 1 - dones[i + numEnvs]!;
      const nextV = t === T - 1 ? nextValue[e]! : values[i + numEnvs]!;
      const delta = rewards[i]! + gamma * nextV * nonTerminal - values[i]!;
      last = delta + gamma * lambda * nonTerminal * last;
      advantages[i] = last;
    }
  }
  const returns = advantages.map((a, i) => a + values[i]!);
  return { advantages, returns };
}

/**
 * Log-density of a diagonal Gaussian N(mean, exp(logStd)²), summed over the last (action) axis:
 * [...]. `logStd` broadcasts: a learned tensor (PPO) or a fixed number (model-free ML3).
 */
export function gaussianLogProb(
  actions: tf.Tensor,
  mean: tf.Tensor,
  logStd: tf.Tensor | number,
): tf.Tensor {
  if (typeof logStd === 'number') logStd = tf.scalar(logStd);
  const z = actions.sub(mean).div(logStd.exp());
  return z
    .square()
    .mul(-0.5)
    .sub(logStd)
    .sub(0.5 * Math.log(2 * Math.PI))
    .sum(-1);
}

/**
 * PPO's clipped surrogate (eq. 7 of Schulman et al. 2017) as a loss: mean of
 * max(−A·r, −A·clip(r, 1 ± ε)) with r = exp(log π_new − log π_old).
 */
export function ppoClipLoss(
  newLogProb: tf.Tensor,
  oldLogProb: tf.Tensor,
  advantages: tf.Tensor,
  clipCoef: number,
): { pgLoss: tf.Scalar; logRatio: tf.Tensor; ratio: tf.Tensor } {
  const logRatio = newLogProb.sub(oldLogProb);
  const ratio = logRatio.exp();
  const pg1 = advantages.neg().mul(ratio);
  const pg2 = advantages.neg().mul(ratio.clipByValue(1 - clipCoef, 1 + clipCoef));
  return { pgLoss: tf.maximum(pg1, pg2).mean() as tf.Scalar, logRatio, ratio };
}

/**
 * PPO's losses ({@link ppoClipLoss} and CleanRL's clipped value loss) for one minibatch.
 */
export function ppoLosses(
  newLogProb: tf.Tensor,
  oldLogProb: tf.Tensor,
  advantages: tf.Tensor,
  newValue: tf.Tensor,
  oldValue: tf.Tensor,
  returns: tf.Tensor,
  clipCoef: number,
  clipVloss: boolean,
): { pgLoss: tf.Scalar; vLoss: tf.Scalar; approxKl: tf.Scalar; clipFrac: tf.Scalar } {
  const { pgLoss, logRatio, ratio } = ppoClipLoss(newLogProb, oldLogProb, advantages, clipCoef);
  let vLoss: tf.Scalar;
  if (clipVloss) {
    const unclipped = newValue.sub(returns).square();
    const clipped = oldValue
      .add(newValue.sub(oldValue).clipByValue(-clipCoef, clipCoef))
      .sub(returns)
      .square();
    vLoss = tf.maximum(unclipped, clipped).mean().mul(0.5) as tf.Scalar;
  } else {
    vLoss = newValue.sub(returns).square().mean().mul(0.5) as tf.Scalar;
  }
  const approxKl = ratio.sub(1).sub(logRatio).mean() as tf.Scalar; // k3 estimator (CleanRL)
  const clipFrac = ratio.sub(1).abs().greater(clipCoef).cast('float32').mean() as tf.Scalar;
  return { pgLoss, vLoss, approxKl, clipFrac };
}

/** Orthogonal [rows, cols] matrix times `gain` (Gram–Schmidt on Gaussian draws), as torch's orthogonal_. */
export function orthogonal(rows: number, cols: number, gain: number, rng: RNG): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // m orthonormal vectors of length n
  const vs: Float64Array[] = [];
  while (vs.length < m) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const u of vs) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i]! * u[i]!;
      for (let i = 0; i < n; i++) v[i] = v[i]! - d * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm < 1e-8) continue;
    vs.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      out[r * cols + c] = gain * (rows >= cols ? vs[c]![r]! : vs[r]![c]!);
  }
  return out;
}

/** The actor-critic of CleanRL's agent: tanh MLPs, orthogonal init, a state-independent log-std. */
export class ActorCritic {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  /** [actor params…, critic params…, logStd]. */
  params: Params;

  constructor(obsSize: number, actSize: number, hidden: readonly number[], rng: RNG) {
    this.actorSpec = {
      sizes: [obsSize, ...hidden, actSize],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    };
    this.criticSpec = {
      sizes: [obsSize, ...hidden, 1],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    };
    const layers = (spec: MlpSpec, outGain: number) =>
      spec.sizes.slice(0, -1).flatMap((fanIn, l) => {
        const fanOut = spec.sizes[l + 1]!;
        const gain = l === spec.sizes.length - 2 ? outGain : Math.SQRT2;
        return [
          tf.tensor2d(orthogonal(fanIn, fanOut, gain, rng), [fanIn, fanOut]),
          tf.zeros([fanOut]),
        ];
      });
    this.params = [
      ...layers(this.actorSpec, 0.01),
      ...layers(this.criticSpec, 1),
      tf.zeros([actSize]),
    ];
  }

  /** The actor, critic and log-std as plain arrays, for acting without tfjs ops (rollouts). */
  readCpu(): { actor: CpuMlp; critic: CpuMlp; logStd: Float32Array } {
    const { a, c } = this.split;
    return {
      actor: readMlp(this.params.slice(0, a), this.actorSpec),
      critic: readMlp(this.params.slice(a, a + c), this.criticSpec),
      logStd: this.params[a + c]!.dataSync() as Float32Array,
    };
  }

  private get split() {
    const a = (this.actorSpec.sizes.length - 1) * 2;
    const c = (this.criticSpec.sizes.length - 1) * 2;
    return { a, c };
  }

  /** Action mean, log-std and value for observations [B, obs] under `params`. */
  forward(
    params: readonly tf.Tensor[],
    obs: tf.Tensor,
  ): { mean: tf.Tensor; logStd: tf.Tensor; value: tf.Tensor } {
    const { a, c } = this.split;
    return {
      mean: mlp(params.slice(0, a), obs, this.actorSpec),
      value: mlp(params.slice(a, a + c), obs, this.criticSpec).squeeze([1]),
      logStd: params[a + c]!,
    };
  }
}

/**
 * The update's objective on one minibatch: PPO's clipped losses (or REINFORCE's −log π·Â and a
 * value loss) minus the entropy bonus. `report` receives [policy loss, value loss, entropy,
 * approx KL, clip fraction], read inside the gradient (its tensors are freed when it returns).
 */
export function minibatchObjective(
  agent: ActorCritic,
  args: Readonly<PgArgs>,
  p: tf.Tensor[],
  mb: {
    obs: tf.Tensor;
    act: tf.Tensor;
    oldLogp: tf.Tensor;
    adv: tf.Tensor;
    ret: tf.Tensor;
    oldV: tf.Tensor;
  },
  report: (diagnostics: Float32Array | Int32Array | Uint8Array) => void,
): tf.Scalar {
  const f = agent.forward(p, mb.obs);
  const logp = gaussianLogProb(mb.act, f.mean, f.logStd);
  const ent = f.logStd.add(0.5 + 0.5 * Math.log(2 * Math.PI)).sum() as tf.Scalar;
  const losses =
    args.algo === 'ppo'
      ? ppoLosses(logp, mb.oldLogp, mb.adv, f.value, mb.oldV, mb.ret, args.clipCoef, args.clipVloss)
      : {
          // REINFORCE with a baseline: −log π(a|s)·(G − V(s)).
          pgLoss: logp.mul(mb.adv).mean().neg() as tf.Scalar,
          vLoss: f.value.sub(mb.ret).square().mean().mul(0.5) as tf.Scalar,
          approxKl: tf.scalar(0),
          clipFrac: tf.scalar(0),
        };
  report(tf.stack([losses.pgLoss, losses.vLoss, ent, losses.approxKl, losses.clipFrac]).dataSync());
  return losses.pgLoss.sub(ent.mul(args.entCoef)).add(losses.vLoss.mul(args.vfCoef)) as tf.Scalar;
}

/** One logged update. */
export type PgMetrics = Record<string, number>;

/** Observations are clipped to ±this after normalisation (CleanRL's wrapper stack). */
export const OBS_CLIP = 10;
/** Rewards are clipped to ±this after normalisation (CleanRL's wrapper stack). */
export const REWARD_CLIP = 10;

/** CleanRL's wrapper stack for continuous control. */
export function wrapForPolicyGradient(env: Env, gamma: number): Env {
  let e: Env = new RecordEpisodeStatistics(env);
  e = new ClipAction(e as never) as unknown as Env;
  e = new NormalizeObservation(e as never) as unknown as Env;
  e = new TransformObservation(
    e as Env<Float32Array, unknown>,
    (o: Float32Array) => o.map((v) => Math.min(Math.max(v, -OBS_CLIP), OBS_CLIP)),
    e.observationSpace as never,
  ) as unknown as Env;
  e = new NormalizeReward(e, gamma);
  return new TransformReward(e, (r) => Math.min(Math.max(r, -REWARD_CLIP), REWARD_CLIP));
}

/** Scales gradients so their global norm is at most `maxNorm` (torch's clip_grad_norm_). */
export function globalNormClip(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum())));
  const scale = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(norm.add(1e-6)));
  return grads.map((g) => g.mul(scale));
}
