/**
 * The distance-vs-K comparison over several runs (seeds): one run's curve says what its learned
 * loss does on its held-out goals; whether ML3's claim holds for a setting is a count over seeds.
 * Per K, on how many runs the learned loss's median is below the task loss's and the sign test of
 * that split over runs; per run, whether it is below at every K up to a step budget and how close
 * each loss gets within it.
 */
import { median, quantile, signTestPValue } from '../../../envs/core/stats.js';
import { InvalidArgument } from '../../../envs/index.js';
import type { PairedStepComparison, StepCurve, StepCurvePoint } from './stepCurve.js';

/** One run's distance-vs-K result: the learned loss's curve first, then the task loss's. */
export interface RunStepCurves {
  /** The run's seed. */
  seed: number;
  initial: Omit<StepCurvePoint, 'lr'>;
  curves: readonly StepCurve[];
  paired: readonly PairedStepComparison[];
}

/** What the comparison counts: "below at every K ≤ withinSteps" and "within `reach` in them". */
export interface StepCurveSeedOptions {
  /** The step budget of the every-K count and of the best distance (the 10). */
  withinSteps: number;
  /** A distance to reach within `withinSteps` steps (m; the 2 cm). */
  reach: number;
}

/** One run's row. Distances in m. */
export interface StepCurveSeedRow {
  seed: number;
  /** The initial policy's median over the held-out goals. */
  initialMedian: number;
  /** The learned loss's and the task loss's median at each K of {@link StepCurvesOverSeeds.steps}. */
  learned: number[];
  task: number[];
  /** Goals on which the learned loss ends closer, of those not tied, and the sign test's p, per K. */
  paired: readonly PairedStepComparison[];
  /** The K at which the learned loss's median is below the task loss's. */
  learnedBelowAt: number[];
  /** Below at every K ≤ withinSteps. */
  belowAtEveryK: boolean;
  /** Each loss's lowest median at K ≤ withinSteps. */
  bestLearned: number;
  bestTask: number;
}

/** One K over the runs. Distances in m. */
export interface StepCurveSeedPoint {
  steps: number;
  /** Runs whose learned-loss median is below / above the task loss's (the rest tie). */
  learnedBelow: number;
  learnedAbove: number;
  /** The exact two-sided sign test of that split: is the learned loss ahead on more runs than chance? */
  pValue: number;
  /** Median and quartiles over runs of each run's median. */
  learned: { median: number; q25: number; q75: number };
  task: { median: number; q25: number; q75: number };
}

/** {@link stepCurvesOverSeeds}' result. */
export interface StepCurvesOverSeeds {
  steps: number[];
  withinSteps: number;
  reach: number;
  rows: StepCurveSeedRow[];
  points: StepCurveSeedPoint[];
  /** The initial policies' median over runs of each run's median. */
  initialMedian: number;
  /** Runs below the task loss at every K ≤ withinSteps. */
  belowAtEveryK: number;
  /** Runs whose learned / task loss reaches `reach` at some K ≤ withinSteps (by the median). */
  learnedReached: number;
  taskReached: number;
}

const spread = (xs: readonly number[]) => ({
  median: median(xs),
  q25: quantile(xs, 0.25),
  q75: quantile(xs, 0.75),
});

/**
 * Counts the runs' curves: they must share their K values (the comparison is per K), and at least
 * one K must be ≤ `withinSteps`.
 */
export function stepCurvesOverSeeds(
  runs: readonly RunStepCurves[],
  options: StepCurveSeedOptions,
): StepCurvesOverSeeds {
  if (runs.length === 0) throw new InvalidArgument('no runs to compare: give at least one');
  const steps = runs[0]!.curves[0]?.points.map((p) => p.steps) ?? [];
  for (const r of runs) {
    if (r.curves.length !== 2)
      throw new InvalidArgument(
        `run seed ${r.seed} has ${r.curves.length} curves; a comparison needs the learned loss's and the task loss's`,
      );
    const k = r.curves.map((c) => c.points.map((p) => p.steps).join(','));
    if (k[0] !== steps.join(',') || k[1] !== steps.join(','))
      throw new InvalidArgument(
        `run seed ${r.seed} has its curves at K = ${k[0]} and ${k[1]}, the first run at K = ${steps.join(', ')}: compare curves of the same K`,
      );
  }
  const within = steps.map((s, i) => (s <= options.withinSteps ? i : -1)).filter((i) => i >= 0);
  if (within.length === 0)
    throw new InvalidArgument(
      `no K ≤ ${options.withinSteps} in the curves (K = ${steps.join(', ')}): raise the step budget`,
    );
  const rows = runs.map((r): StepCurveSeedRow => {
    const learned = r.curves[0]!.points.map((p) => p.median);
    const task = r.curves[1]!.points.map((p) => p.median);
    const below = steps.map((_, i) => learned[i]! < task[i]!);
    return {
      seed: r.seed,
      initialMedian: r.initial.median,
      learned,
      task,
      paired: r.paired,
      learnedBelowAt: steps.filter((_, i) => below[i]),
      belowAtEveryK: within.every((i) => below[i]),
      bestLearned: Math.min(...within.map((i) => learned[i]!)),
      bestTask: Math.min(...within.map((i) => task[i]!)),
    };
  });
  const points = steps.map((s, i): StepCurveSeedPoint => {
    const learned = rows.map((r) => r.learned[i]!);
    const task = rows.map((r) => r.task[i]!);
    const learnedBelow = rows.filter((r) => r.learned[i]! < r.task[i]!).length;
    const learnedAbove = rows.filter((r) => r.learned[i]! > r.task[i]!).length;
    return {
      steps: s,
      learnedBelow,
      learnedAbove,
      pValue: signTestPValue(learnedBelow, learnedAbove),
      learned: spread(learned),
      task: spread(task),
    };
  });
  return {
    steps,
    withinSteps: options.withinSteps,
    reach: options.reach,
    rows,
    points,
    initialMedian: median(rows.map((r) => r.initialMedian)),
    belowAtEveryK: rows.filter((r) => r.belowAtEveryK).length,
    learnedReached: rows.filter((r) => r.bestLearned <= options.reach).length,
    taskReached: rows.filter((r) => r.bestTask <= options.reach).length,
  };
}
