/**
 * Meta-training of model-free ML3 (see `task.ts` for the design).
 *
 *   inner:  θ_{k+1} = θ_k − α ∇θ mean_t M_φ(features_t(θ_k))   on episodes of π_θk, k < K
 *   outer:  L_T(θ_K) = −mean_t Â'_t log π_θK(a'_t | s'_t)       on fresh episodes of π_θK
 *
 * The run keeps G policy "slots", one per task. Each iteration adapts every slot's policy by K
 * steps on M_φ (each on fresh episodes of the policy it updates, as at test), updates φ (Adam,
 * global-norm clipped) from the fresh episodes of the adapted policies, and keeps the adapted
 * policies; a slot is re-initialised (new policy, new task) after `lifetime` policy updates, with
 * the slots' ages staggered, so M_φ learns from policies at every stage of a test run.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  type AdamState,
  globalNormClip,
  tensorsFromJson,
  tensorsToJson,
} from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { type Env, InvalidArgument, RNG, type RNGState } from '../../../envs/index.js';
import { clipPerMember, type MetaStepResult, memberNorms, metaGradient } from '../../metaStep.js';
import type { MetaTrainConfig, MetaTrainer, Metrics } from '../metaTrainer.js';
import { learnedPolicyLoss, type PgLossBase, reinforceLoss } from './losses.js';
import type { PgLossContext } from './metaTest.js';
import {
  CAR_PG_TASK,
  initPgLoss,
  initPgPolicies,
  makePgEnvs,
  type PgRollouts,
  type PgTask,
  policyParts,
  REACHER_PG_TASK,
  rolloutPgPolicies,
  withLearnedStd,
} from './task.js';

/** Config of a model-free ML3 run. */
export interface PgMl3Config extends MetaTrainConfig {
  /** `reacher` (targets) or `car` (start positions). */
  task: 'reacher' | 'car';
  /** Shape the outer PG loss with the task's intermediate goal (car; paper IV.B). */
  extra: boolean;
  /** The learned loss's fixed part: `reinforce` (M = −Â log π + N_φ) or `none` (M = N_φ). */
  base: PgLossBase;
  /** Policy slots (tasks) per iteration. */
  tasks: number;
  /** Episodes per task per rollout. */
  episodes: number;
  /** Inner SGD learning rate α (also the test's step size for M_φ). */
  innerLr: number;
  /** Adam learning rate of φ. */
  outerLr: number;
  /** Global norm clip of ∇φ. */
  maxGradNorm: number;
  /**
   * Inner steps K per meta-iteration, each on fresh episodes; the outer loss sees the policy
   * after all K (1: the one-step improvement).
   */
  innerSteps: number;
  /**
   * Per-policy norm clip of each inner step's gradient ∇θ M_φ, in meta-training and at test (a
   * trust region on the learned loss's steps); 0: none, the paper's plain SGD.
   */
  innerClip: number;
  /** Policy updates (inner steps) a slot's policy lives before it is re-initialised. */
  lifetime: number;
  /**
   * The policies learn their σ (per action dimension, from the task's σ, within [0.05, 1]) instead
   * of keeping σ fixed, in meta-training and in every method of the test; M_φ then also sees log σ.
   */
  learnStd: boolean;
  /** Test: held-out tasks per seed, iterations, seeds. */
  testTasks: number;
  testIterations: number;
  testSeeds: number;
  /** Test: Adam learning rate of REINFORCE and PPO. */
  baselineLr: number;
  /** Test: the return whose first crossing is reported as samples-to-target. */
  targetReturn: number;
}

/** The defaults (our design: the authors released no model-free code). */
export const PG_ML3_DEFAULTS: Readonly<PgMl3Config> = Object.freeze({
  task: 'reacher',
  extra: false,
  base: 'reinforce',
  iterations: 400,
  tasks: 8,
  episodes: 8,
  innerLr: 0.1,
  outerLr: 3e-3,
  maxGradNorm: 1,
  innerSteps: 1,
  innerClip: 0,
  lifetime: 50,
  learnStd: false,
  testTasks: 8,
  testIterations: 50,
  testSeeds: 3,
  baselineLr: 1e-2,
  targetReturn: -12,
  seed: 0,
  checkpointEvery: 25,
});

/** The task family of a name, its policies' σ fixed or learned (`learnStd`). */
export function pgTaskOf(name: string, learnStd = false): PgTask {
  const task = name === 'reacher' ? REACHER_PG_TASK : name === 'car' ? CAR_PG_TASK : undefined;
  if (!task) throw new InvalidArgument(`unknown pg-ml3 task "${name}"; allowed: reacher, car`);
  return learnStd ? withLearnedStd(task, true) : task;
}

/** Result of one meta-training iteration. */
export interface PgMetaStepResult extends MetaStepResult {
  before: PgRollouts;
  after: PgRollouts;
  /** Mean over the policies of ‖∇θ M_φ‖ at the first inner step (before any clip). */
  innerGradNorm: number;
}

/**
 * One ML3 meta-training iteration on G tasks: K differentiable inner steps on M_φ, each on
 * episodes of the policy it updates, then fresh episodes of π_θK and ∇φ of θ_K's PG surrogate
 * (shaped with `extra`). `before` holds the episodes of θ₀, `after` those of θ_K.
 */
export function pgMetaStep(args: {
  task: PgTask;
  envs: readonly Env[];
  phi: readonly tf.Tensor[];
  theta: readonly tf.Tensor[];
  taskOptions: readonly Record<string, unknown>[];
  episodesPerTask: number;
  innerSteps: number;
  innerLr: number;
  /** Per-policy norm clip of ∇θ M_φ (0: none). */
  innerClip: number;
  base: PgLossBase;
  extra: boolean;
  rng: RNG;
}): PgMetaStepResult {
  const { task, phi, theta, innerLr } = args;
  const rollout = (th: readonly tf.Tensor[]) =>
    rolloutPgPolicies(task, args.envs, th, args.taskOptions, args.episodesPerTask, args.rng);
  // θ_1 … θ_K as values, to collect each one's fresh episodes; metaGradient then recomputes the
  // steps differentiably on the same episodes (data, detached, as at test).
  const episodes = [rollout(theta)];
  let current = [...theta];
  let innerGradNorm = 0;
  for (let k = 0; k < args.innerSteps; k++) {
    const data = episodes[k]!;
    const next = tf.tidy(() => {
      const raw = tf.grads((...th: tf.Tensor[]) =>
        learnedPolicyLoss(task, th, phi, data, args.base),
      )(current);
      if (k === 0) innerGradNorm = mean(memberNorms(raw));
      const g = clipPerMember(raw, args.innerClip);
      return current.map((t, i) => t.sub(g[i]!.mul(innerLr)));
    });
    if (k > 0) for (const t of current) t.dispose();
    current = next;
    episodes.push(rollout(current));
  }
  for (const t of current) t.dispose();
  const after = episodes[args.innerSteps]!;
  let step = 0;
  const result = metaGradient({
    phi: [...phi],
    theta0: [...theta],
    innerSteps: args.innerSteps,
    innerLr,
    innerGradClip: args.innerClip,
    innerLoss: (th, ph) => learnedPolicyLoss(task, th, ph, episodes[step++]!, args.base),
    taskLoss: (th) => reinforceLoss(task, th, after, args.extra),
  });
  return { ...result, before: episodes[0]!, after, innerGradNorm };
}

interface PgMl3TrainerJson {
  phi: unknown;
  adam: AdamState;
  theta: unknown;
  ages: number[];
  taskOptions: Record<string, unknown>[];
  rng: RNGState;
}

/** A model-free ML3 meta-training run (see the file header). */
export class PgMl3MetaTrainer implements MetaTrainer {
  readonly task: PgTask;
  envs: Env[];
  phi: tf.Tensor[];
  readonly adam: Adam;
  /** The slots' policies, batched over the slots. */
  theta: tf.Tensor[];
  ages: number[];
  taskOptions: Record<string, unknown>[];
  readonly rng: RNG;
  readonly config: PgMl3Config;

  /** A fresh run; a config saved before a setting existed gets the setting's default. */
  constructor(saved: PgMl3Config) {
    const config = { ...PG_ML3_DEFAULTS, ...saved };
    this.config = config;
    const task = pgTaskOf(config.task, config.learnStd);
    if (config.extra && !task.shapedReward)
      throw new InvalidArgument(
        `--extra needs a task with extra information (car), not ${config.task}`,
      );
    this.task = task;
    this.phi = initPgLoss(task, new RNG(RNG.deriveSeed(config.seed, 'pg-ml3/phi')));
    this.rng = new RNG(RNG.deriveSeed(config.seed, 'pg-ml3/train'));
    const G = config.tasks;
    this.envs = makePgEnvs(task, G * config.episodes);
    this.adam = new Adam(this.phi, config.outerLr);
    this.theta = initPgPolicies(task, G, this.rng);
    // Staggered, so that at any time the slots hold policies at different stages of training.
    this.ages = Array.from({ length: G }, (_, g) => Math.floor((g * config.lifetime) / G));
    this.taskOptions = Array.from({ length: G }, () => task.sampleTask(this.rng));
  }

  /** Rebuilds a run from {@link PgMl3MetaTrainer.toJSON}; throws on malformed input. */
  static fromJSON(json: unknown, config: PgMl3Config): PgMl3MetaTrainer {
    const s = json as PgMl3TrainerJson;
    const trainer = new PgMl3MetaTrainer(config);
    try {
      const phi = tensorsFromJson(
        s.phi,
        trainer.phi.map((p) => p.shape),
      );
      const theta = tensorsFromJson(
        s.theta,
        trainer.theta.map((p) => p.shape),
      );
      for (const t of [...trainer.phi, ...trainer.theta]) t.dispose();
      trainer.phi = phi;
      trainer.theta = theta;
      trainer.adam.setState(s.adam);
      if (
        !Array.isArray(s.ages) ||
        s.ages.length !== config.tasks ||
        !Array.isArray(s.taskOptions) ||
        s.taskOptions.length !== config.tasks
      )
        throw new RangeError(`ages and taskOptions must hold one entry per slot (${config.tasks})`);
      trainer.ages = s.ages;
      trainer.taskOptions = s.taskOptions;
      trainer.rng.setState(s.rng);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** Replaces the policies of the slots in `slots` by fresh ones (new tensors; disposes the old). */
  private reinitSlots(slots: number[]): void {
    if (slots.length === 0) return;
    const fresh = initPgPolicies(this.task, slots.length, this.rng);
    const next = tf.tidy(() =>
      this.theta.map((p, i) =>
        tf.concat(
          Array.from({ length: p.shape[0]! }, (_, g) => {
            const k = slots.indexOf(g);
            return k < 0 ? p.slice(g, 1) : fresh[i]!.slice(k, 1);
          }),
        ),
      ),
    );
    for (const t of [...this.theta, ...fresh]) t.dispose();
    this.theta = next;
    for (const g of slots) {
      this.ages[g] = 0;
      this.taskOptions[g] = this.task.sampleTask(this.rng);
    }
  }

  step(_iteration: number): Metrics {
    const { config } = this;
    const r = pgMetaStep({
      task: this.task,
      envs: this.envs,
      phi: this.phi,
      theta: this.theta,
      taskOptions: this.taskOptions,
      episodesPerTask: config.episodes,
      innerSteps: config.innerSteps,
      innerLr: config.innerLr,
      innerClip: config.innerClip,
      base: config.base,
      extra: config.extra,
      rng: this.rng,
    });
    const gradNorm = tf.tidy(() =>
      Math.sqrt(r.grads.reduce((a, g) => a + g.square().sum().dataSync()[0]!, 0)),
    );
    const clipped = tf.tidy(() =>
      globalNormClip(r.grads, config.maxGradNorm).map((g) => tf.keep(g)),
    );
    const metrics: Metrics = {};
    // With a learned σ: the slots' mean log σ after the inner steps (exploration's fate).
    if (this.task.learnStd)
      metrics['meta/log_std'] = tf.tidy(
        () => (policyParts(this.task, r.adapted).logStd as tf.Tensor).mean().dataSync()[0]!,
      );
    const phi = this.adam.step(this.phi, clipped);
    for (const t of [...this.phi, ...r.grads, ...clipped, ...this.theta]) t.dispose();
    this.phi = phi;
    this.theta = r.adapted;
    this.ages = this.ages.map((a) => a + config.innerSteps);
    this.reinitSlots(this.ages.flatMap((a, g) => (a >= config.lifetime ? [g] : [])));
    return {
      ...metrics,
      'meta/return_before': mean(r.before.returns),
      'meta/return_after': mean(r.after.returns),
      'meta/improvement': mean(r.after.returns) - mean(r.before.returns),
      'meta/terminated_after': mean(r.after.terminated),
      'meta/task_loss': r.taskLoss,
      'meta/grad_norm': gradNorm,
      'meta/inner_grad_norm': r.innerGradNorm,
    };
  }

  /** The test context saved in the learned-loss file. */
  lossContext(): PgLossContext {
    const { config } = this;
    return {
      task: config.task,
      innerLr: config.innerLr,
      innerClip: config.innerClip,
      base: config.base,
      extra: config.extra,
      learnStd: config.learnStd,
    };
  }

  toJSON(): PgMl3TrainerJson {
    return {
      phi: tensorsToJson(this.phi),
      adam: this.adam.getState(),
      theta: tensorsToJson(this.theta),
      ages: this.ages,
      taskOptions: this.taskOptions,
      rng: this.rng.getState(),
    };
  }

  dispose(): void {
    for (const env of this.envs) env.close();
    for (const t of [...this.phi, ...this.theta]) t.dispose();
    this.adam.dispose();
  }
}
