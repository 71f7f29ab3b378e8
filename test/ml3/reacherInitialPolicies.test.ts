import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { type Params, reacherTwin, selectBackend, tileParams } from '../../agents/index.js';
import { REACHER_DEFAULTS, type ReacherEnv } from '../../envs/index.js';
import {
  AUTHORS_OBJECTIVE,
  adaptReacherPolicies,
  episodeInitialPolicies,
  heldOutReacherEpisodes,
  loadReacherLossFile,
  type ReacherInitialPolicy,
  reacherInitialPolicy,
  SMALL_OUTPUT_SCALE,
  startingPolicies,
} from '../../ml3/experiments/reacher/index.js';
import { LearnedLossFileError } from '../../ml3/lossFile.js';
import { evaluateReacherFile, reacherExperiment } from '../../scripts/experiments/reacher.js';
import { trainExperiment } from '../../scripts/run/train.js';
import { ml3 } from '../scripts/runCli.js';
import { metricsWithoutTimes, straightAndResumed } from './resume.js';

const TINY = {
  ...reacherExperiment.defaults,
  iterations: 4,
  goals: 3,
  horizon: 6,
  randomEpisodes: 2,
  collectEvery: 2,
  refitEvery: 100,
  testGoals: 3,
  evalEvery: 2,
  modelPolicySteps: 0,
  planners: false,
  outerLr: 0.05,
};

const values = (params: readonly tf.Tensor[]) => params.map((p) => Array.from(p.dataSync()));
const dispose = (params: readonly tf.Tensor[]) => {
  for (const t of params) t.dispose();
};

/** The initial policies a learned-loss file records (loaded, read, freed). */
function initialPolicyOf(path: string): string {
  const file = loadReacherLossFile(path);
  try {
    return file.initialPolicy;
  } finally {
    file.dispose();
  }
}

async function train(config: Record<string, unknown>) {
  return trainExperiment(reacherExperiment as never, {
    config,
    out: mkdtempSync(join(tmpdir(), 'ml3-reacher-init-')),
    name: 'run',
    backend: 'wasm',
    backendExplicit: true,
    quiet: true,
    json: false,
  });
}

/** Steps of the task loss through the exact twin from the episodes' starting policies. */
function adaptOnTwin(args: {
  theta0: Params;
  episodes: ReturnType<typeof heldOutReacherEpisodes>;
  envs: ReacherEnv[];
  initialPolicy: ReacherInitialPolicy;
  steps: number;
  horizon: number;
}) {
  const twin = reacherTwin(REACHER_DEFAULTS);
  return adaptReacherPolicies({
    ...args,
    loss: { kind: 'task', dynamics: { kind: 'twin', twin }, objective: AUTHORS_OBJECTIVE },
    lr: 1e-3,
  });
}

describe('reacher initial policies (--initial-policy)', () => {
  it('per-episode: one θ₀ per episode, seeded by the episode, batched as tileParams batches', async () => {
    await selectBackend('wasm');
    const episodes = heldOutReacherEpisodes(4, 0);
    const a = episodeInitialPolicies(episodes);
    const again = episodeInitialPolicies(episodes);
    const single = episodeInitialPolicies([episodes[2]!]);
    const tiled = tileParams(reacherInitialPolicy(0), 4);
    try {
      assert.deepEqual(
        a.map((p) => p.shape),
        tiled.map((p) => p.shape),
      );
      assert.deepEqual(values(a), values(again), 'the same episodes start from the same θ₀');
      // Episode 2's θ₀ does not depend on the other episodes of the batch.
      for (let i = 0; i < a.length; i++) {
        const row = tf.tidy(() => a[i]!.slice(2, 1));
        assert.deepEqual(Array.from(row.dataSync()), Array.from(single[i]!.dataSync()));
        row.dispose();
      }
      // Different episodes, different policies (the first layer's weights of episodes 0 and 1).
      const [w0, w1] = tf.tidy(() => [a[0]!.slice(0, 1).dataSync(), a[0]!.slice(1, 1).dataSync()]);
      assert.notDeepEqual(Array.from(w0!), Array.from(w1!));
    } finally {
      for (const p of [a, again, single, tiled]) dispose(p);
    }
  });

  it('fixed (the default) tiles θ₀; per-episode ignores it', async () => {
    await selectBackend('wasm');
    const episodes = heldOutReacherEpisodes(3, 1);
    const theta0 = reacherInitialPolicy(5);
    const fixed = startingPolicies(theta0, episodes);
    const tiled = tileParams(theta0, 3);
    const perEpisode = startingPolicies(theta0, episodes, 'per-episode');
    const direct = episodeInitialPolicies(episodes);
    try {
      assert.deepEqual(values(fixed), values(tiled));
      assert.deepEqual(values(perEpisode), values(direct));
    } finally {
      for (const p of [theta0, fixed, tiled, perEpisode, direct]) dispose(p);
    }
  });

  it('per-episode-small-output: the per-episode draws with the output layer ×0.01, and a nearly still arm', async () => {
    await selectBackend('wasm');
    const episodes = heldOutReacherEpisodes(4, 3);
    const theta0 = reacherInitialPolicy(0);
    const small = startingPolicies(theta0, episodes, 'per-episode-small-output');
    const full = episodeInitialPolicies(episodes);
    try {
      const [s, f] = [values(small), values(full)];
      const last = s.length - 2;
      for (let i = 0; i < s.length; i++) {
        if (i < last) assert.deepEqual(s[i], f[i], `hidden tensor ${i} is the per-episode draw`);
        else
          for (const [j, v] of s[i]!.entries())
            assert.ok(Math.abs(v - SMALL_OUTPUT_SCALE * f[i]![j]!) < 1e-7, `output tensor ${i}`);
      }
      // The torques over 50 steps from the same starts, before any step of a loss.
      const envs: ReacherEnv[] = [];
      const travel = (initialPolicy: 'per-episode' | 'per-episode-small-output') => {
        const r = adaptOnTwin({ theta0, initialPolicy, episodes, envs, steps: 0, horizon: 50 });
        dispose(r.theta);
        return { maxAction: Math.max(...Array.from(r.rollouts.actions, Math.abs)) };
      };
      const [still, spinning] = [travel('per-episode-small-output'), travel('per-episode')];
      for (const env of envs) env.close();
      assert.ok(still.maxAction < 0.01, `small-output torques: max |a| ${still.maxAction}`);
      assert.ok(
        spinning.maxAction > 0.1,
        `torch-initialised torques: max |a| ${spinning.maxAction}`,
      );
    } finally {
      for (const p of [theta0, small, full]) dispose(p);
    }
  });

  it('adaptReacherPolicies starts each episode from its own θ₀ and measures the shift from it', async () => {
    await selectBackend('wasm');
    const episodes = heldOutReacherEpisodes(3, 2);
    const theta0 = reacherInitialPolicy(0);
    const envs: ReacherEnv[] = [];
    const run = (initialPolicy: 'fixed' | 'per-episode', steps: number) => {
      const r = adaptOnTwin({ theta0, initialPolicy, episodes, envs, steps, horizon: 5 });
      const start = startingPolicies(theta0, episodes, initialPolicy);
      const kept = values(r.theta);
      const atStart = values(start);
      dispose(r.theta);
      dispose(start);
      return { ...r, kept, atStart };
    };
    try {
      const still = run('per-episode', 0);
      assert.deepEqual(still.kept, still.atStart, 'zero steps leave every policy at its θ₀');
      assert.equal(still.parameterShift, 0);
      const fixed = run('fixed', 0);
      assert.notDeepEqual(
        Array.from(still.rollouts.finalDistance),
        Array.from(fixed.rollouts.finalDistance),
        'other initial policies, other episodes',
      );
      const moved = run('per-episode', 2);
      assert.ok(moved.parameterShift > 0);
    } finally {
      dispose(theta0);
      for (const env of envs) env.close();
    }
  });

  it('a per-episode run: resume = straight, recorded in its file, and it changes the numbers', async () => {
    const config = { ...TINY, initialPolicy: 'per-episode' };
    const { straight, resumed } = await straightAndResumed(
      reacherExperiment as never,
      config,
      2,
      'ml3-reacher-init-resume-',
    );
    assert.deepEqual(metricsWithoutTimes(resumed), metricsWithoutTimes(straight));
    assert.equal(initialPolicyOf(straight.run.file('learned-loss.json')), 'per-episode');
    const fixed = await train(TINY);
    const taskLosses = (r: { run: { readMetrics(): Record<string, unknown>[] } }) =>
      r.run.readMetrics().map((m) => m['meta/task_loss']);
    assert.notDeepEqual(taskLosses(straight), taskLosses(fixed));
    assert.equal(initialPolicyOf(fixed.run.file('learned-loss.json')), 'fixed');
  });

  it('a per-episode-small-output run: resume = straight, and recorded in its file', async () => {
    const { straight, resumed } = await straightAndResumed(
      reacherExperiment as never,
      { ...TINY, initialPolicy: 'per-episode-small-output' },
      2,
      'ml3-reacher-init-small-',
    );
    assert.deepEqual(metricsWithoutTimes(resumed), metricsWithoutTimes(straight));
    assert.equal(
      initialPolicyOf(straight.run.file('learned-loss.json')),
      'per-episode-small-output',
    );
  });

  it('a file whose initialPolicy is not a known kind is a corrupt file naming the choices', async () => {
    const { run } = await train({ ...TINY, iterations: 1, evalEvery: 1 });
    const path = run.file('learned-loss.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.context.initialPolicy = 'random';
    const bad = join(mkdtempSync(join(tmpdir(), 'ml3-reacher-init-bad-')), 'bad.json');
    writeFileSync(bad, JSON.stringify(doc));
    assert.throws(
      () => loadReacherLossFile(bad),
      (err: Error) =>
        err instanceof LearnedLossFileError &&
        /initialPolicy must be one of "fixed", "per-episode", "per-episode-small-output", got "random"/.test(
          err.message,
        ),
    );
    // Files written before the setting existed have none: the fixed θ₀.
    delete doc.context.initialPolicy;
    writeFileSync(bad, JSON.stringify(doc));
    assert.equal(initialPolicyOf(bad), 'fixed');
  });

  it('a loss is judged from other initial policies than its own on request (test and eval)', async () => {
    const fixed = await train({ ...TINY, iterations: 1, evalEvery: 1 });
    const perEpisode = await train({
      ...TINY,
      iterations: 1,
      evalEvery: 1,
      initialPolicy: 'per-episode',
    });
    const options = { goals: 3, seed: 2, planners: false, modelPolicySteps: 0 };
    const judge = async (path: string, initialPolicy?: ReacherInitialPolicy) => {
      const lines: string[] = [];
      const r = (await evaluateReacherFile(
        path,
        { ...options, ...(initialPolicy ? { initialPolicy } : {}) },
        { log: (m) => lines.push(m) },
      )) as { initialPolicy: string; methods: { finalDistance: number[] }[] };
      return { ...r, lines };
    };
    const fixedPath = fixed.run.file('learned-loss.json');
    const own = await judge(fixedPath);
    const other = await judge(fixedPath, 'per-episode');
    const reference = await judge(perEpisode.run.file('learned-loss.json'));
    assert.equal(own.initialPolicy, 'fixed');
    assert.equal(other.initialPolicy, 'per-episode');
    // The policies before any update are the episodes' own θ₀s, whichever run the file came from.
    assert.deepEqual(other.methods[0]!.finalDistance, reference.methods[0]!.finalDistance);
    assert.notDeepEqual(other.methods[0]!.finalDistance, own.methods[0]!.finalDistance);
    assert.ok(
      other.lines.some((l) =>
        /initial policies: per-episode \(the file's loss was meta-trained with fixed\)/.test(l),
      ),
    );
    assert.ok(!own.lines.some((l) => /initial policies:/.test(l)));
    const still = await judge(fixedPath, 'per-episode-small-output');
    assert.equal(still.initialPolicy, 'per-episode-small-output');
    assert.notDeepEqual(still.methods[0]!.finalDistance, other.methods[0]!.finalDistance);
    const bad = ml3(
      'eval',
      fixedPath,
      '--goals',
      '1',
      '--no-planners',
      '--initial-policy',
      'random',
    );
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /--initial-policy must be one of fixed, per-episode, per-episode-small-output, got "random"/,
    );
    const test = ml3(
      ...['reacher', 'test', fixed.run.path, '--goals', '1', '--planners', 'false'],
      ...['--model-policy-steps', '0', '--initial-policy', 'per-episode', '--json'],
    );
    assert.equal(test.code, 0, test.stderr);
    assert.equal(JSON.parse(test.stdout).initialPolicy, 'per-episode');
  });
});
