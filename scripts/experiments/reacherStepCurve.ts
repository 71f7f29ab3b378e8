/**
 * `ml3 reacher test --curve true`: the distance-vs-K comparison of a reacher learned loss (see
 * `ml3/experiments/reacher/stepCurve.ts`) as a printed table and one plot, with the initial
 * policy and the planners as reference lines.
 */
import {
  type MethodResult,
  type PairedStepComparison,
  type ReacherInitialPolicy,
  type ReacherLossFile,
  reacherStepCurves,
  STEP_CURVE_DEFAULTS,
  type StepCurve,
  type StepCurvePoint,
} from '../../ml3/index.js';
import { writeJsonAtomic } from '../run/files.js';
import { writePlots } from '../run/plots.js';

/** The file `ml3 reacher test --curve` writes next to its plot, which `ml3 reacher seeds` reads. */
export const STEP_CURVE_FILE = 'step-curve.json';

/** What {@link STEP_CURVE_FILE} holds: the comparison and the settings it was measured with. */
export interface SavedStepCurves {
  /** Where the fresh policies started. */
  initialPolicy: ReacherInitialPolicy;
  /** The held-out goals: how many, and their seed. */
  heldOut: { goals: number; seed: number };
  /** How each method's rate was chosen per K. */
  selection: { goals: number; lrFactors: number[]; learnedLr: number; taskLr: number };
  initial: Omit<StepCurvePoint, 'lr'>;
  curves: StepCurve[];
  paired: PairedStepComparison[];
}

const cm = (m: number) => (100 * m).toFixed(2);

/**
 * The table: one row per K, each method's median [quartiles] and chosen learning rate, then the
 * goal-by-goal comparison: on how many goals the learned loss ends closer, and the sign test's p.
 */
export function formatStepCurves(
  curves: readonly StepCurve[],
  initialMedian: number,
  paired: readonly PairedStepComparison[],
): string {
  const cell = (c: StepCurve, i: number) => {
    const p = c.points[i]!;
    return `${cm(p.median)} [${cm(p.q25)}, ${cm(p.q75)}] lr ${p.lr}`.padEnd(34);
  };
  const pairedCell = (p: PairedStepComparison) =>
    `${p.learnedCloser}/${p.learnedCloser + p.learnedFarther} (p ${p.pValue.toPrecision(2)})`;
  const header = `  ${'K'.padStart(3)}  ${curves.map((c) => c.method.padEnd(34)).join('')}learned closer on (sign test)`;
  const rows = curves[0]!.points.map(
    (p, i) =>
      `  ${String(p.steps).padStart(3)}  ${curves.map((c) => cell(c, i)).join('')}${pairedCell(paired[i]!)}`,
  );
  return [`  ${'0'.padStart(3)}  initial policy ${cm(initialMedian)}`, header, ...rows].join('\n');
}

/**
 * Computes the curves on the held-out goals, prints them, writes `step-curve.png/.svg` into
 * `dir` (when given) and returns them for the results JSON.
 * @param references other methods' results on the same goals (planners), drawn as flat lines
 */
export async function stepCurveReport(
  file: ReacherLossFile,
  options: { goals: number; seed: number },
  references: readonly MethodResult[],
  out: { dir?: string; log: (m: string) => void },
  settings: Partial<typeof STEP_CURVE_DEFAULTS> = {},
): Promise<{
  initial: Omit<StepCurvePoint, 'lr'>;
  curves: StepCurve[];
  paired: PairedStepComparison[];
}> {
  const chosen = { ...STEP_CURVE_DEFAULTS, ...settings };
  const { curves, initial, paired } = reacherStepCurves(file, {
    ...chosen,
    learnedLr: file.context.innerLr,
    goals: options.goals,
    seed: options.seed,
    horizon: file.context.horizon,
  });
  out.log(
    `distance after K SGD steps, median [quartiles] in cm over ${options.goals} held-out goals; each method's learning rate chosen per K from ×{${chosen.lrFactors.join(', ')}} its own rate (learned loss ${file.context.innerLr}, task loss ${chosen.taskLr}) on ${chosen.selectionGoals} other goals of the training distribution:`,
  );
  out.log(formatStepCurves(curves, initial.median, paired));
  if (out.dir) {
    const saved: SavedStepCurves = {
      initialPolicy: file.initialPolicy,
      heldOut: { goals: options.goals, seed: options.seed },
      selection: {
        goals: chosen.selectionGoals,
        lrFactors: [...chosen.lrFactors],
        learnedLr: file.context.innerLr,
        taskLr: chosen.taskLr,
      },
      initial,
      curves,
      paired,
    };
    writeJsonAtomic(`${out.dir}/${STEP_CURVE_FILE}`, saved);
    const field = (i: number, suffix: string) => `m${i}_${suffix}`;
    const rows = curves[0]!.points.map((p, j) => {
      const row: Record<string, number> = { steps: p.steps, initial: 100 * initial.median };
      curves.forEach((c, i) => {
        const q = c.points[j]!;
        row[field(i, 'median')] = 100 * q.median;
        row[field(i, 'q25')] = 100 * q.q25;
        row[field(i, 'q75')] = 100 * q.q75;
      });
      references.forEach((r, i) => {
        row[`ref${i}`] = 100 * r.median;
      });
      return row;
    });
    await writePlots(out.dir, rows, [
      {
        file: 'step-curve',
        title: 'Reacher: final distance after K SGD steps on held-out goals (median, quartiles)',
        x: 'steps',
        xTitle: 'SGD steps K (log scale)',
        yTitle: 'final fingertip distance (cm)',
        logX: true,
        series: [
          ...curves.map((c, i) => ({
            field: field(i, 'median'),
            label: c.method,
            band: [field(i, 'q25'), field(i, 'q75')] as [string, string],
          })),
          { field: 'initial', label: 'initial policy' },
          ...references.map((r, i) => ({ field: `ref${i}`, label: r.method })),
        ],
      },
    ]);
  }
  return { initial, curves, paired };
}

/** The K values at which the first curve (the learned loss) is below the second (the task loss). */
export function learnedLossAhead(curves: readonly StepCurve[]): number[] {
  const [learned, task] = curves;
  return learned!.points.filter((p, i) => p.median < task!.points[i]!.median).map((p) => p.steps);
}
