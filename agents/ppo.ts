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
import type { CpuMlp } from './nn/cpuMlp.js';
import { type MlpSpec, mlp, paramCount } from './nn/mlp.js';
import { detach } from './nn/ops.js';

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
  /** generalized State-Dependent Exploration (see {@link ActorCriticOptions.sde}). */
  sde: boolean;
  /**
   * gSDE: draw new exploration matrices every this many steps; −1 = once per rollout (SB3);
   * 0 = per env when its episode starts (held for the whole episode).
   */
  sdeSampleFreq: number;
  /** Initial log-std. */
  logStdInit: number;
  /**
   * Floor of the learned log-std (every entry, gSDE's too), applied after each Adam step, so the
   * policy's exploration cannot collapse below exp(floor); −20 is no floor in practice.
   */
  logStdMin: number;
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
  logStdInit: 0,
  logStdMin: -20,
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

/** How an {@link ActorCritic} explores and starts. */
export interface ActorCriticOptions {
  /**
   * generalized State-Dependent Exploration (Raffin et al. 2022, SB3's `use_sde`, full_std): the
   * action noise is latent(s)·E with E [hidden × act] drawn from N(0, exp(logStd)²) per env, so
   * the log-std is a [hidden × act] matrix and the policy's std depends on the state.
   */
  sde: boolean;
  /** Initial log-std (CleanRL 0; RL Zoo's car −3.29). */
  logStdInit: number;
  /** CleanRL's orthogonal init (gains √2, 0.01 actor head, 1 critic head) or PyTorch's default. */
  orthoInit: boolean;
}

/** gSDE's variance floor (SB3's `epsilon`): var_j = Σ_i latent_i² σ_ij² + this. */
export const SDE_EPSILON = 1e-6;

/**
 * The actor-critic of CleanRL's agent: tanh MLPs and a learned log-std ([act], or [hidden × act]
 * with gSDE). Parameters live in one Float32Array (`theta`, the plain-JS trainer's working copy)
 * with per-tensor views; `tensors()` and `forward` give the same network in tfjs, the
 * differentiable reference the plain-JS gradient is tested against.
 */
export class ActorCritic {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly options: Readonly<ActorCriticOptions>;
  /** Shapes of [actor W, b, …, critic W, b, …, logStd]. */
  readonly shapes: number[][];
  /** Every parameter, flat, in the order of `shapes`. */
  readonly theta: Float32Array;
  /** One view into `theta` per entry of `shapes`. */
  readonly views: Float32Array[];
  /** The actor and critic on views into `theta` (they see every update). */
  readonly actor: CpuMlp;
  readonly critic: CpuMlp;

  constructor(
    obsSize: number,
    actSize: number,
    hidden: readonly number[],
    rng: RNG,
    options: Partial<ActorCriticOptions> = {},
  ) {
    this.options = { sde: false, logStdInit: 0, orthoInit: true, ...options };
    const spec = (out: number): MlpSpec => ({
      sizes: [obsSize, ...hidden, out],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    });
    this.actorSpec = spec(actSize);
    this.criticSpec = spec(1);
    const layerShapes = (s: MlpSpec) =>
      s.sizes.slice(0, -1).flatMap((fanIn, l) => [[fanIn, s.sizes[l + 1]!], [s.sizes[l + 1]!]]);
    const logStdShape = this.options.sde ? [hidden.at(-1) ?? obsSize, actSize] : [actSize];
    this.shapes = [...layerShapes(this.actorSpec), ...layerShapes(this.criticSpec), logStdShape];
    const sizes = this.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    this.theta = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    this.views = sizes.map((n) => {
      const v = this.theta.subarray(offset, offset + n);
      offset += n;
      return v;
    });
    const fill = (s: MlpSpec, first: number, outGain: number) => {
      for (let l = 0; l + 1 < s.sizes.length; l++) {
        const [fanIn, fanOut] = [s.sizes[l]!, s.sizes[l + 1]!];
        if (this.options.orthoInit) {
          const gain = l === s.sizes.length - 2 ? outGain : Math.SQRT2;
          this.views[first + 2 * l]!.set(orthogonal(fanIn, fanOut, gain, rng));
        } else {
          // torch.nn.Linear's default: weights and biases U(±1/√fan_in).
          const bound = 1 / Math.sqrt(fanIn);
          for (const k of [first + 2 * l, first + 2 * l + 1]) {
            const v = this.views[k]!;
            for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-bound, bound);
          }
        }
      }
    };
    const a = paramCount(this.actorSpec);
    fill(this.actorSpec, 0, 0.01);
    fill(this.criticSpec, a, 1);
    this.logStd.fill(this.options.logStdInit);
    const net = (s: MlpSpec, first: number): CpuMlp => ({
      spec: s,
      weights: s.sizes.slice(1).map((_, l) => this.views[first + 2 * l]!),
      biases: s.sizes.slice(1).map((_, l) => this.views[first + 2 * l + 1]!),
    });
    this.actor = net(this.actorSpec, 0);
    this.critic = net(this.criticSpec, a);
  }

  /** The log-std parameter ([act], or [hidden × act] row-major with gSDE), a view into `theta`. */
  get logStd(): Float32Array {
    return this.views[this.views.length - 1]!;
  }

  /** The parameters as new tfjs tensors (the caller disposes them). */
  tensors(): tf.Tensor[] {
    return this.views.map((v, i) => tf.tensor(v, this.shapes[i]));
  }

  /** Copies parameter values (in the order of `shapes`) into `theta`. */
  setParameters(values: readonly ArrayLike<number>[]): void {
    if (values.length !== this.views.length)
      throw new RangeError(`expected ${this.views.length} parameter tensors, got ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== this.views[i]!.length)
        throw new RangeError(
          `parameter ${i} holds ${v.length} values, expected ${this.views[i]!.length} (shape [${this.shapes[i]}])`,
        );
    });
    for (const [i, v] of values.entries()) this.views[i]!.set(v);
  }

  /**
   * Action mean, log-std ([act], or [B, act] with gSDE), value and the actor's last hidden
   * layer (gSDE's features) for observations [B, obs], under tfjs parameters `params` (the
   * layout of `tensors()`).
   */
  forward(
    params: readonly tf.Tensor[],
    obs: tf.Tensor,
  ): { mean: tf.Tensor; logStd: tf.Tensor; value: tf.Tensor; latent: tf.Tensor } {
    const a = paramCount(this.actorSpec);
    const c = paramCount(this.criticSpec);
    const trunk: MlpSpec = {
      ...this.actorSpec,
      sizes: this.actorSpec.sizes.slice(0, -1),
      outputActivation: this.actorSpec.activation,
    };
    const latent = mlp(params.slice(0, a - 2), obs, trunk);
    const mean = latent.matMul(params[a - 2]!).add(params[a - 1]!);
    const logStdParam = params[a + c]!;
    // gSDE (SB3, learn_features = False): the std reads the features but sends no gradient to them.
    const logStd = this.options.sde
      ? detach(latent).square().matMul(logStdParam.mul(2).exp()).add(SDE_EPSILON).log().mul(0.5)
      : logStdParam;
    return {
      mean,
      logStd,
      latent,
      value: mlp(params.slice(a, a + c), obs, this.criticSpec).squeeze([1]),
    };
  }
}

/**
 * The update's objective on one minibatch in tfjs: PPO's clipped losses (or REINFORCE's
 * −log π·Â and a value loss) minus the entropy bonus (mean over rows of the policy's entropy).
 * The trainer runs the same objective in plain JS (`ppoGradient.ts`); this differentiable form is
 * its reference. `report` receives [policy loss, value loss, entropy, approx KL, clip fraction].
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
  const ent = f.logStd
    .add(0.5 + 0.5 * Math.log(2 * Math.PI))
    .sum(-1)
    .mean() as tf.Scalar;
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

/** Which parts of CleanRL's wrapper stack {@link wrapForPolicyGradient} applies. */
export interface PgWrapperOptions {
  /** ClipAction before the env (CleanRL, SB3); off, the env gets the sampled action as it is. */
  clipActions: boolean;
  /** NormalizeObservation (running mean and variance), then the ±10 clip. */
  normObs: boolean;
  /** NormalizeReward (running variance of the discounted return), then the ±10 clip. */
  normReward: boolean;
}

/**
 * CleanRL's wrapper stack for continuous control: RecordEpisodeStatistics → ClipAction →
 * NormalizeObservation → clip ±10 → NormalizeReward → clip ±10, each part optional. Without
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
