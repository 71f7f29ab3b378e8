/**
 * `ml3 pg`: presets recorded in the run config (and overridden by flags), resume with a preset
 * equal to a straight run, and `ml3 pg curve` over several seeds.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pgExperiment } from '../../scripts/experiments/pg.js';
import { seedCurve } from '../../scripts/experiments/pgCurve.js';
import { PG_PRESETS } from '../../scripts/experiments/pgPresets.js';
import { applyPreset } from '../../scripts/run/experiment.js';
import { trainExperiment } from '../../scripts/run/train.js';
import { ml3 } from './runCli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ml3-pg-'));
/** The zoo car preset at a tiny budget: 6 updates of 8 steps (flags override the preset). */
const TINY_ZOO_CAR = [
  'pg',
  'train',
  '--env',
  'rapier/MountainCarContinuous-v0',
  '--preset',
  'zoo-car',
  '--total-timesteps',
  '48',
  '--eval-episodes',
  '1',
  '--gif',
  'false',
  '--checkpoint-every',
  '3',
  '--quiet',
];
const config = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).config;
const metrics = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, 'charts/SPS': _p, ...rest } = JSON.parse(l);
      return Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('perf/')));
    });

/** A tiny selection run: the mean action judged every 2 updates on 1 episode, a checkpoint each. */
const SELECTING = {
  evalEpisodes: 1,
  selectEvery: 2,
  selectEpisodes: 1,
  learningRate: 0.01,
  gif: false,
  checkpointEvery: 1,
};

/**
 * The zoo car preset under the given flags (each counts as given on the command line), trained
 * straight and stopped after `stopAfter` updates then resumed.
 */
async function zooCarStraightAndResumed(flags: Record<string, unknown>, stopAfter = 3) {
  const config = applyPreset(
    pgExperiment,
    {
      ...pgExperiment.defaults,
      env: 'rapier/MountainCarContinuous-v0',
      preset: 'zoo-car' as const,
      ...flags,
    },
    (k) => k === 'env' || k in flags,
  ) as unknown as Record<string, unknown>;
  const base = {
    out: tmp(),
    backend: 'auto' as const,
    backendExplicit: false,
    quiet: true,
    json: false,
  };
  const full = await trainExperiment(pgExperiment, { ...base, name: 'full', config });
  const part = await trainExperiment(pgExperiment, { ...base, name: 'part', config, stopAfter });
  const resumed = await trainExperiment(pgExperiment, {
    ...base,
    config: {} as never,
    resume: part.run.path,
  });
  return { full, part, resumed };
}

describe('ml3 pg', () => {
  it('a preset round-trips through the run config, under the flags given', () => {
    const out = tmp();
    const r = ml3(...TINY_ZOO_CAR, '--out', out, '--name', 'z', '--learning-rate', '0.001');
    assert.equal(r.code, 0, r.stderr);
    const c = config(join(out, 'pg', 'z'));
    assert.equal(c.preset, 'zoo-car');
    // Every preset value is in the config, except the two flags given on the command line.
    const { totalTimesteps: _t, learningRate: _l, ...rest } = PG_PRESETS['zoo-car'].values;
    for (const [k, v] of Object.entries(rest)) assert.deepEqual(c[k], v, k);
    assert.equal(c.totalTimesteps, 48);
    assert.equal(c.learningRate, 0.001);
    assert.equal(c.sde, true);
    assert.equal(metrics(join(out, 'pg', 'z')).length, 6);
    const bad = ml3('pg', 'train', '--preset', 'nope', '--out', out);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--preset must be one of cleanrl, zoo-reacher, zoo-car/);
  });

  it('a preset run stopped at its checkpoint and resumed equals the straight run', async () => {
    const { full, part, resumed } = await zooCarStraightAndResumed({
      totalTimesteps: 48,
      evalEpisodes: 1,
      gif: false,
      checkpointEvery: 3,
    });
    assert.equal(part.status, 'interrupted');
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(metrics(part.run.path), metrics(full.run.path));
    assert.deepEqual(resumed.summary, full.summary);
  });

  it('with --select-every the run keeps the best policy the selection saw; resumed equals straight; pg eval picks best or last', async () => {
    const { full, part, resumed } = await zooCarStraightAndResumed({
      ...SELECTING,
      totalTimesteps: 40,
    });
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(metrics(part.run.path), metrics(full.run.path));
    assert.deepEqual(resumed.summary, full.summary);
    // 5 updates of 8 steps: the selection evaluates after updates 2, 4 and the last (5).
    const rows = metrics(full.run.path);
    const selected = rows.filter((r) => r['eval/select_return'] !== undefined);
    assert.deepEqual(
      selected.map((r) => r.iteration),
      [2, 4, 5],
    );
    const returns = selected.map((r) => r['eval/select_return'] as number);
    const first = returns.indexOf(Math.max(...returns));
    const summary = full.summary as Record<string, unknown>;
    assert.equal(summary.selectedUpdate, selected[first]!.iteration);
    assert.equal(summary.selectReturn, returns[first]);
    // policy.json is the selected policy: on the selection's episode it scores what was recorded.
    const { evaluatePolicyFile, SELECT_SEED } = await import(
      '../../scripts/experiments/pgEvaluate.js'
    );
    const read = (f: string) => JSON.parse(readFileSync(join(full.run.path, f), 'utf8'));
    assert.equal(
      evaluatePolicyFile(read('policy.json'), 1, SELECT_SEED).meanReturn,
      returns[first],
    );
    assert.equal(
      evaluatePolicyFile(read('last-policy.json'), 1, SELECT_SEED).meanReturn,
      returns.at(-1),
    );
    // pg eval: the run's (selected) policy by default, the last on request.
    const evalOf = (...flags: string[]) => {
      const r = ml3(
        'pg',
        'eval',
        full.run.path,
        '--episodes',
        '1',
        '--gif',
        'false',
        '--json',
        ...flags,
      );
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const best = evalOf();
    assert.equal(best.policyUpdate, summary.selectedUpdate);
    assert.equal(best.meanReturn, (summary.evaluation as { meanReturn: number }).meanReturn);
    const last = evalOf('--policy', 'last');
    assert.equal(last.policyUpdate, 5);
    assert.equal(
      last.meanReturn,
      (summary.lastPolicyEvaluation as { meanReturn: number }).meanReturn,
    );
  });

  it('--restarts splits the budget into fresh trainings, selects over all of them, and resumes mid-restart exactly', async () => {
    const flags = { ...SELECTING, totalTimesteps: 48 };
    // 2 restarts of 3 updates of 8 steps, stopped after update 3 (the first restart's last: the
    // resumed run starts the second) or 4 (inside the second: its trainer comes from the
    // checkpoint) and resumed.
    const { full, part, resumed } = await zooCarStraightAndResumed({ ...flags, restarts: 2 });
    const inside = await zooCarStraightAndResumed({ ...flags, restarts: 2 }, 4);
    for (const run of [{ part, resumed }, inside]) {
      assert.equal(run.resumed.status, 'completed');
      assert.deepEqual(metrics(run.part.run.path), metrics(full.run.path));
      assert.deepEqual(run.resumed.summary, full.summary);
    }
    const rows = metrics(full.run.path);
    assert.deepEqual(
      rows.map((r) => [r.iteration, r.global_step, r['charts/restart']]),
      [
        [1, 8, 0],
        [2, 16, 0],
        [3, 24, 0],
        [4, 32, 1],
        [5, 40, 1],
        [6, 48, 1],
      ],
    );
    // Selection: every 2 updates of a restart and after its last, numbered as the run's updates.
    const selected = rows.filter((r) => r['eval/select_return'] !== undefined);
    assert.deepEqual(
      selected.map((r) => r.iteration),
      [2, 3, 5, 6],
    );
    const returns = selected.map((r) => r['eval/select_return'] as number);
    const summary = full.summary as Record<string, unknown>;
    const pick = selected[returns.indexOf(Math.max(...returns))]!.iteration as number;
    assert.equal(summary.selectedUpdate, pick);
    assert.equal(summary.selectedRestart, pick > 3 ? 1 : 0);
    assert.equal(summary.envSteps, 48);
    // Restart 0 is the run's seed on half the budget; restart 1 starts from other weights.
    const { full: half } = await zooCarStraightAndResumed({ ...flags, totalTimesteps: 24 });
    const strip = (r: Record<string, unknown>) => {
      const { 'charts/restart': _r, ...rest } = r;
      return rest;
    };
    assert.deepEqual(rows.slice(0, 3).map(strip), metrics(half.run.path));
    assert.notDeepEqual(rows[3]!['losses/value_loss'], rows[0]!['losses/value_loss']);
    // A budget that leaves a restart no update is an error naming both flags.
    const bad = ml3(...TINY_ZOO_CAR, '--out', tmp(), '--restarts', '7');
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /--total-timesteps \(48\) split into --restarts 7 leaves less than one update/,
    );
  });

  it('pg curve averages the seeds of a --runs group per env-step bin', () => {
    const out = tmp();
    const r = ml3(
      ...TINY_ZOO_CAR,
      '--total-timesteps',
      '2000',
      '--runs',
      '2',
      '--workers',
      '1',
      '--out',
      out,
      '--name',
      'g',
    );
    assert.equal(r.code, 0, r.stderr);
    const png = join(out, 'curve.png');
    const runs = [0, 1].map((s) => join(out, 'pg', `g-seed${s}`));
    const c = ml3(
      'pg',
      'curve',
      ...runs,
      '--bins',
      '4',
      '--out',
      png,
      '--solved-at',
      '90',
      '--json',
    );
    assert.equal(c.code, 0, c.stderr);
    const report = JSON.parse(c.stdout);
    assert.equal(report.env, 'rapier/MountainCarContinuous-v0');
    assert.deepEqual(report.presets, ['zoo-car']);
    assert.deepEqual(
      report.runs.map((x: { seed: number }) => x.seed),
      [0, 1],
    );
    assert.ok(existsSync(png));
    assert.equal(report.reference.lo, 90);
    const mixed = ml3('pg', 'curve', runs[0]!, join(out, 'nowhere'));
    assert.equal(mixed.code, 2);
  });

  it('seedCurve bins by env steps and takes mean and std over runs', () => {
    const a = [
      { global_step: 10, 'charts/episodic_return': 1 },
      { global_step: 20, 'charts/episodic_return': 3 },
      { global_step: 40, 'charts/episodic_return': 5 },
    ];
    const b = [
      { global_step: 20, 'charts/episodic_return': 4 },
      { global_step: 30, 'charts/episodic_return': 7 },
    ];
    // Bins of width 20: (0, 20] and (20, 40].
    const curve = seedCurve([a, b], 2);
    assert.deepEqual(curve, [
      { step: 20, mean: (2 + 4) / 2, std: 1, runs: 2 },
      { step: 40, mean: 6, std: 1, runs: 2 },
    ]);
  });
});
