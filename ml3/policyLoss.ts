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
import * as tf from '@tensorflow/tfjs';
import { initMlp, type MlpSpec, mlp, type Params } from '../agents/nn/mlp.js';
import { Adam } from '../agents/nn/optim.js';
import { ppoClipLoss } from '../agents/ppo.js';
import { type Env, make, type ResetArgs, type RNG } from '../envs/index.js';
import { initLearnedLoss, type LearnedLossSpec, learnedLossValues } from './learnedLoss.js';
import { metaGradient } from './metaStep.js';
import { sampleFingertipGoal } from './reacherTask.js';

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
  /** Std of the Gaussian policy (fixed, so log π is a function of μ_θ). */
  readonly actionStd: number;
  /** Reset options of one task (a reacher target, a car start position). */
  sampleTask(rng: RNG): Record<string, unknown>;
  /** Extra information for the outer loss: a shaped reward for step t reaching `obs`. */
  readonly shapedReward?: (obs: ArrayLike<number>, t: number) => number;
}

/** Reacher targets, 50-step episodes (Reacher-v5's). */
export const REACHER_PG_TASK: PgTask = {
  name: 'reacher',
  envId: 'rapier/Reacher-v0',
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

/** G fresh policies (batched θ), their mean actions near 0 (last layer scaled by 0.1). */
export function initPgPolicies(task: PgTask, count: number, rng: RNG): Params {
  const params = initMlp(pgPolicySpec(task), rng, { batch: count });
  const last = params.length - 2;
  const scaled = params[last]!.mul(0.1);
  params[last]!.dispose();
  params[last] = scaled;
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
  const now = new Float32Array(G * K * O);
  const setObs = (e: number, o: ArrayLike<number>) => {
    for (let i = 0; i < O; i++) now[e * O + i] = o[i]! / task.obsScale[i]!;
  };
  envs.forEach((env, e) => {
    const reset: ResetArgs = {
      seed: rng.integers(2 ** 31),
      options: taskOptions[Math.floor(e / K)],
    };
    setObs(e, env.reset(reset)[0] as ArrayLike<number>);
  });
  const a = new Float32Array(A);
  const noise = new Float32Array(G * K * A);
  for (let t = 0; t < H; t++) {
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal(0, task.actionStd);
    const mu = tf.tidy(
      () => mlp(theta, tf.tensor3d(now, [G, K, O]), pgPolicySpec(task)).dataSync() as Float32Array,
    );
    for (let e = 0; e < G * K; e++) {
      const row = e * H + t;
      if (terminated[e]) continue;
      obs.set(now.subarray(e * O, (e + 1) * O), row * O);
      for (let k = 0; k < A; k++) {
        const sample = mu[e * A + k]! + noise[e * A + k]!;
        actions[row * A + k] = sample;
        a[k] = Math.min(1, Math.max(-1, sample));
      }
      const [next, reward, term] = envs[e]!.step(a as never);
      rewards[row] = reward;
      mask[row] = 1;
      returns[e] = returns[e]! + reward;
      if (shaped) shaped[row] = task.shapedReward!(next as ArrayLike<number>, t);
      setObs(e, next as ArrayLike<number>);
      if (term) terminated[e] = 1;
    }
  }
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

/** Rollout arrays as tensors shaped [G, K·H, …] (built inside the caller's tidy). */
function rolloutTensors(task: PgTask, r: PgRollouts) {
  const G = r.tasks;
  const N = r.episodesPerTask * task.horizon;
  const mask = tf.tensor3d(r.mask, [G, N, 1]);
  return {
    obs: tf.tensor3d(r.obs, [G, N, task.obsSize]),
    actions: tf.tensor3d(r.actions, [G, N, task.actSize]),
    mask,
    count: mask.sum(1).maximum(1), // live steps per task, [G, 1]
    advantages: (shaped: boolean) =>
      tf.tensor3d(shaped && r.shapedAdvantages ? r.shapedAdvantages : r.advantages, [G, N, 1]),
  };
}

/** log N(a; μ, σ²) summed over action dims: [..., 1]. */
function logProb(actions: tf.Tensor, mu: tf.Tensor, std: number): tf.Tensor {
  const A = actions.shape.at(-1)!;
  return actions
    .sub(mu)
    .div(std)
    .square()
    .sum(-1, true)
    .mul(-0.5)
    .sub(A * (Math.log(std) + 0.5 * Math.log(2 * Math.PI)));
}

/** The policies' mean actions μ_θ(s) and log π_θ(a|s) on a rollout's steps: [G, N, A], [G, N, 1]. */
function policyLogProb(
  task: PgTask,
  theta: readonly tf.Tensor[],
  x: ReturnType<typeof rolloutTensors>,
): { mu: tf.Tensor; logp: tf.Tensor } {
  const mu = mlp(theta, x.obs, pgPolicySpec(task));
  return { mu, logp: logProb(x.actions, mu, task.actionStd) };
}

/** Σ over tasks of the masked mean over steps of `perStep` [G, N, 1]. */
function maskedMeanSum(perStep: tf.Tensor, mask: tf.Tensor, count: tf.Tensor): tf.Scalar {
  return perStep.mul(mask).sum(1).div(count).sum() as tf.Scalar;
}

/** The fixed part of a learned policy loss (see the file header). */
export type PgLossBase = 'none' | 'reinforce';

/** Σ over tasks of the mean of M_φ over the rollouts of π_θ (θ batched over the G tasks). */
export function learnedPolicyLoss(
  task: PgTask,
  theta: readonly tf.Tensor[],
  phi: readonly tf.Tensor[],
  r: PgRollouts,
  base: PgLossBase,
): tf.Scalar {
  const x = rolloutTensors(task, r);
  const G = r.tasks;
  const N = r.episodesPerTask * task.horizon;
  const { mu, logp } = policyLogProb(task, theta, x);
  const H = task.horizon;
  const time = tf
    .tensor1d(Float32Array.from({ length: N }, (_, i) => (i % H) / H))
    .reshape([1, N, 1])
    .tile([G, 1, 1]);
  const features = tf.concat(
    [
      x.obs,
      x.actions,
      tf.tensor3d(r.rewards, [G, N, 1]).div(task.rewardScale),
      x.advantages(false),
      time,
      mu,
      logp.div(10), // log-densities span tens of nats; keep the feature O(1)
    ],
    -1,
  );
  let perStep = learnedLossValues(phi, features, pgLossSpec(task));
  if (base === 'reinforce') perStep = perStep.sub(logp.mul(x.advantages(false)));
  return maskedMeanSum(perStep, x.mask, x.count);
}

/** REINFORCE's surrogate −Â log π_θ (Σ over tasks of the masked mean), Â true or shaped. */
export function reinforceLoss(
  task: PgTask,
  theta: readonly tf.Tensor[],
  r: PgRollouts,
  shaped = false,
): tf.Scalar {
  const x = rolloutTensors(task, r);
  const { logp } = policyLogProb(task, theta, x);
  return maskedMeanSum(logp.mul(x.advantages(shaped)).neg(), x.mask, x.count);
}

/** Result of one meta-training iteration. */
export interface PgMetaStepResult {
  /** L_T(θ') on the fresh rollouts. */
  taskLoss: number;
  /** ∇φ L_T (kept tensors; the caller disposes them). */
  grads: tf.Tensor[];
  /** θ' (kept, detached). */
  adapted: tf.Tensor[];
  before: PgRollouts;
  after: PgRollouts;
}

/**
 * One ML3 meta-training iteration on G tasks: episodes of π_θ, one differentiable inner step on
 * M_φ, fresh episodes of π_θ', and ∇φ of the PG surrogate of θ' (shaped with `extra`).
 */
export function pgMetaStep(args: {
  task: PgTask;
  envs: readonly Env[];
  phi: readonly tf.Tensor[];
  theta: readonly tf.Tensor[];
  taskOptions: readonly Record<string, unknown>[];
  episodesPerTask: number;
  innerLr: number;
  base: PgLossBase;
  extra: boolean;
  rng: RNG;
}): PgMetaStepResult {
  const { task, phi, theta, innerLr } = args;
  const before = rolloutPgPolicies(
    task,
    args.envs,
    theta,
    args.taskOptions,
    args.episodesPerTask,
    args.rng,
  );
  // θ' as values, to collect its fresh episodes; metaGradient recomputes it differentiably.
  const thetaNew = tf.tidy(() => {
    const g = tf.grads((...th: tf.Tensor[]) => learnedPolicyLoss(task, th, phi, before, args.base))(
      [...theta],
    );
    return theta.map((t, i) => t.sub(g[i]!.mul(innerLr)));
  });
  const after = rolloutPgPolicies(
    task,
    args.envs,
    thetaNew,
    args.taskOptions,
    args.episodesPerTask,
    args.rng,
  );
  for (const t of thetaNew) t.dispose();
  const result = metaGradient({
    phi: [...phi],
    theta0: [...theta],
    innerSteps: 1,
    innerLr,
    innerLoss: (th, ph) => learnedPolicyLoss(task, th, ph, before, args.base),
    taskLoss: (th) => reinforceLoss(task, th, after, args.extra),
  });
  return { ...result, before, after };
}

/** How a fresh policy is trained at meta-test. */
export type PgTestMethod =
  | { kind: 'learned'; phi: readonly tf.Tensor[]; base: PgLossBase; lr: number }
  | { kind: 'reinforce'; lr: number; optimizer: 'sgd' | 'adam' }
  | { kind: 'ppo'; lr: number; epochs: number; clipCoef: number };

/** Mean true episode return (and goal-reaching fraction) of each iteration of a meta-test run. */
export interface PgTestCurve {
  /** Env steps used before iteration i's episodes were collected. */
  envSteps: number[];
  meanReturn: number[];
  terminatedFraction: number[];
}

/**
 * Meta-test (Algorithm 2, model-free): G fresh policies, one per held-out task, each trained for
 * `iterations` rounds of K episodes with `method`'s loss only. Every method sees the same number
 * of env steps per iteration.
 */
export function trainPgPolicies(args: {
  task: PgTask;
  method: PgTestMethod;
  taskOptions: readonly Record<string, unknown>[];
  episodesPerTask: number;
  iterations: number;
  initRng: RNG;
  rng: RNG;
}): PgTestCurve {
  const { task, method, taskOptions } = args;
  const G = taskOptions.length;
  const K = args.episodesPerTask;
  const envs = makePgEnvs(task, G * K);
  let theta = initPgPolicies(task, G, args.initRng);
  const adam =
    method.kind === 'ppo' || (method.kind === 'reinforce' && method.optimizer === 'adam')
      ? new Adam(theta, method.lr)
      : undefined;
  const curve: PgTestCurve = { envSteps: [], meanReturn: [], terminatedFraction: [] };
  let envSteps = 0;
  try {
    for (let it = 0; it <= args.iterations; it++) {
      const r = rolloutPgPolicies(task, envs, theta, taskOptions, K, args.rng);
      curve.envSteps.push(envSteps);
      curve.meanReturn.push(r.returns.reduce((s, v) => s + v, 0) / r.returns.length);
      curve.terminatedFraction.push(r.terminated.reduce((s, v) => s + v, 0) / r.terminated.length);
      envSteps += r.mask.reduce((s, v) => s + v, 0);
      if (it === args.iterations) break; // the last rollout only measures
      const epochs = method.kind === 'ppo' ? method.epochs : 1;
      const oldLogp =
        method.kind === 'ppo'
          ? tf.tidy(() => policyLogProb(task, theta, rolloutTensors(task, r)).logp)
          : undefined;
      for (let e = 0; e < epochs; e++) {
        const grads = tf.tidy(() =>
          tf.grads((...th: tf.Tensor[]) => {
            if (method.kind === 'learned')
              return learnedPolicyLoss(task, th, method.phi, r, method.base);
            if (method.kind === 'reinforce') return reinforceLoss(task, th, r);
            // PPO's clipped surrogate (one full-batch step per epoch) on the same advantages.
            const x = rolloutTensors(task, r);
            const { logp } = policyLogProb(task, th, x);
            const { pgLoss } = ppoClipLoss(
              logp.reshape([-1]),
              oldLogp!.reshape([-1]),
              x.advantages(false).reshape([-1]),
              method.clipCoef,
            );
            return pgLoss.mul(G) as tf.Scalar; // Σ over tasks, as the other losses
          })(theta),
        );
        const next = adam
          ? adam.step(theta, grads)
          : tf.tidy(() => theta.map((t, i) => tf.keep(t.sub(grads[i]!.mul(method.lr)))));
        for (const t of [...theta, ...grads]) t.dispose();
        theta = next;
      }
      oldLogp?.dispose();
    }
  } finally {
    for (const env of envs) env.close();
    for (const t of theta) t.dispose();
    adam?.dispose();
  }
  return curve;
}
