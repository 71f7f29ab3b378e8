/**
 * Meta-test of the sine experiment (Algorithm 2): fresh models trained by plain SGD on a learned
 * loss (φ fixed), against the same SGD on MSE from the same initial parameters; the measure is the
 * MSE on each model's task before every step and after the last.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mlp, type Params, stackParams } from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { learnedLossValues } from '../../learnedLoss.js';
import { loadLearnedLoss } from '../../lossFile.js';
import { adapt } from '../../metaStep.js';
import {
  disposeSineTaskSet,
  memberMeans,
  SINE_LOSS,
  SINE_MODEL,
  SINE_POINTS,
  SINE_TEST_TASKS,
  type SineTaskSet,
  sineMse,
  sineTaskSet,
} from './task.js';

/** What a sine evaluation needs: the seeds the set was drawn for, SGD steps and step size. */
export interface SineEvalSettings {
  /** Seeds (learned losses) side by side. */
  seeds: number;
  testSteps: number;
  innerLr: number;
}

/**
 * Trains every model of a task set from its initial θ with `testSteps` SGD steps on MSE or on
 * the seeds' learned losses (φ batched over seeds, shared by a seed's models); returns the MSE of
 * each model before each step and after the last: [steps + 1][models].
 */
export function sineLearningCurves(
  set: SineTaskSet,
  settings: SineEvalSettings,
  loss: 'mse' | Params,
): number[][] {
  const S = settings.seeds;
  const E = set.perSeed;
  const trace: number[][] = [];
  const finalTheta = adapt({
    theta0: set.init,
    steps: settings.testSteps,
    lr: settings.innerLr,
    loss: (theta) => {
      const yPred = mlp(theta, set.x, SINE_MODEL);
      if (loss === 'mse') return memberMeans(yPred.sub(set.y).square()).sum() as tf.Scalar;
      // One learned loss per seed shared by its E models: [S, E·N, 2] keeps the batched matMuls few and large.
      const features = tf.concat([yPred, set.y], 2).reshape([S, E * SINE_POINTS, 2]);
      // Σ over models of their mean loss = Σ over seeds of E · (mean over the seed's E·N points).
      return learnedLossValues(loss, features, SINE_LOSS).mean([1, 2]).sum().mul(E) as tf.Scalar;
    },
    observe: (_k, theta) => {
      const mse = tf.tidy(() => sineMse(theta, set.x, set.y));
      trace.push(Array.from(mse.dataSync()));
      mse.dispose();
    },
  });
  for (const t of finalTheta) t.dispose();
  return trace;
}

/** Mean over each seed's models of a per-model vector: [S]. */
export function seedMeans(values: number[], perSeed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += perSeed) out.push(mean(values.slice(i, i + perSeed)));
  return out;
}

/** Options of {@link evaluateSineLosses}. */
export interface SineTestOptions {
  /** Seed of the fresh tasks and initial parameters. */
  seed: number;
  testTasks: number;
  testSteps: number;
}

/** Result of {@link evaluateSineLosses}: mean and per-loss test MSE after SGD on each loss. */
export interface SineTestResult {
  learnedLosses: number;
  testSeed: number;
  testMseMl3: number;
  testMseMse: number;
  perLossTestMseMl3: number[];
  perLossTestMseMse: number[];
}

/**
 * The sine test protocol for learned-loss files (one per "seed" of fresh tasks and initial
 * parameters, drawn from `options.seed`): test MSE after SGD on each learned loss vs on MSE.
 */
export function evaluateSineLosses(
  files: readonly string[],
  innerLr: number,
  options: SineTestOptions,
): SineTestResult {
  const phi = stackParams(files.map((f) => loadLearnedLoss(f).phi));
  const seeds = { first: options.seed, count: files.length };
  const test = sineTaskSet(seeds, 'test', options.testTasks, SINE_TEST_TASKS);
  const settings = { seeds: files.length, testSteps: options.testSteps, innerLr };
  const ml3 = seedMeans(sineLearningCurves(test, settings, phi).at(-1)!, options.testTasks);
  const mse = seedMeans(sineLearningCurves(test, settings, 'mse').at(-1)!, options.testTasks);
  disposeSineTaskSet(test);
  for (const t of phi) t.dispose();
  return {
    learnedLosses: files.length,
    testSeed: options.seed,
    testMseMl3: mean(ml3),
    testMseMse: mean(mse),
    perLossTestMseMl3: ml3,
    perLossTestMseMse: mse,
  };
}
