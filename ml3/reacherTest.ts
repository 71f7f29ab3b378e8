/**
 * The held-out test protocol of the ML3 reacher (paper IV.A.2, Algorithm 2), and the baselines it
 * is compared with on the same goals: fresh policies from the saved initial parameters take K
 * plain SGD steps on the learned loss over real-simulator rollouts; the same K steps on the task
 * loss through the learned model; policy optimisation through the model with many Adam steps
 * (a gradient-based planner); and sampling MPC in the real simulator (CEM and MPPI with the true
 * reward, CEM with the learned loss as its reward). The measure is the final fingertip distance.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  CemPlanner,
  type DynamicsEnsemble,
  detach,
  MPPI_DEFAULTS,
  MppiPlanner,
  type Params,
  PLANNER_DEFAULTS,
  type Planner,
  rolloutThroughModel,
  type SequenceEvaluator,
  SimulatorEvaluator,
  type SimulatorTwin,
  sgdStep,
  tileParams,
} from '../agents/index.js';
import { Box, ReacherEnv, RNG } from '../envs/index.js';

/** Reacher's action space, for the planners (without building an env). */
const REACHER_ACTION_SPACE = new Box(-1, 1, [2], 'float32');

import {
  jointGoal,
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  type ReacherEpisode,
  type ReacherRollouts,
  reacherLearnedLoss,
  reacherPolicyActions,
  reacherTaskLoss,
  rolloutPolicy,
  sampleReacherEpisodes,
} from './reacherTask.js';

/** Held-out goals: a seeded stream of its own (training draws from another). */
export function heldOutReacherEpisodes(count: number, seed: number): ReacherEpisode[] {
  return sampleReacherEpisodes(new RNG(RNG.deriveSeed(seed, 'reacher/test-goals')), count);
}

/**
 * What the task loss rolls policies out through: the learned dynamics ensemble (the paper's MBRL
 * setting; `perMember` rolls each member out on its own) or the arm's differentiable twin (the
 * exact equations the Rapier env emulates: no model error, to tell the learned loss's limits
 * from the model's).
 */
export type ReacherDynamics =
  | { kind: 'ensemble'; model: DynamicsEnsemble; perMember: boolean }
  | { kind: 'twin'; twin: SimulatorTwin };

/** What adapts the policy: the learned loss on real rollouts, or the task loss through dynamics. */
export type ReacherInnerLoss =
  | { kind: 'learned'; phi: readonly tf.Tensor[] }
  | { kind: 'task'; dynamics: ReacherDynamics };

/**
 * The task loss of θ's rollouts through the dynamics from the given start states [G, 4] (the
 * policy sees detached states, as in the authors' code): [G]. With an ensemble rolled out per
 * member, the loss is the members' mean.
 */
export function reacherModelTaskLoss(
  dynamics: ReacherDynamics,
  theta: Params,
  start: tf.Tensor,
  goals: tf.Tensor,
  horizon: number,
): tf.Tensor {
  if (dynamics.kind === 'twin') {
    const states = [start];
    let s = start;
    for (let t = 0; t < horizon; t++) {
      s = dynamics.twin.step(s, reacherPolicyActions(theta, detach(s), goals));
      states.push(s);
    }
    return reacherTaskLoss(tf.stack(states, 1), goals);
  }
  const { model, perMember } = dynamics;
  const rollout = rolloutThroughModel({
    model,
    start,
    horizon,
    perMember,
    act: (s) => reacherPolicyActions(theta, detach(s), goals),
  });
  if (!perMember) return reacherTaskLoss(rollout.states, goals);
  const [G, M, T] = rollout.states.shape as [number, number, number, number];
  const perRollout = reacherTaskLoss(
    rollout.states.reshape([G * M, T, REACHER_JOINT_STATE]),
    goals
      .expandDims(1)
      .tile([1, M, 1])
      .reshape([G * M, REACHER_JOINT_STATE]),
  );
  return perRollout.reshape([G, M]).mean(1);
}

/**
 * K plain SGD steps per goal from θ₀ (batched: one policy per episode), each on a fresh real
 * rollout of the current policy. Returns the adapted θ (kept) and the real rollouts of the final
 * policy.
 */
export function adaptReacherPolicies(args: {
  theta0: Params;
  episodes: readonly ReacherEpisode[];
  envs: ReacherEnv[];
  loss: ReacherInnerLoss;
  steps: number;
  lr: number;
  horizon: number;
}): { theta: tf.Tensor[]; rollouts: ReacherRollouts } {
  const G = args.episodes.length;
  const goals = jointGoalsTensor(args.episodes);
  let theta = tileParams(args.theta0, G);
  for (let k = 0; k < args.steps; k++) {
    const r = rolloutPolicy(args.envs, theta, args.episodes, goals, args.horizon);
    const next = tf.tidy(() => {
      const states = tf.tensor3d(r.states, [G, args.horizon + 1, REACHER_JOINT_STATE]);
      const loss = args.loss;
      const grads = tf.grads((...th: tf.Tensor[]) => {
        if (loss.kind === 'learned') {
          const visited = states.slice([0, 0, 0], [G, args.horizon, REACHER_JOINT_STATE]);
          const actions = reacherPolicyActions(th, visited, goals);
          return reacherLearnedLoss(loss.phi, states, actions, goals).sum() as tf.Scalar;
        }
        const start = states
          .slice([0, 0, 0], [G, 1, REACHER_JOINT_STATE])
          .reshape([G, REACHER_JOINT_STATE]);
        return reacherModelTaskLoss(
          loss.dynamics,
          th,
          start,
          goals,
          args.horizon,
        ).sum() as tf.Scalar;
      })(theta);
      return sgdStep(theta, grads, args.lr).map((t) => tf.keep(t));
    });
    for (const t of theta) t.dispose();
    theta = next;
  }
  const rollouts = rolloutPolicy(args.envs, theta, args.episodes, goals, args.horizon);
  goals.dispose();
  return { theta, rollouts };
}

/**
 * Policy optimisation through the model (a gradient-based planner): Adam on the task loss of
 * the policy's rollouts through the model, from each episode's real start state, then a real
 * rollout. Returns the real rollouts.
 */
export function optimisePoliciesThroughModel(args: {
  theta0: Params;
  episodes: readonly ReacherEpisode[];
  envs: ReacherEnv[];
  dynamics: ReacherDynamics;
  steps: number;
  lr: number;
  horizon: number;
}): ReacherRollouts {
  const G = args.episodes.length;
  const goals = jointGoalsTensor(args.episodes);
  let theta = tileParams(args.theta0, G);
  // The start states: a zero-step real rollout (the env's seeded reset).
  const starts = rolloutPolicy(args.envs, theta, args.episodes, goals, 1);
  const start = tf.tidy(() =>
    tf
      .tensor3d(starts.states, [G, 2, REACHER_JOINT_STATE])
      .slice([0, 0, 0], [G, 1, REACHER_JOINT_STATE])
      .reshape([G, REACHER_JOINT_STATE]),
  );
  const adam = new Adam(theta, args.lr);
  for (let k = 0; k < args.steps; k++) {
    const grads = tf.tidy(() =>
      tf
        .grads(
          (...th: tf.Tensor[]) =>
            reacherModelTaskLoss(args.dynamics, th, start, goals, args.horizon).sum() as tf.Scalar,
        )(theta)
        .map((g) => tf.keep(g)),
    );
    const next = adam.step(theta, grads);
    for (const t of [...theta, ...grads]) t.dispose();
    theta = next;
  }
  adam.dispose();
  const rollouts = rolloutPolicy(args.envs, theta, args.episodes, goals, args.horizon);
  for (const t of [...theta, goals, start]) t.dispose();
  return rollouts;
}

/** A planner's real episode per goal; returns the final fingertip distances. */
export function planReacherEpisodes(args: {
  episodes: readonly ReacherEpisode[];
  horizon: number;
  makePlanner: (env: ReacherEnv) => Planner;
  makeEvaluator: (env: ReacherEnv, episode: ReacherEpisode) => SequenceEvaluator;
  seed: number;
}): number[] {
  const env = new ReacherEnv();
  const rng = new RNG(RNG.deriveSeed(args.seed, 'reacher/planner'));
  try {
    return args.episodes.map((e) => {
      env.reset({ seed: e.seed, options: { goal: e.target } });
      const planner = args.makePlanner(env);
      const evaluator = args.makeEvaluator(env, e);
      for (let t = 0; t < args.horizon; t++) env.step(planner.act(evaluator, rng));
      const [fx, fy] = env.fingertip();
      return Math.hypot(fx - e.target[0], fy - e.target[1]);
    });
  } finally {
    env.close();
  }
}

/**
 * The learned loss as a planner's reward: −mean_t M_φ over each simulated sequence, with d the
 * distance of the sequence's last state to the goal (batched over the population).
 */
export function learnedRewardEvaluator(
  env: ReacherEnv,
  phi: readonly tf.Tensor[],
  target: readonly [number, number],
): SequenceEvaluator {
  const goal = jointGoal(target);
  return new SimulatorEvaluator(env, 2, 1, {
    stateSize: REACHER_JOINT_STATE,
    stateOf: (e) => (e as ReacherEnv).getState().subarray(0, REACHER_JOINT_STATE),
    score: (states, actions, P, H) =>
      tf.tidy(() =>
        Array.from(
          reacherLearnedLoss(
            phi,
            tf.tensor3d(states, [P, H + 1, REACHER_JOINT_STATE]),
            tf.tensor3d(actions, [P, H, 2]),
            tf.tensor2d(goal, [1, REACHER_JOINT_STATE]).tile([P, 1]),
          )
            .neg()
            .dataSync(),
        ),
      ),
  });
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
}

/** The median of a non-empty list. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

function result(method: string, finalDistance: ArrayLike<number>, t0: number): MethodResult {
  const d = Array.from(finalDistance);
  return {
    method,
    finalDistance: d,
    median: median(d),
    mean: d.reduce((a, b) => a + b, 0) / d.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Runs the test protocol and the baselines on held-out goals. Returns per-method results and the
 * real rollouts of the ML3-trained policies (for pictures).
 */
export function testReacherLoss(
  context: { phi: readonly tf.Tensor[]; theta0: Params; dynamics: ReacherDynamics },
  options: ReacherTestOptions,
  log: (message: string) => void = () => {},
): { episodes: ReacherEpisode[]; methods: MethodResult[]; ml3Rollouts: ReacherRollouts } {
  const episodes = heldOutReacherEpisodes(options.goals, options.seed);
  const envs: ReacherEnv[] = [];
  const methods: MethodResult[] = [];
  const common = { theta0: context.theta0, episodes, envs, horizon: options.horizon };
  try {
    let t0 = performance.now();
    const initial = adaptReacherPolicies({
      ...common,
      loss: { kind: 'learned', phi: context.phi },
      steps: 0,
      lr: 0,
    });
    for (const t of initial.theta) t.dispose();
    methods.push(result('initial policy (no update)', initial.rollouts.finalDistance, t0));
    t0 = performance.now();
    const ml3 = adaptReacherPolicies({
      ...common,
      loss: { kind: 'learned', phi: context.phi },
      steps: options.steps,
      lr: options.innerLr,
    });
    for (const t of ml3.theta) t.dispose();
    methods.push(
      result(`ML3 learned loss, ${options.steps} SGD steps`, ml3.rollouts.finalDistance, t0),
    );
    t0 = performance.now();
    const task = adaptReacherPolicies({
      ...common,
      loss: { kind: 'task', dynamics: context.dynamics },
      steps: options.steps,
      lr: options.innerLr,
    });
    for (const t of task.theta) t.dispose();
    const through = context.dynamics.kind === 'twin' ? 'the twin' : 'the model';
    methods.push(
      result(
        `task loss through ${through}, ${options.steps} SGD steps`,
        task.rollouts.finalDistance,
        t0,
      ),
    );
    log(
      `  ML3 median ${(100 * methods[1]!.median).toFixed(2)} cm, task loss ${(100 * methods[2]!.median).toFixed(2)} cm`,
    );
    if (options.modelPolicySteps > 0) {
      t0 = performance.now();
      const planned = optimisePoliciesThroughModel({
        ...common,
        dynamics: context.dynamics,
        steps: options.modelPolicySteps,
        lr: 1e-3,
      });
      methods.push(
        result(
          `task loss through ${through}, ${options.modelPolicySteps} Adam steps (gradient planner)`,
          planned.finalDistance,
          t0,
        ),
      );
    }
    if (options.planners) {
      const space = REACHER_ACTION_SPACE;
      const rows: [
        string,
        (env: ReacherEnv) => Planner,
        (env: ReacherEnv, e: ReacherEpisode) => SequenceEvaluator,
      ][] = [
        [
          'CEM-MPC, true reward (simulator)',
          () => new CemPlanner(space, PLANNER_DEFAULTS),
          (env) => new SimulatorEvaluator(env, 2),
        ],
        [
          'MPPI, true reward (simulator)',
          () => new MppiPlanner(space, MPPI_DEFAULTS),
          (env) => new SimulatorEvaluator(env, 2),
        ],
        [
          'CEM-MPC, learned loss as reward (simulator)',
          () => new CemPlanner(space, PLANNER_DEFAULTS),
          (env, e) => learnedRewardEvaluator(env, context.phi, e.target),
        ],
      ];
      for (const [method, makePlanner, makeEvaluator] of rows) {
        t0 = performance.now();
        const d = planReacherEpisodes({
          episodes,
          horizon: options.horizon,
          makePlanner,
          makeEvaluator,
          seed: options.seed,
        });
        methods.push(result(method, d, t0));
        log(`  ${method}: median ${(100 * methods.at(-1)!.median).toFixed(2)} cm`);
      }
    }
    return { episodes, methods, ml3Rollouts: ml3.rollouts };
  } finally {
    for (const env of envs) env.close();
  }
}
