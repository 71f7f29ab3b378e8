/**
 * The reference methods a reacher learned loss is compared with on the same held-out goals:
 * policy optimisation through the model with many Adam steps (a gradient-based planner), and
 * sampling MPC in the real simulator (CEM and MPPI with the true reward, CEM with the learned
 * loss as its reward).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  CemPlanner,
  MPPI_DEFAULTS,
  MppiPlanner,
  type Params,
  PLANNER_DEFAULTS,
  type Planner,
  type SequenceEvaluator,
  SimulatorEvaluator,
} from '../../../agents/index.js';
import { Box, ReacherEnv, RNG } from '../../../envs/index.js';
import { jointGoal } from './goals.js';
import { type ReacherInitialPolicy, startingPolicies } from './initialPolicies.js';
import { AUTHORS_OBJECTIVE, type ReacherObjective } from './objective.js';
import {
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  type ReacherDynamics,
  type ReacherEpisode,
  type ReacherRollouts,
  reacherLearnedLoss,
  reacherModelTaskLoss,
  reacherStartStates,
  rolloutPolicy,
} from './task.js';

/** Reacher's action space, for the planners (without building an env). */
const REACHER_ACTION_SPACE = new Box(-1, 1, [2], 'float32');

/**
 * Policy optimisation through the model (a gradient-based planner): Adam on the task loss of
 * the policy's rollouts through the model, from each episode's real start state, then a real
 * rollout. Returns the real rollouts.
 */
export function optimisePoliciesThroughModel(args: {
  theta0: Params;
  /** Where the episodes' policies start (default `fixed`: θ₀ for every episode). */
  initialPolicy?: ReacherInitialPolicy;
  episodes: readonly ReacherEpisode[];
  envs: ReacherEnv[];
  dynamics: ReacherDynamics;
  objective: ReacherObjective;
  steps: number;
  lr: number;
  horizon: number;
}): ReacherRollouts {
  const G = args.episodes.length;
  const goals = jointGoalsTensor(args.episodes);
  let theta = startingPolicies(args.theta0, args.episodes, args.initialPolicy);
  // The start states: a zero-step real rollout (the env's seeded reset).
  const start = reacherStartStates(
    rolloutPolicy(args.envs, theta, args.episodes, goals, 1).states,
    G,
    1,
  );
  const adam = new Adam(theta, args.lr);
  for (let k = 0; k < args.steps; k++) {
    const grads = tf.tidy(() =>
      tf
        .grads((...th: tf.Tensor[]) =>
          reacherModelTaskLoss(args.dynamics, th, start, goals, args.horizon, args.objective),
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
 * distance of the sequence's last state to the goal (batched over the population); M_φ's inputs
 * follow the objective it was meta-trained with (default: the authors').
 */
export function learnedRewardEvaluator(
  env: ReacherEnv,
  phi: readonly tf.Tensor[],
  target: readonly [number, number],
  objective: ReacherObjective = AUTHORS_OBJECTIVE,
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
            objective,
          )
            .neg()
            .dataSync(),
        ),
      ),
  });
}

/** A sampling planner of the comparison: its name, planner and what it scores sequences by. */
export interface PlannerBaseline {
  method: string;
  makePlanner: (env: ReacherEnv) => Planner;
  makeEvaluator: (env: ReacherEnv, episode: ReacherEpisode) => SequenceEvaluator;
}

/** The sampling planners that score sequences by the true reward: they do not depend on φ. */
export const TRUE_REWARD_PLANNERS = ['cem', 'mppi'] as const;

/** One of {@link TRUE_REWARD_PLANNERS}. */
export type TrueRewardPlanner = (typeof TRUE_REWARD_PLANNERS)[number];

/** CEM or MPPI scoring sequences by the true reward in the real simulator. */
export function trueRewardBaseline(kind: TrueRewardPlanner): PlannerBaseline {
  const space = REACHER_ACTION_SPACE;
  return kind === 'cem'
    ? {
        method: 'CEM-MPC, true reward (simulator)',
        makePlanner: () => new CemPlanner(space, PLANNER_DEFAULTS),
        makeEvaluator: (env) => new SimulatorEvaluator(env, 2),
      }
    : {
        method: 'MPPI, true reward (simulator)',
        makePlanner: () => new MppiPlanner(space, MPPI_DEFAULTS),
        makeEvaluator: (env) => new SimulatorEvaluator(env, 2),
      };
}

/** CEM with the learned loss as its reward. */
export function learnedRewardBaseline(
  phi: readonly tf.Tensor[],
  objective: ReacherObjective,
): PlannerBaseline {
  return {
    method: 'CEM-MPC, learned loss as reward (simulator)',
    makePlanner: () => new CemPlanner(REACHER_ACTION_SPACE, PLANNER_DEFAULTS),
    makeEvaluator: (env, e) => learnedRewardEvaluator(env, phi, e.target, objective),
  };
}

/** CEM and MPPI with the true reward, and CEM with the learned loss as its reward. */
export function plannerBaselines(
  phi: readonly tf.Tensor[],
  objective: ReacherObjective,
): PlannerBaseline[] {
  return [...TRUE_REWARD_PLANNERS.map(trueRewardBaseline), learnedRewardBaseline(phi, objective)];
}
