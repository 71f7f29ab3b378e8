/**
 * Meta-test of the mountain-car experiment (Algorithm 2): from θ₀, K SGD steps on the learned
 * loss (φ fixed), each on real rollouts of the current policy from every test start; then the
 * policy drives the real car for up to 999 steps (the env's limit). The baselines take the same
 * steps from the same θ₀ and starts on the task loss through the car's twin (with and without the
 * extra information), or no step at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Params, type SimulatorTwin, tileParams } from '../../../agents/index.js';
import { RapierMountainCarContinuousEnv } from '../../../envs/index.js';
import { adapt } from '../../metaStep.js';
import {
  type CarGoals,
  carLearnedLoss,
  carLearnedLossGradient,
  carModelTaskLoss,
  carRolloutPolicy,
} from './task.js';

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
 * What the test's SGD steps descend: a learned loss on real rollouts, or the task loss (shaped
 * with the extra information or plain) of rollouts through the car's twin from the real starts.
 */
export type CarInnerLoss =
  | { kind: 'learned'; phi: readonly tf.Tensor[] }
  | { kind: 'task'; twin: SimulatorTwin; shaped: boolean };

/**
 * The test protocol (see the file header); `envs` grows to one env per start. Returns each
 * start's outcome and the states of the final episodes ([starts, 1000, 2]).
 */
export function testCarLoss(
  loss: CarInnerLoss,
  theta0: Params,
  envs: RapierMountainCarContinuousEnv[],
  options: CarTestOptions,
): { episodes: CarTestEpisode[]; states: Float32Array; length: number } {
  const starts = CAR_TEST_STARTS;
  const G = starts.length;
  const H = options.horizon;
  while (envs.length < G) envs.push(new RapierMountainCarContinuousEnv());
  const tiled = tileParams(theta0, G);
  const startStates = tf.tensor2d(starts.map((x) => [x, 0]));
  let learnOn: Float32Array | undefined;
  const learnedOn = () => tf.tensor3d(learnOn!, [G, H + 1, 2]);
  const theta = adapt({
    theta0: tiled,
    steps: options.steps,
    lr: options.innerLr,
    // Before each step: a real rollout of the current policy to learn on.
    observe: (k, th) => {
      if (k < options.steps) learnOn = carRolloutPolicy(envs, th, starts, H).states;
    },
    gradient:
      loss.kind === 'learned'
        ? (th) => carLearnedLossGradient(loss.phi, th, learnedOn(), options.goals)
        : undefined,
    loss: (th) =>
      loss.kind === 'learned'
        ? (carLearnedLoss(loss.phi, th, learnedOn(), options.goals).sum() as tf.Scalar)
        : carModelTaskLoss(loss.twin, th, startStates, H, options.goals, loss.shaped),
  });
  const T = CAR_TEST_EPISODE_STEPS;
  const r = carRolloutPolicy(envs, theta, starts, T);
  for (const t of [...tiled, ...theta, startStates]) t.dispose();
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

/** One method's test outcome. */
export interface CarMethodResult {
  method: string;
  /** Starts that reached the goal within the env's 999 steps. */
  reachedGoal: number;
  /** Mean position after the training horizon over the starts (the authors' measure). */
  meanPositionAtHorizon: number;
  episodes: CarTestEpisode[];
}

/** Summarises a test's episodes under a method name. */
export function carMethodResult(method: string, episodes: CarTestEpisode[]): CarMethodResult {
  return {
    method,
    reachedGoal: episodes.filter((e) => e.reachedGoal).length,
    meanPositionAtHorizon: episodes.reduce((a, e) => a + e.positionAtHorizon, 0) / episodes.length,
    episodes,
  };
}

/**
 * The reference lines of a car learned loss, from the same θ₀, starts, steps and rate: the policy
 * with no update, and K SGD steps on the task loss through the twin, without and with the extra
 * information.
 */
export function carBaselines(
  theta0: Params,
  envs: RapierMountainCarContinuousEnv[],
  twin: SimulatorTwin,
  options: CarTestOptions,
): CarMethodResult[] {
  const run = (method: string, loss: CarInnerLoss, steps: number) =>
    carMethodResult(method, testCarLoss(loss, theta0, envs, { ...options, steps }).episodes);
  const K = options.steps;
  return [
    // With 0 steps the loss is never evaluated: θ₀ itself drives the car.
    run('policy at θ₀ (no update)', { kind: 'task', twin, shaped: false }, 0),
    run(`task loss, ${K} SGD steps`, { kind: 'task', twin, shaped: false }, K),
    run(
      `task loss with extra information, ${K} SGD steps`,
      { kind: 'task', twin, shaped: true },
      K,
    ),
  ];
}
