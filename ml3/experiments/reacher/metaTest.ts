/**
 * The held-out test protocol of the ML3 reacher (paper IV.A.2, Algorithm 2): fresh policies from
 * the saved initial parameters take K plain SGD steps on the learned loss over real-simulator
 * rollouts; compared on the same goals with the initial policy, the same K steps on the task loss
 * through the dynamics, and the baselines of `baselines.ts`. The measure is the final fingertip
 * distance.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../../../agents/index.js';
import { mean, median } from '../../../envs/core/stats.js';
import { type ReacherEnv, RNG } from '../../../envs/index.js';
import { adapt } from '../../metaStep.js';
import {
  learnedRewardBaseline,
  optimisePoliciesThroughModel,
  planReacherEpisodes,
  TRUE_REWARD_PLANNERS,
  trueRewardBaseline,
} from './baselines.js';
import { type ReacherInitialPolicy, startingPolicies } from './initialPolicies.js';
import type { ReacherObjective } from './objective.js';
import {
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  type ReacherDynamics,
  type ReacherEpisode,
  type ReacherRollouts,
  reacherModelTaskLoss,
  reacherPolicyLearnedLoss,
  reacherPolicyLearnedLossGradient,
  rolloutPolicy,
  sampleReacherEpisodes,
} from './task.js';
import { startTrueRewardPlanners } from './trueRewardPlanners.js';

/** Held-out goals: a seeded stream of its own (training draws from another). */
export function heldOutReacherEpisodes(count: number, seed: number): ReacherEpisode[] {
  return sampleReacherEpisodes(new RNG(RNG.deriveSeed(seed, 'reacher/test-goals')), count);
}

/**
 * `count` validation goals and episode seeds: a stream of their own, for choosing among learned
 * losses during training without touching the held-out test goals.
 */
export function validationReacherEpisodes(count: number, seed: number): ReacherEpisode[] {
  return sampleReacherEpisodes(new RNG(RNG.deriveSeed(seed, 'reacher/validation-goals')), count);
}

/** What adapts the policy: the learned loss on real rollouts, or the task loss through dynamics. */
export type ReacherInnerLoss =
  | { kind: 'learned'; phi: readonly tf.Tensor[]; objective: ReacherObjective }
  | { kind: 'task'; dynamics: ReacherDynamics; objective: ReacherObjective };

/**
 * K plain SGD steps per goal from its initial policy (batched: one policy per episode), each on
 * a fresh real rollout of the current policy. Returns the adapted θ (kept), the real rollouts of
 * the final policy and the median ‖θ_K − θ_start‖ over the episodes.
 */
export function adaptReacherPolicies(args: {
  theta0: Params;
  /** Where the episodes' policies start (default `fixed`: θ₀ for every episode). */
  initialPolicy?: ReacherInitialPolicy;
  episodes: readonly ReacherEpisode[];
  envs: ReacherEnv[];
  loss: ReacherInnerLoss;
  steps: number;
  lr: number;
  horizon: number;
  /** Sees the real rollouts after each number of steps k = 0 … steps (k = steps last). */
  onRollouts?: (k: number, rollouts: ReacherRollouts) => void;
}): { theta: tf.Tensor[]; rollouts: ReacherRollouts; parameterShift: number } {
  const G = args.episodes.length;
  const H = args.horizon;
  const { loss } = args;
  const goals = jointGoalsTensor(args.episodes);
  const initial = startingPolicies(args.theta0, args.episodes, args.initialPolicy);
  let rollouts: ReacherRollouts | undefined;
  // The states of the latest real rollout, the data the next step learns on.
  const learnOn = () => tf.tensor3d(rollouts!.states, [G, H + 1, REACHER_JOINT_STATE]);
  const theta = adapt({
    theta0: initial,
    steps: args.steps,
    lr: args.lr,
    // Before each step (and after the last): a real rollout of the current policy to learn on.
    observe: (k, th) => {
      rollouts = rolloutPolicy(args.envs, th, args.episodes, goals, H);
      args.onRollouts?.(k, rollouts);
    },
    gradient:
      loss.kind === 'learned'
        ? (th) => reacherPolicyLearnedLossGradient(loss.phi, th, learnOn(), goals, loss.objective)
        : undefined,
    loss: (th) => {
      const states = learnOn();
      if (loss.kind === 'learned')
        return reacherPolicyLearnedLoss(
          loss.phi,
          th,
          states,
          goals,
          loss.objective,
        ).sum() as tf.Scalar;
      const start = states
        .slice([0, 0, 0], [G, 1, REACHER_JOINT_STATE])
        .reshape([G, REACHER_JOINT_STATE]);
      return reacherModelTaskLoss(loss.dynamics, th, start, goals, H, loss.objective);
    },
  });
  const parameterShift = medianParameterShift(theta, initial);
  for (const t of [...initial, goals]) t.dispose();
  return { theta, rollouts: rollouts!, parameterShift };
}

/** Options of {@link testReacherLoss}. */
export interface ReacherTestOptions {
  /** Held-out goals. */
  goals: number;
  /** Seed of the held-out goals and the planners. */
  seed: number;
  /** SGD steps of the fresh policies (the paper: 2). */
  steps: number;
  /** SGD learning rate of the policies (the authors': 1e-4). */
  innerLr: number;
  /** Steps per episode. */
  horizon: number;
  /** Adam steps of the policy optimisation through the model (0 skips it). */
  modelPolicySteps: number;
  /** Include the sampling planners (CEM and MPPI in the real simulator). */
  planners: boolean;
  /**
   * Plan the true-reward planners on a worker thread, beside the rest of the test (default true;
   * the same numbers either way; in place where there are no worker threads).
   */
  plannerThread?: boolean;
}

/** One method's results on the held-out goals. */
export interface MethodResult {
  method: string;
  /** Final fingertip distance per goal (m). */
  finalDistance: number[];
  median: number;
  mean: number;
  /** Wall-clock seconds the method took for all goals. */
  seconds: number;
  /**
   * For the SGD methods: the median over goals of ‖θ_K − θ₀‖₂, how far the K steps moved the
   * policy's parameters (0: the loss is flat at θ₀ and cannot train a policy).
   */
  parameterShift?: number;
}

/**
 * Below this median parameter shift the learned loss is reported as flat at θ₀: its gradient
 * vanishes there (e.g. a saturated softplus output), so K steps leave the policy where it started.
 */
export const FLAT_LOSS_SHIFT = 1e-6;

/** Median over goals of ‖θ − θ₀‖₂ for policies and their starts batched per goal ([G, …]). */
function medianParameterShift(theta: readonly tf.Tensor[], theta0: Params): number {
  const squares = tf.tidy(() =>
    tf.addN(
      theta.map((t, i) => {
        const axes = Array.from({ length: t.rank - 1 }, (_, a) => a + 1);
        return tf.sum(tf.square(tf.sub(t, theta0[i]!)), axes);
      }),
    ),
  );
  const shift = Array.from(squares.dataSync(), Math.sqrt);
  squares.dispose();
  return median(shift);
}

/**
 * Runs one method, timing it; `run` returns the final distances per goal and, for SGD methods,
 * the median parameter shift.
 */
function timed(
  method: string,
  run: () => { finalDistance: ArrayLike<number>; parameterShift?: number },
): MethodResult {
  const t0 = performance.now();
  const { finalDistance, parameterShift } = run();
  return methodResult(method, finalDistance, (performance.now() - t0) / 1000, parameterShift);
}

function methodResult(
  method: string,
  finalDistance: ArrayLike<number>,
  seconds: number,
  parameterShift?: number,
): MethodResult {
  const d = Array.from(finalDistance);
  return {
    method,
    finalDistance: d,
    median: median(d),
    mean: mean(d),
    seconds,
    ...(parameterShift === undefined ? {} : { parameterShift }),
  };
}

/**
 * What the protocol compares: the learned loss φ, the initial policy θ₀, the task's dynamics and
 * the objective (M_φ's features and the task loss) the loss was meta-trained with.
 */
export interface ReacherLossUnderTest {
  phi: readonly tf.Tensor[];
  theta0: Params;
  /** Where the test's policies start (default `fixed`: θ₀ for every goal). */
  initialPolicy?: ReacherInitialPolicy;
  dynamics: ReacherDynamics;
  objective: ReacherObjective;
}

/**
 * Runs the test protocol and the baselines on held-out goals. Resolves to per-method results and
 * the real rollouts of the ML3-trained policies (for pictures). The true-reward planners run on a
 * worker thread meanwhile (`options.plannerThread`).
 */
export async function testReacherLoss(
  context: ReacherLossUnderTest,
  options: ReacherTestOptions,
  log: (message: string) => void = () => {},
): Promise<{ episodes: ReacherEpisode[]; methods: MethodResult[]; ml3Rollouts: ReacherRollouts }> {
  const episodes = heldOutReacherEpisodes(options.goals, options.seed);
  const truePlanners = options.planners
    ? startTrueRewardPlanners(
        { kinds: TRUE_REWARD_PLANNERS, episodes, horizon: options.horizon, seed: options.seed },
        options.plannerThread ?? true,
      )
    : undefined;
  const envs: ReacherEnv[] = [];
  const common = {
    theta0: context.theta0,
    initialPolicy: context.initialPolicy,
    episodes,
    envs,
    horizon: options.horizon,
  };
  /** K SGD steps on `loss`; the final distances (and the rollouts, through `keep`). */
  const sgd = (
    loss: ReacherInnerLoss,
    steps: number,
    lr: number,
    keep?: (r: ReacherRollouts) => void,
  ) => {
    const { theta, rollouts, parameterShift } = adaptReacherPolicies({
      ...common,
      loss,
      steps,
      lr,
    });
    for (const t of theta) t.dispose();
    keep?.(rollouts);
    return { finalDistance: rollouts.finalDistance, parameterShift };
  };
  const { objective } = context;
  const learned: ReacherInnerLoss = { kind: 'learned', phi: context.phi, objective };
  const through = context.dynamics.kind === 'twin' ? 'the twin' : 'the model';
  let ml3Rollouts: ReacherRollouts | undefined;
  try {
    const initial = timed('initial policy (no update)', () => sgd(learned, 0, 0));
    const ml3 = timed(`ML3 learned loss, ${options.steps} SGD steps`, () =>
      sgd(learned, options.steps, options.innerLr, (r) => {
        ml3Rollouts = r;
      }),
    );
    const task = timed(`task loss through ${through}, ${options.steps} SGD steps`, () =>
      sgd({ kind: 'task', dynamics: context.dynamics, objective }, options.steps, options.innerLr),
    );
    const methods = [initial, ml3, task];
    log(
      `  ML3 median ${(100 * ml3.median).toFixed(2)} cm, task loss ${(100 * task.median).toFixed(2)} cm`,
    );
    if (options.steps > 0 && ml3.parameterShift! < FLAT_LOSS_SHIFT)
      log(
        `  warning: the learned loss is flat at θ₀: ${options.steps} SGD steps moved the policy's parameters by ${ml3.parameterShift!.toExponential(1)} (median ‖θ_K − θ₀‖; the task loss: ${task.parameterShift!.toExponential(1)}). Its gradient vanishes there (e.g. a saturated softplus output), so it cannot train a policy.`,
      );
    if (options.modelPolicySteps > 0) {
      methods.push(
        timed(
          `task loss through ${through}, ${options.modelPolicySteps} Adam steps (gradient planner)`,
          () =>
            optimisePoliciesThroughModel({
              ...common,
              dynamics: context.dynamics,
              objective,
              steps: options.modelPolicySteps,
              lr: 1e-3,
            }),
        ),
      );
    }
    if (truePlanners) {
      const learnedBaseline = learnedRewardBaseline(context.phi, objective);
      const learnedPlanner = timed(learnedBaseline.method, () => ({
        finalDistance: planReacherEpisodes({
          ...learnedBaseline,
          episodes,
          horizon: options.horizon,
          seed: options.seed,
        }),
      }));
      const planned = [
        ...(await truePlanners.results).map((r) =>
          methodResult(trueRewardBaseline(r.kind).method, r.finalDistance, r.seconds),
        ),
        learnedPlanner,
      ];
      for (const result of planned) {
        methods.push(result);
        log(`  ${result.method}: median ${(100 * result.median).toFixed(2)} cm`);
      }
    }
    return { episodes, methods, ml3Rollouts: ml3Rollouts! };
  } finally {
    truePlanners?.cancel();
    for (const env of envs) env.close();
  }
}
