/**
 * Meta-test of the mountain-car experiment (Algorithm 2): from θ₀, K SGD steps on the learned
 * loss (φ fixed), each on real rollouts of the current policy from every test start; then the
 * policy drives the real car for up to 999 steps (the env's limit).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Params, tileParams } from '../../../agents/index.js';
import { RapierMountainCarContinuousEnv } from '../../../envs/index.js';
import { adapt } from '../../metaStep.js';
import { type CarGoals, carLearnedLoss, carRolloutPolicy } from './task.js';

/** Start positions of the test (velocity 0). */
export const CAR_TEST_STARTS = [-0.6, -0.55, -0.5, -0.45, -0.4];

/** Steps of a test episode (the env's step limit). */
export const CAR_TEST_EPISODE_STEPS = 999;

/** One test episode's outcome. */
export interface CarTestEpisode {
  start: number;
  /** Whether the car reached the goal within the env's 999 steps, and at which step. */
  reachedGoal: boolean;
  stepsToGoal: number | null;
  /** Position after the training horizon (the authors' measure), and the furthest right. */
  positionAtHorizon: number;
  maxPosition: number;
}

/** Settings of {@link testCarLoss}. */
export interface CarTestOptions {
  steps: number;
  innerLr: number;
  /** Steps of the rollouts the SGD steps learn on (the training horizon). */
  horizon: number;
  goals: CarGoals;
}

/**
 * The test protocol (see the file header); `envs` grows to one env per start. Returns each
 * start's outcome and the states of the final episodes ([starts, 1000, 2]).
 */
export function testCarLoss(
  phi: readonly tf.Tensor[],
  theta0: Params,
  envs: RapierMountainCarContinuousEnv[],
  options: CarTestOptions,
): { episodes: CarTestEpisode[]; states: Float32Array; length: number } {
  const starts = CAR_TEST_STARTS;
  const G = starts.length;
  const H = options.horizon;
  while (envs.length < G) envs.push(new RapierMountainCarContinuousEnv());
  const tiled = tileParams(theta0, G);
  let learnOn: Float32Array | undefined;
  const theta = adapt({
    theta0: tiled,
    steps: options.steps,
    lr: options.innerLr,
    // Before each step: a real rollout of the current policy to learn on.
    observe: (k, th) => {
      if (k < options.steps) learnOn = carRolloutPolicy(envs, th, starts, H).states;
    },
    loss: (th) =>
      carLearnedLoss(
        phi,
        th,
        tf.tensor3d(learnOn!, [G, H + 1, 2]),
        options.goals,
      ).sum() as tf.Scalar,
  });
  const T = CAR_TEST_EPISODE_STEPS;
  const r = carRolloutPolicy(envs, theta, starts, T);
  for (const t of [...tiled, ...theta]) t.dispose();
  const episodes = starts.map((start, g) => {
    const xs = Array.from({ length: T + 1 }, (_, t) => r.states[(g * (T + 1) + t) * 2]!);
    const reached = r.terminatedAt[g]! >= 0;
    return {
      start,
      reachedGoal: reached,
      stepsToGoal: reached ? r.terminatedAt[g]! : null,
      positionAtHorizon: xs[Math.min(H, T)]!,
      maxPosition: Math.max(...xs),
    };
  });
  return { episodes, states: r.states, length: T + 1 };
}
