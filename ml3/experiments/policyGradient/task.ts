/**
 * Model-free ML3: a learned *policy* loss M_φ whose gradient trains a Gaussian policy from its own
 * trajectories, meta-trained so that one step on it improves the true return (the authors never
 * released this part; the design is ours, documented here).
 *
 * Per-step features of M_φ, for step t of an episode of π_θ:
 *   context (detached): the observation (scaled), the sampled action a_t, the reward r_t, the
 *     normalised advantage Â_t (discounted return-to-go minus the per-task, per-step mean over the
 *     task's episodes, divided by the task's std), and the time t/H;
 *   policy statistics (carry θ): the mean action μ_θ(s_t) and log π_θ(a_t | s_t).
 * M_φ is an MLP N_φ (softplus hidden, linear output) over those features, optionally on top of a
 * fixed base: with `base: 'reinforce'`, M_φ = −Â log π_θ + N_φ (N_φ's output layer starts at zero,
 * so meta-training starts from REINFORCE and learns a correction; with `base: 'none'`, M_φ = N_φ
 * is learned from scratch). The policy descends the masked mean of M_φ over its steps. Gradients
 * reach θ through μ_θ and log π_θ only; the env is a black box.
 *
 *   inner:  θ' = θ − α ∇θ mean_t M_φ(features_t(θ))          on trajectories of π_θ
 *   outer:  L_T(θ') = −mean_t Â'_t log π_θ'(a'_t | s'_t)      on fresh trajectories of π_θ'
 * The outer advantages Â' come from the true reward, or (extra information, paper IV.B) from a
 * shaped reward that leads through an intermediate goal. Tasks (reacher targets, car start
 * positions) are batched: G policies, one per task, K episodes each, stepped in lockstep with one
 * forward pass per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initMlp, type MlpSpec, mlp, type Params, rolloutLockstep } from '../../../agents/index.js';
import { type Env, make, type RNG } from '../../../envs/index.js';
import { initLearnedLoss, type LearnedLossSpec } from '../../learnedLoss.js';
import { sampleFingertipGoal } from '../reacher/goals.js';

/** A family of tasks for model-free ML3: an env, how a task is drawn, and its extra information. */
export interface PgTask {
  readonly name: 'reacher' | 'car';
  readonly envId: string;
  /** Steps per episode. */
  readonly horizon: number;
  readonly obsSize: number;
  readonly actSize: number;
  /** Observations are divided by this before the policy and M_φ. */
  readonly obsScale: readonly number[];
  /** Rewards are divided by this in M_φ's input. */
  readonly rewardScale: number;
  /** Discount of the returns-to-go. */
  readonly gamma: number;
  /**
   * Std of the Gaussian policy: fixed (log π is then a function of μ_θ alone), or, with
   * {@link PgTask.learnStd}, the initial value of a learned one.
   */
  readonly actionStd: number;
  /**
   * Whether each policy learns a state-independent σ per action dimension (the last tensor of θ,
   * [G, 1, A], a logit of log σ within {@link PG_LOG_STD_RANGE}, starting at `actionStd`) instead
   * of keeping σ fixed; every method of the comparison then learns it.
   */
  readonly learnStd?: boolean;
  /** Reset options of one task (a reacher target, a car start position). */
  sampleTask(rng: RNG): Record<string, unknown>;
  /** Extra information for the outer loss: a shaped reward for step t reaching `obs`. */
  readonly shapedReward?: (obs: ArrayLike<number>, t: number) => number;
}

/** Reacher targets, 50-step episodes (Reacher-v5's). */
export const REACHER_PG_TASK: PgTask = {
  name: 'reacher',
  envId: 'rapier/Reacher-v1',
  horizon: 50,
  obsSize: 10,
  actSize: 2,
  obsScale: [1, 1, 1, 1, 0.2, 0.2, 10, 10, 0.2, 0.2],
  rewardScale: 0.2,
  gamma: 0.99,
  // The control cost is −Σa² per step: σ = 0.5 would cost ≈ 25 per episode in noise alone.
  actionStd: 0.2,
  sampleTask: (rng) => ({ goal: sampleFingertipGoal(rng) }),
};

/** Where the car's intermediate goal lies (the left hill, as in the model-based car experiment). */
export const CAR_INTERMEDIATE_X = -0.93;
/** Steps during which the shaped car reward pulls toward the intermediate goal. */
export const CAR_INTERMEDIATE_STEPS = 80;

/**
 * The Rapier car from a start position in [−0.6, −0.4], 200-step episodes. The extra information
 * rewards closeness to the left hill for the first 80 steps, then to the goal (x = 0.45).
 */
export const CAR_PG_TASK: PgTask = {
  name: 'car',
  envId: 'rapier/MountainCarContinuous-v0',
  horizon: 200,
  obsSize: 2,
  actSize: 1,
  obsScale: [1, 0.07],
  rewardScale: 10,
  gamma: 0.99,
  actionStd: 0.5,
  sampleTask: (rng) => {
    const x = rng.uniform(-0.6, -0.4);
    return { low: x, high: x };
  },
  shapedReward: (obs, t) =>
    -Math.abs(obs[0]! - (t < CAR_INTERMEDIATE_STEPS ? CAR_INTERMEDIATE_X : 0.45)),
};

/** The task with the policies' σ learned (`learn`) or fixed at `actionStd`. */
export function withLearnedStd(task: PgTask, learn: boolean): PgTask {
  return { ...task, learnStd: learn };
}

/**
 * The range of a learned log σ: log σ = lo + (hi − lo)·sigmoid(ρ), σ ∈ [0.05, 1]. The floor keeps
 * the policy gradient's 1/σ factor, and so every inner step, bounded: with log σ = ρ unbounded,
 * seed 0's meta-training diverged by iteration 60, and with clipped inner steps it drove σ to
 * 0.008 by iteration 100 (2026-12-03, docs/ml3.md). The ceiling is the action range.
 */
export const PG_LOG_STD_RANGE = Object.freeze([Math.log(0.05), 0] as const);

/** The logit ρ of a learned σ (inverse of the map in {@link policyParts}). */
export function stdLogit(sigma: number): number {
  const [lo, hi] = PG_LOG_STD_RANGE;
  const u = (Math.log(sigma) - lo) / (hi - lo);
  return Math.log(u / (1 - u));
}

/**
 * θ's parts: the mean network's parameters and log σ ([G, 1, A], computed from θ's last tensor,
 * when learned; else the task's fixed log σ as a number). Call it inside a tidy.
 */
export function policyParts(
  task: PgTask,
  theta: readonly tf.Tensor[],
): { net: readonly tf.Tensor[]; logStd: tf.Tensor | number } {
  if (!task.learnStd) return { net: theta, logStd: Math.log(task.actionStd) };
  const [lo, hi] = PG_LOG_STD_RANGE;
  return {
    net: policyNet(task, theta),
    logStd: tf
      .sigmoid(theta.at(-1)!)
      .mul(hi - lo)
      .add(lo),
  };
}

/** The mean network's parameters of θ (all of θ but a learned σ's logit). */
export function policyNet(task: PgTask, theta: readonly tf.Tensor[]): readonly tf.Tensor[] {
  return task.learnStd ? theta.slice(0, -1) : theta;
}

/** The policy's mean network: scaled obs → 32 → 32 → actions, tanh hidden (second-order safe). */
export function pgPolicySpec(task: PgTask): MlpSpec {
  return {
    sizes: [task.obsSize, 32, 32, task.actSize],
    activation: 'tanh',
    outputActivation: 'identity',
    bias: true,
  };
}

/** M_φ's features (see the file header), in order. */
export function pgLossSpec(task: PgTask): LearnedLossSpec {
  const names = [
    ...Array.from({ length: task.obsSize }, (_, i) => `obs${i}`),
    ...Array.from({ length: task.actSize }, (_, i) => `a${i}`),
    'reward',
    'advantage',
    'time',
    ...Array.from({ length: task.actSize }, (_, i) => `mu${i}`),
    'logProb',
    // A learned σ is a policy statistic too: M_φ can then shape exploration directly.
    ...(task.learnStd ? Array.from({ length: task.actSize }, (_, i) => `logStd${i}`) : []),
  ];
  return {
    inputs: names,
    inputScale: names.map(() => 1), // features are scaled where they are built
    hidden: [64, 64],
    // Smooth: the inner step follows ∂M/∂μ, and with ReLU that is piecewise constant in φ, so
    // hidden biases would get no meta-gradient (they only move kinks) and FD checks break.
    activation: 'softplus',
    outputActivation: 'identity',
    bias: true,
  };
}

/**
 * Initial φ: Xavier hidden layers and a zero output layer, so M_φ starts flat — its first inner
 * steps leave the policies alone instead of pushing them in random directions — while the
 * meta-gradient of the output layer is nonzero from the start.
 */
export function initPgLoss(task: PgTask, rng: RNG): Params {
  const phi = initLearnedLoss(pgLossSpec(task), rng);
  const w = phi.length - 2;
  const zero = tf.zerosLike(phi[w]!);
  phi[w]!.dispose();
  phi[w] = zero;
  return phi;
}

/**
 * G fresh policies (batched θ), their mean actions near 0 (last layer scaled by 0.1); with a
 * learned σ, log σ = log `actionStd` is appended.
 */
export function initPgPolicies(task: PgTask, count: number, rng: RNG): Params {
  const params = initMlp(pgPolicySpec(task), rng, { batch: count });
  const last = params.length - 2;
  const scaled = params[last]!.mul(0.1);
  params[last]!.dispose();
  params[last] = scaled;
  if (task.learnStd) params.push(tf.fill([count, 1, task.actSize], stdLogit(task.actionStd)));
  return params;
}

/** Recorded episodes of G tasks × K episodes, row-major [G, K, H, …]. */
export interface PgRollouts {
  /** Observations the actions were taken in, scaled. */
  obs: Float32Array;
  /** Sampled (unclipped) actions. */
  actions: Float32Array;
  rewards: Float32Array;
  /** 1 while the episode runs, 0 after it terminated. */
  mask: Float32Array;
  /** Normalised advantages from the true rewards. */
  advantages: Float32Array;
  /** Normalised advantages from the shaped reward (extra information), when the task has one. */
  shapedAdvantages?: Float32Array;
  /** Undiscounted true return of each episode [G, K]. */
  returns: Float64Array;
  /** Whether each episode terminated (the car reached its goal) [G, K]. */
  terminated: Uint8Array;
  tasks: number;
  episodesPerTask: number;
}

/** The G·K envs of a batch of tasks, made once and reset per rollout. */
export function makePgEnvs(task: PgTask, count: number): Env[] {
  return Array.from({ length: count }, () => make(task.envId));
}

/**
 * Runs K episodes of each of G policies on its task, all G·K envs in lockstep (one batched
 * forward pass per step). Actions are μ_θ(s) + σ ε (ε from `rng`), clipped to [−1, 1] for the env.
 */
export function rolloutPgPolicies(
  task: PgTask,
  envs: readonly Env[],
  theta: readonly tf.Tensor[],
  taskOptions: readonly Record<string, unknown>[],
  episodesPerTask: number,
  rng: RNG,
): PgRollouts {
  const G = taskOptions.length;
  const K = episodesPerTask;
  const { horizon: H, obsSize: O, actSize: A } = task;
  if (envs.length !== G * K)
    throw new RangeError(`need ${G * K} envs for ${G} tasks × ${K} episodes, got ${envs.length}`);
  const obs = new Float32Array(G * K * H * O);
  const actions = new Float32Array(G * K * H * A);
  const rewards = new Float32Array(G * K * H);
  const mask = new Float32Array(G * K * H);
  const shaped = task.shapedReward ? new Float32Array(G * K * H) : undefined;
  const returns = new Float64Array(G * K);
  const terminated = new Uint8Array(G * K);
  const scaled = new Float32Array(O);
  const clipped = new Float32Array(G * K * A);
  const noise = new Float32Array(G * K * A);
  // σ per env and action dimension (θ is fixed for the whole rollout).
  const sigma = new Float64Array(G * K * A).fill(task.actionStd);
  if (task.learnStd) {
    const perTask = tf.tidy(
      () => (policyParts(task, theta).logStd as tf.Tensor).exp().dataSync() as Float32Array,
    );
    for (let e = 0; e < G * K; e++)
      for (let k = 0; k < A; k++) sigma[e * A + k] = perTask[Math.floor(e / K) * A + k]!;
  }
  const net = policyNet(task, theta);
  const resets = envs.map((_, e) => ({
    seed: rng.integers(2 ** 31),
    options: taskOptions[Math.floor(e / K)],
  }));
  rolloutLockstep({
    envs,
    resets,
    horizon: H,
    stateSize: O,
    actionSize: A,
    // The policy and M_φ see the observation divided by the task's scale.
    stateOf: (_env, o) => {
      for (let i = 0; i < O; i++) scaled[i] = (o as ArrayLike<number>)[i]! / task.obsScale[i]!;
      return scaled;
    },
    act: (now, t) => {
      for (let i = 0; i < noise.length; i++) noise[i] = rng.normal(0, sigma[i]);
      const mu = tf.tidy(
        () => mlp(net, tf.tensor3d(now, [G, K, O]), pgPolicySpec(task)).dataSync() as Float32Array,
      );
      for (let e = 0; e < G * K; e++) {
        if (terminated[e]) continue;
        const row = e * H + t;
        obs.set(now.subarray(e * O, (e + 1) * O), row * O);
        for (let k = 0; k < A; k++) {
          const sample = mu[e * A + k]! + noise[e * A + k]!;
          actions[row * A + k] = sample;
          clipped[e * A + k] = Math.min(1, Math.max(-1, sample));
        }
      }
      return clipped;
    },
    onStep: (e, t, step) => {
      const row = e * H + t;
      rewards[row] = step.reward;
      mask[row] = 1;
      returns[e] = returns[e]! + step.reward;
      if (shaped) shaped[row] = task.shapedReward!(step.observation as ArrayLike<number>, t);
      if (step.terminated) terminated[e] = 1;
    },
  });
  return {
    obs,
    actions,
    rewards,
    mask,
    advantages: normalisedAdvantages(rewards, mask, G, K, H, task.gamma),
    shapedAdvantages: shaped && normalisedAdvantages(shaped, mask, G, K, H, task.gamma),
    returns,
    terminated,
    tasks: G,
    episodesPerTask: K,
  };
}

/**
 * Discounted returns-to-go, minus the per-task, per-step mean over the task's K episodes (a
 * baseline), divided by the task's std over its live steps. Steps after termination get 0.
 */
export function normalisedAdvantages(
  rewards: ArrayLike<number>,
  mask: ArrayLike<number>,
  G: number,
  K: number,
  H: number,
  gamma: number,
): Float32Array {
  const togo = new Float64Array(G * K * H);
  for (let e = 0; e < G * K; e++) {
    let acc = 0;
    for (let t = H - 1; t >= 0; t--) {
      const i = e * H + t;
      acc = mask[i]! * (rewards[i]! + gamma * acc);
      togo[i] = acc;
    }
  }
  const out = new Float32Array(G * K * H);
  for (let g = 0; g < G; g++) {
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    for (let t = 0; t < H; t++) {
      let b = 0;
      for (let k = 0; k < K; k++) b += togo[(g * K + k) * H + t]!;
      b /= K;
      for (let k = 0; k < K; k++) {
        const i = (g * K + k) * H + t;
        if (!mask[i]) continue;
        const adv = togo[i]! - b;
        out[i] = adv;
        sum += adv;
        sumSq += adv * adv;
        n += 1;
      }
    }
    const std = n > 1 ? Math.sqrt(Math.max(sumSq / n - (sum / n) ** 2, 0)) : 1;
    for (let i = g * K * H; i < (g + 1) * K * H; i++) out[i] = out[i]! / (std + 1e-8);
  }
  return out;
}
