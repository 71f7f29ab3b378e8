import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { median } from '../../envs/core/stats.js';
import type { ReacherEnv } from '../../envs/index.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  loadReacherLossFile,
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

describe('reacher --select-phi validation', () => {
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
    const file = loadReacherLossFile(result.run.file('learned-loss.json'));
    const envs: ReacherEnv[] = [];
    try {
      const { theta, rollouts } = adaptReacherPolicies({
        theta0: file.theta0,
        episodes: validationReacherEpisodes(TINY.validationGoals, TINY.seed),
        envs,
        loss: { kind: 'learned', phi: file.phi, objective: file.objective },
        steps: file.context.testSteps,
        lr: file.context.innerLr,
        horizon: file.context.horizon,
      });
      for (const t of theta) t.dispose();
      assert.equal(100 * median(rollouts.finalDistance), medians[best]);
      assert.equal(result.summary?.selectedValidationMedianCm, medians[best]);
    } finally {
      for (const env of envs) env.close();
      file.dispose();
    }
  });

  it('keeps the last φ by default (the paper), with no validation evaluations', async () => {
    const result = await train(TINY);
    assert.equal(result.status, 'completed');
    assert.equal(result.summary?.selectedIteration, undefined);
    assert.ok(
      result.run.readMetrics().every((m) => m['validation/median_distance_cm'] === undefined),
    );
  });
});
