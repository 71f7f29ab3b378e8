/**
 * What ML3 claims, measured directly: a learned loss optimises a fresh policy faster than the
 * task loss. For K SGD steps in a list (default 1, 2, 5, 10, 20), the final fingertip distance on
 * held-out goals after K steps on the learned loss (over real rollouts) and after K steps on the
 * task loss (through the file's dynamics). Each method gets, for each K, its best learning rate
 * from a grid, chosen on goals of the training distribution drawn from a stream of their own (never
 * the held-out goals): a method is not judged at a step size that suits the other. A learned
 * loss's gradient has whatever scale meta-training gave it, so each grid is the same set of
 * factors around the method's own rate: the rate the learned loss was trained with, and 1e-3 for
 * the task loss.
 */
import { median, quantile, signTestPValue } from '../../../envs/core/stats.js';
import { type ReacherEnv, RNG } from '../../../envs/index.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  type ReacherInnerLoss,
  type ReacherLossUnderTest,
} from './metaTest.js';
import { type ReacherEpisode, sampleReacherEpisodes } from './task.js';

/** Options of {@link reacherStepCurves}. */
export interface StepCurveOptions {
  /** Held-out goals. */
  goals: number;
  /** Seed of the held-out goals (and of the selection goals' stream). */
  seed: number;
  /** Steps per episode. */
  horizon: number;
  /** The K values, ascending. */
  stepCounts: readonly number[];
  /** Each method's grid: these factors times its own rate. */
  lrFactors: readonly number[];
  /** The learned loss's own rate (the inner rate it was meta-trained with). */
  learnedLr: number;
  /** The task loss's own rate. */
  taskLr: number;
  /** Goals the learning rates are chosen on. */
  selectionGoals: number;
}

/**
 * The paper's 2 steps and the longer horizons a user would try. The rate grid spans ×0.001 to ×30
 * of each method's own rate: the task loss's best rate moves by decades with the initial policies
 * (from still arms, `per-episode-small-output`, it is 1e-6 to 1e-5 against its own 1e-3). The
 * grid ×0.03 … ×10 used before 2026-12-03 started at 3e-5, above all of those (seed 8: 3.19 cm at
 * K = 5 with the wide grid, 14.52 with the narrow one).
 */
export const STEP_CURVE_DEFAULTS: Readonly<
  Omit<StepCurveOptions, 'goals' | 'seed' | 'horizon' | 'learnedLr'>
> = Object.freeze({
  stepCounts: Object.freeze([1, 2, 5, 10, 20]),
  lrFactors: Object.freeze([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30]),
  taskLr: 1e-3,
  selectionGoals: 10,
});

/** A method's grid: the factors times its rate, rounded to 6 digits (1e-3 × 0.1 is 1e-4). */
export function lrGrid(rate: number, factors: readonly number[]): number[] {
  return factors.map((f) => Number((rate * f).toPrecision(6)));
}

/** Final distances after K steps: median and quartiles over goals (m), and the rate used. */
export interface StepCurvePoint {
  steps: number;
  lr: number;
  median: number;
  q25: number;
  q75: number;
}

/**
 * The learned loss against the task loss goal by goal at one K (each at its chosen rate; the same
 * goals and initial policies): a difference of medians over 20 goals moves by a centimetre or two
 * with the draw of goals, so this says whether a difference is more than that draw.
 */
export interface PairedStepComparison {
  steps: number;
  /** Goals where the learned loss ends closer to the target than the task loss. */
  learnedCloser: number;
  /** Goals where it ends farther (the rest are ties). */
  learnedFarther: number;
  /** The exact two-sided sign test's p-value of that split. */
  pValue: number;
  /** The median over goals of (learned − task) final distance (m; negative: the learned loss is closer). */
  medianDifference: number;
}

/** One method's curve. */
export interface StepCurve {
  method: string;
  points: StepCurvePoint[];
}

/** Goals of the training distribution for choosing learning rates (not the held-out stream). */
export function selectionReacherEpisodes(count: number, seed: number): ReacherEpisode[] {
  return sampleReacherEpisodes(new RNG(RNG.deriveSeed(seed, 'reacher/lr-selection')), count);
}

/** Final distances per goal after each k = 0 … max(K) steps of `loss` at `lr`. */
function distancesByStep(
  context: ReacherLossUnderTest,
  loss: ReacherInnerLoss,
  lr: number,
  episodes: readonly ReacherEpisode[],
  horizon: number,
  maxSteps: number,
): Float64Array[] {
  const envs: ReacherEnv[] = [];
  const byStep: Float64Array[] = [];
  try {
    const { theta } = adaptReacherPolicies({
      theta0: context.theta0,
      initialPolicy: context.initialPolicy,
      episodes,
      envs,
      loss,
      steps: maxSteps,
      lr,
      horizon,
      onRollouts: (k, r) => {
        byStep[k] = Float64Array.from(r.finalDistance);
      },
    });
    for (const t of theta) t.dispose();
  } finally {
    for (const env of envs) env.close();
  }
  return byStep;
}

/**
 * The distance-vs-K curves of the learned loss and of the task loss (see the file header).
 * @returns the two curves and the initial policy's distances (K = 0)
 */
export function reacherStepCurves(
  context: ReacherLossUnderTest,
  options: StepCurveOptions,
): {
  curves: StepCurve[];
  initial: Omit<StepCurvePoint, 'lr'>;
  /** The first curve (learned loss) against the second (task loss), goal by goal, per K. */
  paired: PairedStepComparison[];
} {
  const maxSteps = Math.max(...options.stepCounts);
  const selection = selectionReacherEpisodes(options.selectionGoals, options.seed);
  const heldOut = heldOutReacherEpisodes(options.goals, options.seed);
  const through = context.dynamics.kind === 'twin' ? 'the twin' : 'the model';
  const methods: [string, ReacherInnerLoss, number[]][] = [
    [
      'ML3 learned loss',
      { kind: 'learned', phi: context.phi, objective: context.objective },
      lrGrid(options.learnedLr, options.lrFactors),
    ],
    [
      `task loss through ${through}`,
      { kind: 'task', dynamics: context.dynamics, objective: context.objective },
      lrGrid(options.taskLr, options.lrFactors),
    ],
  ];
  const summary = (d: ArrayLike<number>) => ({
    median: quantile(d, 0.5),
    q25: quantile(d, 0.25),
    q75: quantile(d, 0.75),
  });
  let initial: Omit<StepCurvePoint, 'lr'> | undefined;
  // Each method's per-goal held-out distances at each K, for the paired comparison.
  const perGoal: Float64Array[][] = [];
  const curves = methods.map(([method, loss, grid]) => {
    // Choose each K's rate on the selection goals...
    const selected = grid.map((lr) =>
      distancesByStep(context, loss, lr, selection, options.horizon, maxSteps),
    );
    const bestLr = options.stepCounts.map((k) => {
      const medians = selected.map((byStep) => quantile(byStep[k]!, 0.5));
      return grid[medians.indexOf(Math.min(...medians))]!;
    });
    // ...then measure on the held-out goals, one run per rate chosen.
    const runs = new Map<number, Float64Array[]>();
    for (const lr of new Set(bestLr)) {
      runs.set(lr, distancesByStep(context, loss, lr, heldOut, options.horizon, maxSteps));
    }
    initial ??= { steps: 0, ...summary(runs.get(bestLr[0]!)![0]!) };
    perGoal.push(options.stepCounts.map((k, i) => runs.get(bestLr[i]!)![k]!));
    const points = options.stepCounts.map((k, i) => ({
      steps: k,
      lr: bestLr[i]!,
      ...summary(runs.get(bestLr[i]!)![k]!),
    }));
    return { method, points };
  });
  const paired = options.stepCounts.map((steps, i) =>
    pairedComparison(steps, perGoal[0]![i]!, perGoal[1]![i]!),
  );
  return { curves, initial: initial!, paired };
}

/** {@link PairedStepComparison} of two methods' per-goal distances at one K. */
export function pairedComparison(
  steps: number,
  learned: ArrayLike<number>,
  task: ArrayLike<number>,
): PairedStepComparison {
  const differences = Array.from(learned, (d, g) => d - task[g]!);
  const learnedCloser = differences.filter((d) => d < 0).length;
  const learnedFarther = differences.filter((d) => d > 0).length;
  return {
    steps,
    learnedCloser,
    learnedFarther,
    pValue: signTestPValue(learnedCloser, learnedFarther),
    medianDifference: median(differences),
  };
}
