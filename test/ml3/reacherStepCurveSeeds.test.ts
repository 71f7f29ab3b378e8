/** The distance-vs-K comparison counted over runs (seeds): the counts, the sign test, the errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signTestPValue } from '../../envs/core/stats.js';
import { type RunStepCurves, stepCurvesOverSeeds } from '../../ml3/index.js';

const STEPS = [1, 2, 5, 10, 20];

/** A run whose learned and task medians (cm) per K are given. */
function run(seed: number, learnedCm: number[], taskCm: number[]): RunStepCurves {
  const curve = (method: string, cm: number[]) => ({
    method,
    points: cm.map((c, i) => ({ steps: STEPS[i]!, lr: 1e-3, median: c / 100, q25: 0, q75: 1 })),
  });
  return {
    seed,
    initial: { steps: 0, median: 0.15, q25: 0.1, q75: 0.2 },
    curves: [curve('learned', learnedCm), curve('task', taskCm)],
    paired: STEPS.map((steps) => ({
      steps,
      learnedCloser: 1,
      learnedFarther: 0,
      pValue: 1,
      medianDifference: 0,
    })),
  };
}

describe('reacher distance-vs-K over seeds', () => {
  const runs = [
    // Below everywhere, reaches 1.5 cm at K = 10.
    run(5, [14, 10, 6, 1.5, 1], [15, 13, 12, 11, 9]),
    // Above at K = 1 only; best 3 at K = 10, 1.8 only at K = 20 (beyond the budget).
    run(6, [16, 11, 7, 3, 1.8], [15, 14, 13, 12, 10]),
    // Tied at K = 2; the task loss reaches 2 cm at K = 10.
    run(7, [12, 12, 5, 4, 3], [13, 12, 9, 2, 2]),
  ];

  it('counts per K and per run, with the sign test over runs', () => {
    const r = stepCurvesOverSeeds(runs, { withinSteps: 10, reach: 0.02 });
    assert.deepEqual(r.steps, STEPS);
    assert.deepEqual(
      r.rows.map((x) => [x.seed, x.belowAtEveryK, x.learnedBelowAt]),
      [
        [5, true, [1, 2, 5, 10, 20]],
        [6, false, [2, 5, 10, 20]],
        [7, false, [1, 5]],
      ],
    );
    assert.equal(r.belowAtEveryK, 1);
    // Best within 10 steps: learned 1.5, 3, 4; task 11, 12, 2.
    assert.deepEqual(
      r.rows.map((x) => [x.bestLearned, x.bestTask].map((m) => Math.round(m * 1e4) / 100)),
      [
        [1.5, 11],
        [3, 12],
        [4, 2],
      ],
    );
    assert.equal(r.learnedReached, 1);
    assert.equal(r.taskReached, 1);
    const k = (steps: number) => r.points.find((p) => p.steps === steps)!;
    assert.deepEqual([k(1).learnedBelow, k(1).learnedAbove], [2, 1]);
    // The tie at K = 2 counts on neither side.
    assert.deepEqual([k(2).learnedBelow, k(2).learnedAbove], [2, 0]);
    assert.equal(k(10).pValue, signTestPValue(2, 1));
    assert.equal(k(5).learned.median, 0.06);
    assert.equal(k(5).task.median, 0.12);
    assert.equal(r.initialMedian, 0.15);
    // With a budget of 2 steps only K = 1 and 2 count: seed 7 ties at K = 2, seed 6 is above at K = 1.
    const early = stepCurvesOverSeeds(runs, { withinSteps: 2, reach: 0.02 });
    assert.deepEqual(
      early.rows.map((x) => x.belowAtEveryK),
      [true, false, false],
    );
  });

  it('refuses what cannot be compared, saying why', () => {
    assert.throws(() => stepCurvesOverSeeds([], { withinSteps: 10, reach: 0.02 }), /no runs/);
    const other = run(8, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    other.curves[1]!.points.pop();
    assert.throws(
      () => stepCurvesOverSeeds([runs[0]!, other], { withinSteps: 10, reach: 0.02 }),
      /run seed 8 has its curves at K = 1,2,5,10,20 and 1,2,5,10.*compare curves of the same K/,
    );
    assert.throws(
      () => stepCurvesOverSeeds(runs, { withinSteps: 0.5, reach: 0.02 }),
      /no K ≤ 0.5 in the curves/,
    );
    assert.throws(
      () =>
        stepCurvesOverSeeds([{ ...runs[0]!, curves: [runs[0]!.curves[0]!] }], {
          withinSteps: 10,
          reach: 0.02,
        }),
      /has 1 curves; a comparison needs the learned loss's and the task loss's/,
    );
  });
});
