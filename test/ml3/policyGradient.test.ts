/** Smoke runs of `ml3 pg train|eval` and `ml3 pg-ml3 train|test` at tiny budgets, and their resumes. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3 } from '../scripts/runCli.js';
import { assertResumedEqualsStraight } from './resume.js';

describe('ml3 pg (PPO / REINFORCE commands)', () => {
  it('pg train writes metrics, plots, a policy and a GIF; pg eval replays the policy', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-pg-'));
    const train = ml3(
      'pg',
      'train',
      '--env',
      'rapier/MountainCarContinuous-v0',
      '--total-timesteps',
      '1024',
      '--num-envs',
      '2',
      '--num-steps',
      '128',
      '--num-minibatches',
      '4',
      '--update-epochs',
      '2',
      '--eval-episodes',
      '2',
      '--checkpoint-every',
      '2',
      '--out',
      out,
      '--name',
      'p',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    assert.equal(summary.envSteps, 1024);
    assert.equal(summary.evaluation.returns.length, 2);
    const run = join(out, 'pg', 'p');
    for (const f of [
      'policy.json',
      'metrics.jsonl',
      'plots/episodic_return.png',
      'media/eval-episode-0.gif',
    ])
      assert.ok(existsSync(join(run, f)), f);
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 4);
    for (const k of [
      'losses/policy_loss',
      'losses/value_loss',
      'losses/approx_kl',
      'charts/SPS',
      'perf/env_ms',
    ])
      assert.ok(Number.isFinite(rows[0][k]), k);
    const ev = ml3('pg', 'eval', run, '--episodes', '2', '--gif', 'false', '--json');
    assert.equal(ev.code, 0, ev.stderr);
    assert.deepEqual(
      JSON.parse(ev.stdout).returns,
      summary.evaluation.returns,
      'same policy, same episodes',
    );
    const bad = ml3('pg', 'train', '--env', 'rapier/Reacher-v9', '--out', out);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Reacher/);
  });

  it('pg: stopped after 2 of 4 updates and resumed equals a straight run (envs mid-episode)', async () => {
    const { pgExperiment } = await import('../../scripts/experiments/pg.js');
    const config = {
      ...pgExperiment.defaults,
      env: 'rapier/Reacher-v1',
      totalTimesteps: 4 * 2 * 32, // episodes are 50 steps: checkpoints fall mid-episode
      numEnvs: 2,
      numSteps: 32,
      numMinibatches: 2,
      updateEpochs: 2,
      evalEpisodes: 1,
      gif: false,
      checkpointEvery: 1,
    };
    await assertResumedEqualsStraight(
      pgExperiment as never,
      config,
      2,
      'ml3-pg-resume-',
      'evaluation',
    );
  });
});

describe('ml3 pg-ml3 (model-free ML3 commands)', () => {
  it('train meta-trains on the car with extra information, tests on held-out starts; test and eval agree', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-pgml3-'));
    const small = [
      '--tasks',
      '2',
      '--episodes',
      '2',
      '--test-tasks',
      '1',
      '--test-iterations',
      '2',
      '--test-seeds',
      '1',
    ];
    const train = ml3(
      'pg-ml3',
      'train',
      '--task',
      'car',
      '--extra',
      'true',
      '--iterations',
      '3',
      '--lifetime',
      '2',
      ...small,
      '--out',
      out,
      '--name',
      'c',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    // PPO at 0.3, 1 and 3 times --baseline-lr (default 1e-2), and `ppo`: the best of them.
    assert.deepEqual(Object.keys(summary.test), [
      'ml3',
      'reinforce-sgd',
      'reinforce-adam',
      'ppo-lr0.003',
      'ppo-lr0.01',
      'ppo-lr0.03',
      'ppo',
    ]);
    const bestRate = `ppo-lr${summary.test.ppo.lr}`;
    assert.deepEqual(
      { ...summary.test.ppo, lr: undefined },
      { ...summary.test[bestRate], lr: undefined },
    );
    assert.equal(summary.ml3VsPpo.ppoLr, summary.test.ppo.lr);
    const run = join(out, 'pg-ml3', 'c');
    for (const f of [
      'learned-loss.json',
      'test/test.json',
      'test/plots/test-returns.png',
      'plots/meta-returns.png',
    ])
      assert.ok(existsSync(join(run, f)), f);
    const test = ml3(
      'pg-ml3',
      'test',
      run,
      '--tasks',
      '1',
      '--iterations',
      '2',
      '--seeds',
      '1',
      '--seed',
      '3',
      '--json',
    );
    assert.equal(test.code, 0, test.stderr);
    // Another target gets a folder of its own: the default test's result is kept.
    const target = ml3(
      'pg-ml3',
      'test',
      run,
      ...['--tasks', '1', '--iterations', '2', '--seeds', '1', '--seed', '3'],
      ...['--target-return', '0', '--json'],
    );
    assert.equal(target.code, 0, target.stderr);
    const tests = join(run, 'tests');
    const readTest = (dir: string) =>
      JSON.parse(readFileSync(join(tests, dir, 'test.json'), 'utf8'));
    assert.equal(readTest('seed3-seeds1-tasks1-it2').options.targetReturn, -12);
    assert.equal(readTest('seed3-seeds1-tasks1-it2-target0').options.targetReturn, 0);
    const ev = ml3(
      'eval',
      join(run, 'learned-loss.json'),
      '--goals',
      '1',
      '--steps',
      '2',
      '--seed',
      '3',
      '--json',
    );
    assert.equal(ev.code, 0, ev.stderr);
    // eval runs 3 seeds from --seed; its first seed is test's only one: same tasks, same numbers.
    assert.equal(JSON.parse(ev.stdout).curves[0].meanReturn.length, 3);
    const reacherExtra = ml3(
      'pg-ml3',
      'train',
      '--task',
      'reacher',
      '--extra',
      'true',
      '--out',
      out,
    );
    assert.notEqual(reacherExtra.code, 0);
    assert.match(reacherExtra.stderr, /--extra needs a task with extra information/);
  });

  for (const learnStd of [false, true])
    it(`pg-ml3: stopped and resumed (a slot re-initialised in between) equals a straight run${learnStd ? ' (learned σ)' : ''}`, async () => {
      const { pgMl3Experiment } = await import('../../scripts/experiments/pgMl3.js');
      const config = {
        ...pgMl3Experiment.defaults,
        learnStd,
        iterations: 4,
        tasks: 2,
        episodes: 2,
        lifetime: 2,
        testTasks: 1,
        testIterations: 1,
        testSeeds: 1,
        checkpointEvery: 1,
      };
      await assertResumedEqualsStraight(
        pgMl3Experiment as never,
        config,
        2,
        'ml3-pgml3-resume-',
        'test',
      );
    });

  it('meta-training steps keep the tensor count flat (slots re-initialised on the way)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const { selectBackend } = await import('../../agents/index.js');
    const { pgMl3Experiment } = await import('../../scripts/experiments/pgMl3.js');
    await selectBackend('wasm');
    const config = {
      ...pgMl3Experiment.defaults,
      task: 'car' as const,
      extra: true,
      tasks: 2,
      episodes: 2,
      lifetime: 2,
    };
    const tools = { run: undefined as never, log: () => {} };
    const state = await pgMl3Experiment.init(config, tools);
    await pgMl3Experiment.step(state, 0, config);
    const n = tf.memory().numTensors;
    for (let i = 1; i < 5; i++) await pgMl3Experiment.step(state, i, config);
    assert.equal(tf.memory().numTensors, n);
    pgMl3Experiment.dispose?.(state);
  });
});
