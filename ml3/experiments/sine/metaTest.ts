/**
 * Meta-test of the sine experiment (Algorithm 2): fresh models trained by plain SGD on a learned
 * loss (φ fixed), against the same SGD on MSE from the same initial parameters; the measure is the
 * MSE on each model's task before every step and after the last.
 */
import { type CpuMlp, cloneMlp, readBatchedMlps, readMlp } from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { learnedLossMlp } from '../../learnedLoss.js';
import { loadLearnedLoss } from '../../lossFile.js';
import { SineKernel } from './cpuSine.js';
import {
  disposeSineTaskSet,
  SINE_LOSS,
  SINE_MODEL,
  SINE_POINTS,
  SINE_TEST_TASKS,
  type SineTaskSet,
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
 * the seeds' learned losses (one per seed, shared by the seed's models); returns the MSE of
 * each model before each step and after the last: [steps + 1][models]. Runs in plain JavaScript
 * ({@link SineKernel}), one model at a time.
 */
export function sineLearningCurves(
  set: SineTaskSet,
  settings: SineEvalSettings,
  loss: 'mse' | readonly CpuMlp[],
): number[][] {
  const E = set.perSeed;
  const x = set.x.dataSync() as Float32Array;
  const y = set.y.dataSync() as Float32Array;
  const models = readBatchedMlps(set.init, SINE_MODEL);
  const losses = loss === 'mse' ? null : loss;
  if (losses && losses.length !== settings.seeds)
    throw new RangeError(`expected ${settings.seeds} learned losses, got ${losses.length}`);
  const kernel = new SineKernel();
  const steps = settings.testSteps;
  const trace = Array.from({ length: steps + 1 }, () => new Array<number>(models.length));
  models.forEach((init, b) => {
    const theta = cloneMlp(init);
    const xs = x.subarray(b * SINE_POINTS, (b + 1) * SINE_POINTS);
    const ys = y.subarray(b * SINE_POINTS, (b + 1) * SINE_POINTS);
    const phi = losses ? losses[Math.floor(b / E)]! : null;
    for (let k = 0; k < steps; k++)
      trace[k]![b] = kernel.sgdStep(theta, phi, xs, ys, settings.innerLr);
    trace[steps]![b] = kernel.mse(theta, xs, ys);
  });
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
  const losses = files.map((f) => {
    const { phi } = loadLearnedLoss(f);
    const net = readMlp(phi, learnedLossMlp(SINE_LOSS)); // arrays read out, kept past dispose
    for (const t of phi) t.dispose();
    return net;
  });
  const seeds = { first: options.seed, count: files.length };
  const test = sineTaskSet(seeds, 'test', options.testTasks, SINE_TEST_TASKS);
  const settings = { seeds: files.length, testSteps: options.testSteps, innerLr };
  const ml3 = seedMeans(sineLearningCurves(test, settings, losses).at(-1)!, options.testTasks);
  const mse = seedMeans(sineLearningCurves(test, settings, 'mse').at(-1)!, options.testTasks);
  disposeSineTaskSet(test);
  return {
    learnedLosses: files.length,
    testSeed: options.seed,
    testMseMl3: mean(ml3),
    testMseMse: mean(mse),
    perLossTestMseMl3: ml3,
    perLossTestMseMse: mse,
  };
}
