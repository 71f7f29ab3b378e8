/** The reacher's distance-vs-K protocol at a tiny budget: shape, consistency and determinism. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { reacherTwin, selectBackend } from '../../agents/index.js';
import { signTestPValue } from '../../envs/core/stats.js';
import { REACHER_DEFAULTS, type ReacherEnv, RNG } from '../../envs/index.js';
import {
  AUTHORS_OBJECTIVE,
  adaptReacherPolicies,
  FLAT_LOSS_SHIFT,
  heldOutReacherEpisodes,
  initLearnedLoss,
  pairedComparison,
  REACHER_LOSS,
  type ReacherLossUnderTest,
  reacherInitialPolicy,
  reacherStepCurves,
  testReacherLoss,
} from '../../ml3/index.js';
import { ml3 } from '../scripts/runCli.js';

const OPTIONS = {
  goals: 3,
  seed: 4,
  horizon: 6,
  stepCounts: [1, 3],
  lrFactors: [1, 30],
  learnedLr: 1e-3,
  taskLr: 1e-3,
  selectionGoals: 2,
};

function context(): ReacherLossUnderTest {
  return {
    phi: initLearnedLoss(REACHER_LOSS, new RNG(1)),
    theta0: reacherInitialPolicy(0),
    dynamics: { kind: 'twin', twin: reacherTwin(REACHER_DEFAULTS) },
    objective: AUTHORS_OBJECTIVE,
  };
}

describe('reacher distance-vs-K protocol', () => {
  it('reports how far K steps move the policy, and warns when the learned loss is flat at θ₀', async () => {
    await selectBackend('wasm');
    const ctx = context();
    const options = { goals: 3, seed: 4, steps: 2, innerLr: 1e-3, horizon: 6 };
    const run = async (phi: typeof ctx.phi) => {
      const lines: string[] = [];
      const { methods } = await testReacherLoss(
        { ...ctx, phi },
        { ...options, modelPolicySteps: 0, planners: false },
        (m) => lines.push(m),
      );
      return {
        shifts: methods.map((m) => m.parameterShift),
        warned: lines.some((l) => /flat at θ₀/.test(l)),
      };
    };
    const live = await run(ctx.phi);
    assert.equal(live.shifts[0], 0, 'no update: θ₀ itself');
    assert.ok(live.shifts[1]! > FLAT_LOSS_SHIFT, `learned loss moved θ by ${live.shifts[1]}`);
    assert.ok(live.shifts[2]! > FLAT_LOSS_SHIFT, `task loss moved θ by ${live.shifts[2]}`);
    assert.equal(live.warned, false);
    // A learned loss whose softplus output is saturated (output bias −200) has no gradient.
    const dead = ctx.phi.map((t, i) => (i === ctx.phi.length - 1 ? t.sub(200) : t.clone()));
    const flat = await run(dead);
    assert.equal(flat.shifts[1], 0);
    assert.deepEqual(flat.shifts[2], live.shifts[2], 'the task loss does not depend on φ');
    assert.equal(flat.warned, true);
    for (const t of [...dead, ...ctx.phi, ...ctx.theta0]) t.dispose();
  });

  it('plans the true-reward planners on a worker thread with the numbers of planning in place', async () => {
    await selectBackend('wasm');
    const ctx = context();
    const options = { goals: 2, seed: 5, steps: 1, innerLr: 1e-3, horizon: 4, modelPolicySteps: 0 };
    const run = async (plannerThread: boolean) => {
      const lines: string[] = [];
      const { methods } = await testReacherLoss(
        ctx,
        { ...options, planners: true, plannerThread },
        (m) => lines.push(m),
      );
      return { methods, lines };
    };
    const here = await run(false);
    const threaded = await run(true);
    assert.deepEqual(
      threaded.methods.map((m) => m.method),
      [
        'initial policy (no update)',
        'ML3 learned loss, 1 SGD steps',
        'task loss through the twin, 1 SGD steps',
        'CEM-MPC, true reward (simulator)',
        'MPPI, true reward (simulator)',
        'CEM-MPC, learned loss as reward (simulator)',
      ],
    );
    assert.deepEqual(
      threaded.methods.map((m) => m.finalDistance),
      here.methods.map((m) => m.finalDistance),
    );
    const withoutTimes = (lines: string[]) => lines.map((l) => l.replace(/\(\d+\.\d s\)/, ''));
    assert.deepEqual(withoutTimes(threaded.lines), withoutTimes(here.lines));
    for (const t of [...ctx.phi, ...ctx.theta0]) t.dispose();
  });

  it('gives each method a curve at the chosen rates, consistent with adapting directly, and repeats exactly', async () => {
    await selectBackend('wasm');
    const ctx = context();
    const first = reacherStepCurves(ctx, OPTIONS);
    const again = reacherStepCurves(ctx, OPTIONS);
    assert.deepEqual(again, first, 'same seed ⇒ same numbers');
    assert.deepEqual(
      first.curves.map((c) => c.method),
      ['ML3 learned loss', 'task loss through the twin'],
    );
    for (const curve of first.curves) {
      assert.deepEqual(
        curve.points.map((p) => p.steps),
        OPTIONS.stepCounts,
      );
      for (const p of curve.points) {
        assert.ok([1e-3, 3e-2].includes(p.lr), `rate ${p.lr} from the grid`);
        assert.ok(p.q25 <= p.median && p.median <= p.q75);
      }
    }
    // The learned loss's point at K = 3 is what adapting 3 steps at its rate gives on those goals.
    const p = first.curves[0]!.points[1]!;
    const envs: ReacherEnv[] = [];
    const { theta, rollouts } = adaptReacherPolicies({
      theta0: ctx.theta0,
      episodes: heldOutReacherEpisodes(OPTIONS.goals, OPTIONS.seed),
      envs,
      loss: { kind: 'learned', phi: ctx.phi, objective: ctx.objective },
      steps: 3,
      lr: p.lr,
      horizon: OPTIONS.horizon,
    });
    for (const t of theta) t.dispose();
    for (const env of envs) env.close();
    const sorted = Array.from(rollouts.finalDistance).sort((a, b) => a - b);
    assert.equal(p.median, sorted[1]);
    assert.ok(first.initial.median > 0);
    for (const t of [...ctx.phi, ...ctx.theta0]) t.dispose();
  });

  it('compares the two losses goal by goal with an exact sign test', async () => {
    // Hand-computed: 2 · Σ_{i ≤ 5} C(20, i) / 2^20 = 2 · 21700 / 1048576; 2 · C(10, 0) / 2^10.
    assert.ok(Math.abs(signTestPValue(15, 5) - 43400 / 1048576) < 1e-12);
    assert.ok(Math.abs(signTestPValue(0, 10) - 2 / 1024) < 1e-15);
    assert.equal(signTestPValue(10, 10), 1);
    assert.equal(signTestPValue(0, 0), 1);
    assert.ok(signTestPValue(2000, 1000) > 0, 'large n stays finite');
    const p = pairedComparison(5, [0.1, 0.2, 0.3, 0.4], [0.2, 0.2, 0.1, 0.5]);
    assert.deepEqual(
      { ...p, medianDifference: Number(p.medianDifference.toFixed(12)) },
      { steps: 5, learnedCloser: 2, learnedFarther: 1, pValue: 1, medianDifference: -0.05 },
    );
    // In the protocol, the pairs are the two curves' per-goal distances at the same K.
    await selectBackend('wasm');
    const ctx = context();
    const { curves, paired } = reacherStepCurves(ctx, OPTIONS);
    assert.deepEqual(
      paired.map((q) => q.steps),
      OPTIONS.stepCounts,
    );
    for (const q of paired) {
      assert.ok(q.learnedCloser + q.learnedFarther <= OPTIONS.goals);
      assert.ok(q.pValue > 0 && q.pValue <= 1);
    }
    const k3 = curves.map((c) => c.points[1]!);
    const envs: ReacherEnv[] = [];
    const perGoal = [ctx.phi, null].map((phi, i) => {
      const { theta, rollouts } = adaptReacherPolicies({
        theta0: ctx.theta0,
        episodes: heldOutReacherEpisodes(OPTIONS.goals, OPTIONS.seed),
        envs,
        loss: phi
          ? { kind: 'learned', phi, objective: ctx.objective }
          : { kind: 'task', dynamics: ctx.dynamics, objective: ctx.objective },
        steps: 3,
        lr: k3[i]!.lr,
        horizon: OPTIONS.horizon,
      });
      for (const t of theta) t.dispose();
      return Float64Array.from(rollouts.finalDistance);
    });
    for (const env of envs) env.close();
    assert.deepEqual(paired[1], pairedComparison(3, perGoal[0]!, perGoal[1]!));
    for (const t of [...ctx.phi, ...ctx.theta0]) t.dispose();
  });

  it('ml3 reacher test --curve true prints the table, writes the plot and the JSON that ml3 reacher seeds counts over runs', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-curve-'));
    const tinyTrain = [
      ...['reacher', 'train', '--iterations', '1', '--dynamics', 'twin', '--goals', '2'],
      ...['--horizon', '6', '--test-goals', '1', '--model-policy-steps', '0'],
      ...['--planners', 'false'],
    ];
    const train = ml3(...tinyTrain, '--out', out, '--name', 'tiny', '--quiet');
    assert.equal(train.code, 0, train.stderr);
    const run = join(out, 'reacher', 'tiny');
    const test = ml3(
      ...['reacher', 'test', run, '--goals', '3', '--planners', 'false'],
      ...['--model-policy-steps', '0', '--curve', 'true', '--selection-goals', '3'],
    );
    assert.equal(test.code, 0, test.stderr);
    // Messages go to stderr (stdout keeps the JSON summary).
    const printed = test.stderr;
    assert.match(
      printed,
      /distance after K SGD steps, median \[quartiles\] in cm over 3 held-out goals/,
    );
    for (const k of [1, 2, 5, 10, 20])
      assert.match(printed, new RegExp(`\\n\\s+${k}  \\d+\\.\\d\\d \\[`));
    assert.match(printed, /chosen per K .* on 3 other goals of the training distribution/);
    // The default grid spans four and a half decades around each method's own rate.
    assert.match(printed, /from ×\{0\.001, 0\.003, 0\.01, 0\.03, 0\.1, 0\.3, 1, 3, 10, 30\}/);
    assert.match(printed, /learned closer on \(sign test\)/);
    assert.match(printed, /\n\s+20 {2}.* \d\/\d \(p \d/);
    assert.ok(existsSync(join(run, 'media', 'step-curve.png')));
    const saved = JSON.parse(readFileSync(join(run, 'media', 'step-curve.json'), 'utf8'));
    assert.deepEqual(saved.heldOut, { goals: 3, seed: 1 });
    assert.equal(saved.selection.goals, 3);
    assert.equal(saved.initialPolicy, 'fixed');
    assert.deepEqual(
      saved.curves[0].points.map((p: { steps: number }) => p.steps),
      [1, 2, 5, 10, 20],
    );
    const bad = ml3('eval', join(run, 'learned-loss.json'), '--curve', '--selection-goals', '0');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--selection-goals must be at least 1/);

    // A second seed, tested the same way: `ml3 reacher seeds` counts the two.
    const second = ml3(...tinyTrain, '--seed', '1', '--out', out, '--name', 'tiny1', '--quiet');
    assert.equal(second.code, 0, second.stderr);
    const run1 = join(out, 'reacher', 'tiny1');
    const curveOf = (dir: string, goals: string) =>
      ml3(
        ...['reacher', 'test', dir, '--goals', goals, '--planners', 'false'],
        ...['--model-policy-steps', '0', '--curve', 'true', '--selection-goals', '3'],
      );
    const untested = ml3('reacher', 'seeds', run, run1);
    assert.equal(untested.code, 2);
    assert.match(
      untested.stderr,
      /tiny1 has no distance-vs-K result .*make one with: ml3 reacher test .*tiny1 --curve true/,
    );
    assert.equal(curveOf(run1, '3').code, 0);
    const png = join(out, 'seeds.png');
    const seeds = ml3('reacher', 'seeds', run, run1, '--out', png, '--json');
    assert.equal(seeds.code, 0, seeds.stderr);
    const report = JSON.parse(seeds.stdout);
    assert.deepEqual(
      report.rows.map((r: { seed: number }) => r.seed),
      [0, 1],
    );
    // Each run's row is its saved curve's medians.
    assert.deepEqual(
      report.rows[0].learned,
      saved.curves[0].points.map((p: { median: number }) => p.median),
    );
    assert.equal(report.points.length, 5);
    assert.ok(existsSync(png) && existsSync(join(out, 'seeds.svg')));
    const text = ml3('reacher', 'seeds', run, run1, '--within-steps', '5');
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /2 reacher runs, fixed initial policies, 3 held-out goals \(seed 1\)/,
    );
    assert.match(text.stdout, /below the task loss at every K ≤ 5: \d of 2 runs/);
    assert.match(text.stdout, /K = 20: learned loss below on \d of 2/);
    // Runs tested on different goals are not counted together.
    assert.equal(curveOf(run1, '2').code, 0);
    const mixed = ml3('reacher', 'seeds', run, run1);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /were tested with different held-out goals/);
  });
});
