/** Smoke runs of the model-based ML3 commands and `ml3 eval` at tiny budgets. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3 } from '../scripts/runCli.js';
import { metricsWithoutTimes, straightAndResumed } from './resume.js';

describe('ml3 reacher / mountain-car / eval (smoke)', () => {
  it('reacher train meta-trains, writes a self-contained learned loss, and eval compares it on held-out goals', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-reacher-'));
    const train = ml3(
      'reacher',
      'train',
      '--iterations',
      '4',
      '--goals',
      '2',
      '--horizon',
      '8',
      '--random-episodes',
      '3',
      '--collect-every',
      '2',
      '--refit-every',
      '2',
      '--refit-epochs',
      '2',
      '--test-goals',
      '2',
      '--eval-every',
      '2',
      '--model-policy-steps',
      '2',
      '--planners',
      'false',
      '--checkpoint-every',
      '2',
      '--out',
      out,
      '--name',
      'r',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    const methods = summary.methods.map((m: { method: string }) => m.method);
    assert.deepEqual(methods, [
      'initial policy (no update)',
      'ML3 learned loss, 2 SGD steps',
      'task loss through the model, 2 SGD steps',
      'task loss through the model, 2 Adam steps (gradient planner)',
    ]);
    for (const m of summary.methods) {
      assert.equal(m.finalDistance.length, 2);
      assert.ok(m.finalDistance.every((d: number) => d >= 0 && d < 0.5));
    }
    const run = join(out, 'reacher', 'r');
    for (const f of [
      'learned-loss.json',
      'media/ml3-test-episode.gif',
      'plots/held_out_distance.png',
    ])
      assert.ok(existsSync(join(run, f)), f);
    const doc = JSON.parse(readFileSync(join(run, 'learned-loss.json'), 'utf8'));
    assert.equal(doc.training.experiment, 'reacher');
    assert.ok(doc.context.theta0 && doc.context.dynamics, 'the file carries θ₀ and the model');

    // ml3 eval on the file alone, with the planners on fresh goals.
    const evalOut = join(out, 'eval');
    const ev = ml3(
      'eval',
      join(run, 'learned-loss.json'),
      '--goals',
      '1',
      '--seed',
      '7',
      '--model-policy-steps',
      '0',
      '--out',
      evalOut,
      '--json',
    );
    assert.equal(ev.code, 0, ev.stderr);
    const result = JSON.parse(ev.stdout);
    assert.deepEqual(
      result.methods.map((m: { method: string }) => m.method),
      [
        'initial policy (no update)',
        'ML3 learned loss, 2 SGD steps',
        'task loss through the model, 2 SGD steps',
        'CEM-MPC, true reward (simulator)',
        'MPPI, true reward (simulator)',
        'CEM-MPC, learned loss as reward (simulator)',
      ],
    );
    assert.ok(existsSync(join(evalOut, 'results.json')));
    assert.ok(existsSync(join(evalOut, 'ml3-test-episode.gif')));

    // The same seed gives the same numbers.
    const again = ml3(
      'eval',
      join(run, 'learned-loss.json'),
      '--goals',
      '1',
      '--seed',
      '7',
      '--model-policy-steps',
      '0',
      '--no-planners',
      '--json',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout).methods.map((m: { finalDistance: number[] }) => m.finalDistance),
      result.methods.slice(0, 3).map((m: { finalDistance: number[] }) => m.finalDistance),
    );

    // The learned reward drives a planner; MPPI plans with the true reward.
    const tinyPlan = (...extra: string[]) =>
      ml3(
        ...['plan', '--env', 'rapier/Reacher-v1', '--episodes', '1', '--horizon', '3'],
        ...['--iterations', '1', '--population', '4', ...extra, '--json'],
      );
    const plan = tinyPlan('--reward', join(run, 'learned-loss.json'));
    assert.equal(plan.code, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout);
    assert.equal(planned.reward, join(run, 'learned-loss.json'));
    assert.equal(planned.episodes[0].length, 50);
    const mppi = tinyPlan('--planner', 'mppi');
    assert.equal(mppi.code, 0, mppi.stderr);
    assert.equal(JSON.parse(mppi.stdout).planner, 'mppi');
    const wrongEnv = ml3(
      'plan',
      '--env',
      'rapier/MountainCarContinuous-v0',
      '--reward',
      join(run, 'learned-loss.json'),
    );
    assert.equal(wrongEnv.code, 2);
    assert.match(
      wrongEnv.stderr,
      /a learned reward must come from the reacher experiment and plan rapier\/Reacher-v1/,
    );

    // A corrupt file: a clear error, exit code 2.
    const bad = join(out, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...doc, context: { ...doc.context, dynamics: { stateSize: 4 } } }),
    );
    const broken = ml3('eval', bad);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /corrupt reacher learned loss/);
    const missing = ml3('eval', join(out, 'nope.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read learned loss/);
  });

  it('mountain-car train runs both variants, and test/eval drive the real car and write GIFs', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-car-'));
    const train = ml3(
      'mountain-car',
      'train',
      '--iterations',
      '2',
      '--starts',
      '2',
      '--horizon',
      '20',
      '--extra-steps',
      '8',
      '--eval-every',
      '1',
      '--out',
      out,
      '--name',
      'c',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    assert.deepEqual(
      summary.results.map((r: { extra: boolean }) => r.extra),
      [true, false],
    );
    for (const r of summary.results) assert.equal(r.episodes.length, 5);
    // The baselines: same θ₀, starts, steps and rate, on the task loss or with no update.
    type Method = { method: string; reachedGoal: number; episodes: unknown[] };
    const baselines = summary.baselines as Method[];
    assert.deepEqual(
      baselines.map((b) => b.method),
      [
        'policy at θ₀ (no update)',
        'task loss, 2 SGD steps',
        'task loss with extra information, 2 SGD steps',
      ],
    );
    for (const b of baselines) {
      assert.equal(b.episodes.length, 5);
      assert.equal(b.reachedGoal, b.episodes.filter((e) => (e as Method).reachedGoal).length);
    }
    assert.notDeepEqual(baselines[1]!.episodes, baselines[0]!.episodes, 'the task loss took steps');
    const run = join(out, 'mountain-car', 'c');
    for (const f of [
      'media/mountain-car-extra.gif',
      'media/mountain-car-plain.gif',
      'plots/task_loss.png',
    ])
      assert.ok(existsSync(join(run, f)), f);
    const test = ml3('mountain-car', 'test', '--run', run, '--steps', '1', '--json');
    assert.equal(test.code, 0, test.stderr);
    assert.equal(JSON.parse(test.stdout).results.length, 2);
    // Zero steps on the learned loss is the policy at θ₀.
    const still = ml3('mountain-car', 'test', '--run', run, '--steps', '0', '--json');
    assert.equal(still.code, 0, still.stderr);
    assert.deepEqual(JSON.parse(still.stdout).results[0].episodes, baselines[0]!.episodes);
    const ev = ml3('eval', join(run, 'learned-loss-extra.json'), '--json');
    assert.equal(ev.code, 0, ev.stderr);
    const r = JSON.parse(ev.stdout);
    assert.equal(r.extra, true);
    assert.deepEqual(r.episodes, summary.results[0].episodes, 'same file, same numbers');
    assert.deepEqual(r.baselines, summary.baselines, 'eval shows the same baselines');
  });
});

describe('reacher outer warm-up and annealing', () => {
  it('ramps the rate linearly to outerLr over outerWarmup iterations, anneals it when asked; 0, 1 and a run recorded without the fields keep it constant', async () => {
    const { outerLrAt } = await import('../../ml3/index.js');
    const ramp = [0, 1, 2, 3, 4, 5, 99].map((i) =>
      outerLrAt({ outerLr: 0.002, outerWarmup: 4, iterations: 100 }, i),
    );
    assert.deepEqual(ramp, [0.0005, 0.001, 0.0015, 0.002, 0.002, 0.002, 0.002]);
    // Annealed: (1 − i/N) times the ramp's rate, down to 1/N of it at the last iteration.
    const annealed = [0, 1, 3, 4, 7].map((i) =>
      outerLrAt({ outerLr: 0.002, outerWarmup: 2, iterations: 8, outerAnneal: true }, i),
    );
    const expected = [0.001, 0.002 * (7 / 8), 0.002 * (5 / 8), 0.002 * (4 / 8), 0.002 / 8];
    for (let k = 0; k < expected.length; k++)
      assert.ok(Math.abs(annealed[k]! - expected[k]!) < 1e-15, `${annealed}`);
    for (const outerWarmup of [0, 1, undefined]) {
      const config = { outerLr: 0.002, outerWarmup, iterations: 10 } as {
        outerLr: number;
        outerWarmup: number;
        iterations: number;
      };
      assert.deepEqual(
        [0, 7].map((i) => outerLrAt(config, i)),
        [0.002, 0.002],
      );
    }
  });
});

describe('model-based ML3 runs resume exactly', () => {
  /** Trains `changes` on a tiny reacher straight and stopped after `stopAt`; compares them. */
  async function reacherResumes(changes: Record<string, unknown>, stopAt: number) {
    const { reacherExperiment } = await import('../../scripts/experiments/reacher.js');
    const { loadReacherLossFile } = await import('../../ml3/index.js');
    const config = {
      ...reacherExperiment.defaults,
      goals: 2,
      horizon: 6,
      randomEpisodes: 2,
      collectEvery: 1,
      testGoals: 2,
      evalEvery: 2,
      modelPolicySteps: 0,
      planners: false,
      checkpointEvery: 1,
      ...changes,
    };
    const { straight, part, resumed } = await straightAndResumed(
      reacherExperiment as never,
      config,
      stopAt,
      'ml3-reacher-resume-',
    );
    assert.equal(part.status, 'interrupted');
    assert.equal(resumed.status, 'completed');
    const distances = (summary: Record<string, unknown> | undefined) =>
      ((summary?.methods ?? []) as { finalDistance: number[] }[]).map((m) => m.finalDistance);
    assert.deepEqual(distances(resumed.summary), distances(straight.summary));
    assert.equal(resumed.summary?.selectedIteration, straight.summary?.selectedIteration);
    assert.deepEqual(metricsWithoutTimes(resumed), metricsWithoutTimes(straight));
    const [a, b] = [straight, resumed].map((r) =>
      loadReacherLossFile(r.run.file('learned-loss.json')),
    );
    try {
      for (const [i, p] of a!.phi.entries()) assert.deepEqual(p.dataSync(), b!.phi[i]!.dataSync());
    } finally {
      a!.dispose();
      b!.dispose();
    }
  }

  it('reacher: stopped after 3 of 6 iterations (a model refit, the outer warm-up, annealing and a validation-selected φ in between) and resumed equals a straight run', async () => {
    await reacherResumes(
      {
        iterations: 6,
        outerWarmup: 5,
        outerAnneal: true,
        refitEvery: 2,
        refitEpochs: 2,
        selectPhi: 'validation',
        validationGoals: 2,
      },
      3,
    );
  });

  it('reacher with the averaged φ: stopped after 2 of 4 iterations and resumed equals a straight run', async () => {
    await reacherResumes(
      { iterations: 4, selectPhi: 'average', phiAverageDecay: 0.5, outerLr: 0.05 },
      2,
    );
  });

  it('mountain car: stopped and resumed equals a straight run', async () => {
    const { mountainCarExperiment } = await import('../../scripts/experiments/mountainCar.js');
    const config = {
      ...mountainCarExperiment.defaults,
      iterations: 4,
      starts: 2,
      horizon: 12,
      extraSteps: 5,
      evalEvery: 2,
      checkpointEvery: 1,
    };
    const { straight, resumed } = await straightAndResumed(
      mountainCarExperiment as never,
      config,
      2,
      'ml3-car-resume-',
    );
    const episodes = (s: Record<string, unknown> | undefined) =>
      ((s?.results ?? []) as { episodes: unknown }[]).map((r) => r.episodes);
    assert.deepEqual(episodes(resumed.summary), episodes(straight.summary));
  });
});

describe('model-based ML3 meta-steps', () => {
  it('do not leak tensors (reacher with the ensemble, mountain car)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const { selectBackend } = await import('../../agents/index.js');
    const { reacherExperiment } = await import('../../scripts/experiments/reacher.js');
    const { mountainCarExperiment } = await import('../../scripts/experiments/mountainCar.js');
    await selectBackend('wasm');
    const tools = { run: undefined as never, log: () => {} };
    const reacher = {
      ...reacherExperiment.defaults,
      goals: 2,
      horizon: 6,
      randomEpisodes: 2,
      collectEvery: 1,
      refitEvery: 2,
      refitEpochs: 1,
      testGoals: 1,
      evalEvery: 2,
      iterations: 100,
      selectPhi: 'average', // the moving average φ̄ is replaced at every step
    };
    const car = {
      ...mountainCarExperiment.defaults,
      starts: 2,
      horizon: 10,
      extraSteps: 4,
      evalEvery: 2,
      iterations: 100,
    };
    for (const [exp, config] of [
      [reacherExperiment, reacher],
      [mountainCarExperiment, car],
    ] as const) {
      const e = exp as unknown as typeof reacherExperiment;
      const state = await e.init(config as never, tools);
      for (let i = 0; i < 2; i++) await e.step(state, i, config as never);
      const n = tf.memory().numTensors;
      for (let i = 2; i < 6; i++) await e.step(state, i, config as never);
      assert.equal(tf.memory().numTensors, n, `${e.name}: tensors leak`);
      e.dispose?.(state);
    }
  });
});
