import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { selectBackend } from '../../agents/index.js';
import { median } from '../../envs/core/stats.js';
import type { ReacherEnv } from '../../envs/index.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  loadReacherLossFile,
  type ReacherConfig,
  type ReacherEpisode,
  ReacherMetaTrainer,
  validationReacherEpisodes,
} from '../../ml3/experiments/reacher/index.js';
import { reacherExperiment } from '../../scripts/experiments/reacher.js';
import { trainExperiment } from '../../scripts/run/train.js';

const TINY = {
  ...reacherExperiment.defaults,
  iterations: 5,
  goals: 2,
  horizon: 6,
  randomEpisodes: 2,
  collectEvery: 1,
  refitEvery: 100,
  testGoals: 3,
  evalEvery: 1,
  validationGoals: 3,
  modelPolicySteps: 0,
  planners: false,
  // A rate large enough that φ, and so the validation median, changes from one iteration to the next.
  outerLr: 0.05,
};

async function train(config: Record<string, unknown>) {
  const out = mkdtempSync(join(tmpdir(), 'ml3-reacher-select-'));
  return trainExperiment(reacherExperiment as never, {
    config,
    out,
    name: 'run',
    backend: 'wasm',
    backendExplicit: true,
    quiet: true,
    json: false,
  });
}

/** The run with the defaults (the last φ), trained once for the tests that compare with it. */
let lastRun: ReturnType<typeof train> | undefined;
const trainLast = () => {
  lastRun ??= train(TINY);
  return lastRun;
};

/** The test protocol of a learned-loss file on `episodes`: the median final distance (cm). */
function fileMedianCm(path: string, episodes: ReacherEpisode[]): number {
  const file = loadReacherLossFile(path);
  const envs: ReacherEnv[] = [];
  try {
    const { theta, rollouts } = adaptReacherPolicies({
      theta0: file.theta0,
      episodes,
      envs,
      loss: { kind: 'learned', phi: file.phi, objective: file.objective },
      steps: file.context.testSteps,
      lr: file.context.innerLr,
      horizon: file.context.horizon,
    });
    for (const t of theta) t.dispose();
    return 100 * median(rollouts.finalDistance);
  } finally {
    for (const env of envs) env.close();
    file.dispose();
  }
}

describe('reacher --select-phi validation and average', () => {
  it('delivers the φ with the lowest validation median, on goals that are not the test goals', async () => {
    const validation = validationReacherEpisodes(4, 0);
    const test = heldOutReacherEpisodes(4, 0);
    assert.notDeepEqual(
      validation.map((e) => e.target),
      test.map((e) => e.target),
    );
    const result = await train({ ...TINY, selectPhi: 'validation' });
    assert.equal(result.status, 'completed');
    const rows = result.run
      .readMetrics()
      .filter((m) => typeof m['validation/median_distance_cm'] === 'number');
    assert.equal(rows.length, 5, 'a validation evaluation at every evaluation');
    const medians = rows.map((m) => m['validation/median_distance_cm'] as number);
    // The running choice: the first iteration with the lowest median so far (metrics count
    // iterations from 1, as the selection does).
    let best = 0;
    rows.forEach((m, i) => {
      if (medians[i]! < medians[best]!) best = i;
      assert.equal(m['validation/selected_iteration'], rows[best]!.iteration);
    });
    assert.ok(new Set(medians).size > 1, `the validation median moved: ${medians}`);
    assert.notEqual(
      best,
      rows.length - 1,
      'here the best φ is not the last, so the file shows the choice',
    );
    assert.equal(result.summary?.selectedIteration, rows[best]!.iteration);
    // The file's φ is that iteration's: the same protocol on the validation goals gives its median.
    const goals = validationReacherEpisodes(TINY.validationGoals, TINY.seed);
    assert.equal(fileMedianCm(result.run.file('learned-loss.json'), goals), medians[best]);
    assert.equal(result.summary?.selectedValidationMedianCm, medians[best]);
  });

  it('--select-phi average: delivers φ̄ ← β·φ̄ + (1 − β)·φ over the meta-updates, and training is unchanged', async () => {
    await selectBackend('wasm');
    const beta = 0.6;
    const config = { ...TINY, selectPhi: 'average', phiAverageDecay: beta } as ReacherConfig;
    // The average by hand, in float64, from the φ after every meta-update.
    const trainer = ReacherMetaTrainer.create(config);
    let average: Float64Array[] = trainer.phi.map((p) => Float64Array.from(p.dataSync()));
    try {
      for (let i = 0; i < config.iterations; i++) {
        trainer.step(i);
        average = average.map((a, k) => {
          const phi = trainer.phi[k]!.dataSync();
          return a.map((v, j) => beta * v + (1 - beta) * phi[j]!);
        });
      }
      trainer.averaged!.forEach((a, k) => {
        const got = a.dataSync();
        for (let j = 0; j < got.length; j++)
          assert.ok(Math.abs(got[j]! - average[k]![j]!) < 1e-6, `φ̄[${k}][${j}]`);
      });
      assert.equal(trainer.deliveredPhi(), trainer.averaged);
    } finally {
      trainer.dispose();
    }
    const [last, averaged] = [await trainLast(), await train(config as never)];
    const rows = (r: typeof last, field: string) => r.run.readMetrics().map((m) => m[field]);
    // The last φ's evaluations and the meta-objective are the same: only the delivered φ differs.
    for (const field of ['test/median_distance_cm', 'meta/task_loss'])
      assert.deepEqual(rows(averaged, field), rows(last, field));
    const averageMedians = rows(averaged, 'average/median_distance_cm');
    assert.equal(averageMedians.length, 5);
    assert.ok(averageMedians.every((m) => typeof m === 'number'));
    assert.notDeepEqual(averageMedians, rows(last, 'test/median_distance_cm'));
    // The file holds φ̄: its final test on the held-out goals repeats the last evaluation of φ̄.
    const heldOut = heldOutReacherEpisodes(TINY.testGoals, TINY.seed);
    assert.equal(
      fileMedianCm(averaged.run.file('learned-loss.json'), heldOut),
      averageMedians.at(-1),
    );
  });

  it('rejects a decay outside [0, 1)', () => {
    assert.throws(
      () =>
        ReacherMetaTrainer.create({
          ...TINY,
          selectPhi: 'average',
          phiAverageDecay: 1,
        } as ReacherConfig),
      /phiAverageDecay must be in \[0, 1\), got 1/,
    );
  });

  it('keeps the last φ by default (the paper), with no validation evaluations', async () => {
    const result = await trainLast();
    assert.equal(result.status, 'completed');
    assert.equal(result.summary?.selectedIteration, undefined);
    assert.ok(
      result.run.readMetrics().every((m) => m['validation/median_distance_cm'] === undefined),
    );
  });
});
