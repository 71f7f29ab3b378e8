/**
 * Policy-gradient agents after CleanRL's `ppo_continuous_action.py`: PPO with the clipped
 * surrogate, GAE, a value network and a Gaussian policy with a learned log-std; REINFORCE with a
 * value baseline shares the rollout code. Rollouts run on a vector env with one batched forward
 * pass per vector step.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Box,
  ClipAction,
  type Env,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  readBoxAction,
  TransformAction,
  TransformObservation,
  TransformReward,
} from '../envs/index.js';
import { squashActions, squashBounds } from './squash.js';

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
  /** generalized State-Dependent Exploration (see `ActorCriticOptions.sde` in actorCritic.ts). */
  sde: boolean;
  /**
   * gSDE: draw new exploration matrices every this many steps; −1 = once per rollout (SB3);
   * 0 = per env when its episode starts (held for the whole episode).
   */
  sdeSampleFreq: number;
  /**
   * Squash actions with tanh onto the action space's bounds (SB3's `squash_output`; see
   * `squash.ts`): the Gaussian is over pre-squash actions u, whose log-probabilities and entropy
   * the update uses (tanh's Jacobian cancels in PPO's ratio, since u is stored).
   */
  squash: boolean;
  /** Initial log-std. */
  logStdInit: number;
  /**
   * Floor of the learned log-std (every entry, gSDE's too), applied after each Adam step, so the
   * policy's exploration cannot collapse below exp(floor); −20 is no floor in practice.
   */
  logStdMin: number;
  /**
   * Where a ceiling on the learned log-std ends (every entry, gSDE's too): it stays at
   * `logStdInit` until `logStdDecayStart` of the updates are done, then falls linearly to this
   * value after the last, applied after each Adam step, so exploration narrows on a schedule once
   * it has found what it can (DDPG/TD3's noise decay). 20 (or anything ≥ `logStdInit`) is no
   * ceiling.
   */
  logStdEnd: number;
  /** Fraction of the updates (in [0, 1)) before the log-std ceiling starts to fall. */
  logStdDecayStart: number;
  /**
   * What else the ceiling's fall waits for: nothing (`schedule`), or (`return`) the first update
   * whose mean training episodic return reaches `logStdDecayReturn`: the noise narrows once the
   * stochastic policy solves the task in most episodes, not at a fixed time, so a seed that finds
   * the goal late keeps its exploration until it does (and one that never does, all along).
   */
  logStdDecayTrigger: 'schedule' | 'return';
  /** The training return that starts the fall with `logStdDecayTrigger: 'return'`. */
  logStdDecayReturn: number;
  /** Orthogonal init (CleanRL) or PyTorch's default init (`ortho_init=False`). */
  orthoInit: boolean;
  /**
   * Add γ·V(final obs) to the reward where a time limit truncated the episode (SB3); CleanRL
   * treats truncation as termination.
   */
  bootstrapTruncation: boolean;
  /** Clip actions to the action space before the env (see {@link PgWrapperOptions}). */
  clipActions: boolean;
  /** Normalise observations (see {@link PgWrapperOptions}). */
  normObs: boolean;
  /** Normalise rewards (see {@link PgWrapperOptions}). */
  normReward: boolean;
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
  sde: false,
  sdeSampleFreq: -1,
  squash: false,
  logStdInit: 0,
  logStdMin: -20,
  logStdEnd: 20,
  logStdDecayStart: 0,
  logStdDecayTrigger: 'schedule',
  logStdDecayReturn: 0,
  orthoInit: true,
  bootstrapTruncation: false,
  clipActions: true,
  normObs: true,
  normReward: true,
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

/** One logged update. */
export type PgMetrics = Record<string, number>;

/** Observations are clipped to ±this after normalisation (CleanRL's wrapper stack). */
export const OBS_CLIP = 10;
/** Rewards are clipped to ±this after normalisation (CleanRL's wrapper stack). */
export const REWARD_CLIP = 10;

/** Which parts of CleanRL's wrapper stack {@link wrapForPolicyGradient} applies. */
export interface PgWrapperOptions {
  /** ClipAction before the env (CleanRL, SB3); off, the env gets the sampled action as it is. */
  clipActions: boolean;
  /** NormalizeObservation (running mean and variance), then the ±10 clip. */
  normObs: boolean;
  /** NormalizeReward (running variance of the discounted return), then the ±10 clip. */
  normReward: boolean;
  /** tanh-squash actions onto the bounds before ClipAction (see `squash.ts`); default off. */
  squash?: boolean;
}

/**
 * CleanRL's wrapper stack for continuous control: RecordEpisodeStatistics → ClipAction →
 * NormalizeObservation → clip ±10 → NormalizeReward → clip ±10, each part optional, and the
 * policy's actions optionally tanh-squashed onto the bounds before all of it. Without
 * ClipAction the Rapier envs clamp the action for the motors and charge the control cost on it
 * as sent, so a mean beyond the bounds costs reward instead of vanishing into the clip.
 */
export function wrapForPolicyGradient(
  env: Env,
  gamma: number,
  options: PgWrapperOptions = { clipActions: true, normObs: true, normReward: true },
): Env {
  let e: Env = new RecordEpisodeStatistics(env);
  if (options.clipActions) e = new ClipAction(e as never) as unknown as Env;
  if (options.squash) {
    const bounds = squashBounds(env.actionSpace);
    const size = bounds.low.length;
    const space = new Box(-Infinity, Infinity, [size], 'float32');
    e = new TransformAction(
      e,
      (u: unknown) =>
        squashActions(readBoxAction(space, u, 'squashed actions'), bounds, new Float32Array(size)),
      space,
    ) as unknown as Env;
  }
  if (options.normObs) e = new NormalizeObservation(e as never) as unknown as Env;
  e = new TransformObservation(
    e as Env<Float32Array, unknown>,
    (o: Float32Array) => o.map((v) => Math.min(Math.max(v, -OBS_CLIP), OBS_CLIP)),
    e.observationSpace as never,
  ) as unknown as Env;
  if (options.normReward) e = new NormalizeReward(e, gamma);
  return new TransformReward(e, (r) => Math.min(Math.max(r, -REWARD_CLIP), REWARD_CLIP));
}

/** Scales gradients so their global norm is at most `maxNorm` (torch's clip_grad_norm_). */
export function globalNormClip(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum())));
  const scale = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(norm.add(1e-6)));
  return grads.map((g) => g.mul(scale));
}
