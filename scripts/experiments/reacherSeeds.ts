/**
 * `ml3 reacher seeds <run-dir…>`: the distance-vs-K comparisons that `ml3 reacher test --curve`
 * saved in several runs (seeds), counted over the runs (`stepCurvesOverSeeds`), as a table and
 * one plot: each loss's median over runs of the runs' medians, with quartiles over runs.
 */
import {
  type ReacherConfig,
  type StepCurveSeedOptions,
  type StepCurvesOverSeeds,
  stepCurvesOverSeeds,
} from '../../ml3/index.js';
import { readJson, UsageError } from '../run/files.js';
import { renderLinePlot, writePlotFiles } from '../run/plots.js';
import { openRunOf } from '../run/runDir.js';
import { type SavedStepCurves, STEP_CURVE_FILE } from './reacherStepCurve.js';

/** What `ml3 reacher seeds` reports: the counts, and the settings every run shares. */
export interface ReacherSeedsReport extends StepCurvesOverSeeds {
  runs: string[];
  initialPolicy: SavedStepCurves['initialPolicy'];
  heldOut: SavedStepCurves['heldOut'];
  selection: SavedStepCurves['selection'];
}

/** The one value of `key` over the runs, or an error naming the runs that differ. */
function shared<T>(
  saved: readonly SavedStepCurves[],
  paths: readonly string[],
  what: string,
  key: (s: SavedStepCurves) => T,
): T {
  const text = saved.map((s) => JSON.stringify(key(s)));
  const odd = text.findIndex((t) => t !== text[0]);
  if (odd >= 0)
    throw new UsageError(
      `${paths[0]} and ${paths[odd]} were tested with different ${what} (${text[0]} and ${text[odd]}): compare runs tested the same way (ml3 reacher test <run> --curve true with the same --goals, --seed, --selection-goals and --initial-policy)`,
    );
  return key(saved[0]!);
}

/**
 * Reads each run's saved comparison (`media/step-curve.json`), checks they were measured the same
 * way (held-out goals, rate grid, initial policies), counts them and, with `out`, writes the plot
 * as `<out>.png` and `.svg`.
 */
export async function reacherSeeds(
  runPaths: readonly string[],
  options: StepCurveSeedOptions & { out?: string },
): Promise<ReacherSeedsReport> {
  if (runPaths.length === 0) throw new UsageError('name at least one reacher run folder');
  const opened = runPaths.map((p) => openRunOf<ReacherConfig>(p, 'reacher'));
  const saved = opened.map(({ run }, i) => {
    const path = run.file('media', STEP_CURVE_FILE);
    try {
      return readJson(path, 'distance-vs-K result') as SavedStepCurves;
    } catch (err) {
      throw new UsageError(
        `${runPaths[i]} has no distance-vs-K result (${(err as Error).message}); make one with: ml3 reacher test ${runPaths[i]} --curve true`,
      );
    }
  });
  const same = <T>(what: string, key: (s: SavedStepCurves) => T) =>
    shared(saved, runPaths, what, key);
  const initialPolicy = same('initial policies', (s) => s.initialPolicy);
  const heldOut = same('held-out goals', (s) => s.heldOut);
  const selection = same('rate selections', (s) => s.selection);
  const counted = stepCurvesOverSeeds(
    saved.map((s, i) => ({ ...s, seed: opened[i]!.config.seed })),
    options,
  );
  if (options.out) await writeSeedsPlot(counted, initialPolicy, options.out);
  return { ...counted, runs: [...runPaths], initialPolicy, heldOut, selection };
}

/** The plot: per K, each loss's median over runs with quartiles over runs, and θ₀'s median. */
async function writeSeedsPlot(
  counted: StepCurvesOverSeeds,
  initialPolicy: SavedStepCurves['initialPolicy'],
  out: string,
): Promise<void> {
  const cm = (m: number) => 100 * m;
  const rows = counted.points.map((p) => ({
    steps: p.steps,
    learned: cm(p.learned.median),
    learnedQ25: cm(p.learned.q25),
    learnedQ75: cm(p.learned.q75),
    task: cm(p.task.median),
    taskQ25: cm(p.task.q25),
    taskQ75: cm(p.task.q75),
    initial: cm(counted.initialMedian),
  }));
  const n = counted.rows.length;
  const plot = await renderLinePlot(rows, {
    file: 'seeds',
    title: `Reacher, ${n} runs (${initialPolicy} θ₀): median over runs of each run's held-out median, quartiles over runs`,
    x: 'steps',
    xTitle: 'SGD steps K (log scale)',
    yTitle: 'final fingertip distance (cm)',
    logX: true,
    series: [
      { field: 'learned', label: 'ML3 learned loss', band: ['learnedQ25', 'learnedQ75'] },
      {
        field: 'task',
        label: 'task loss through the model (each at its chosen rate per K)',
        band: ['taskQ25', 'taskQ75'],
      },
      { field: 'initial', label: 'initial policy (no update)' },
    ],
  });
  writePlotFiles(out, plot);
}
