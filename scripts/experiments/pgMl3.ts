/**
 * `ml3 pg-ml3 train|test`: the CLI of model-free ML3 (the science is in
 * `ml3/experiments/policyGradient/`): flags, the learned-loss file, and the held-out comparison
 * with REINFORCE and PPO as `test.json` and a plot.
 */

import { mean, std } from '../../envs/core/stats.js';
import { RNG } from '../../envs/index.js';
import {
  bestPpoCurve,
  comparePgMethods,
  loadPgLossFile,
  meanSamplesToTarget,
  PG_ML3_DEFAULTS,
  type PgCompareArgs,
  type PgMethodCurve,
  type PgMl3Config,
  PgMl3MetaTrainer,
  pgLossSpec,
  saveLearnedLoss,
} from '../../ml3/index.js';
import { commandDescription } from '../commands/catalog.js';
import type { ConfigSchema, RunTools, TestCommand } from '../run/experiment.js';
import { writeJsonAtomic } from '../run/files.js';
import { packageVersion } from '../run/meta.js';
import { type PlotSpec, writePlots } from '../run/plots.js';
import { openRunOf } from '../run/runDir.js';
import { metaExperiment } from './metaExperiment.js';

/** Options of the held-out test. */
export interface PgMl3TestOptions {
  tasks: number;
  iterations: number;
  seeds: number;
  /** First seed (held-out tasks, initial policies and noise derive from it). */
  seed: number;
  baselineLr: number;
  targetReturn: number;
}

/** Flags of the held-out test (also the `test…` fields of the training config). */
const TEST_SCHEMA: ConfigSchema<PgMl3TestOptions> = {
  tasks: { type: 'int', doc: 'test: held-out tasks per seed', min: 1 },
  iterations: { type: 'int', doc: 'test: training iterations of fresh policies', min: 1 },
  seeds: { type: 'int', doc: 'test: seeds (mean ± std)', min: 1 },
  seed: { type: 'int', doc: 'test: first seed', min: 0 },
  baselineLr: {
    type: 'number',
    doc: 'test: Adam learning rate of REINFORCE; PPO runs at 0.3, 1 and 3 times it and is reported at its best',
    min: 0,
  },
  targetReturn: { type: 'number', doc: 'test: return whose first crossing is reported' },
};

const SCHEMA: ConfigSchema<PgMl3Config> = {
  task: { type: 'string', doc: 'reacher or car', choices: ['reacher', 'car'] },
  extra: { type: 'boolean', doc: "shape the meta-training loss with the task's intermediate goal" },
  base: {
    type: 'string',
    doc: "learned loss's fixed part: reinforce (−Â log π + N_φ) or none (N_φ alone)",
    choices: ['reinforce', 'none'],
  },
  iterations: { type: 'int', doc: 'meta-training iterations', min: 1 },
  tasks: { type: 'int', doc: 'policy slots (tasks) per iteration', min: 1 },
  episodes: { type: 'int', doc: 'episodes per task per rollout', min: 2 },
  innerLr: { type: 'number', doc: 'inner SGD step size α', min: 0 },
  outerLr: { type: 'number', doc: 'Adam learning rate of φ', min: 0 },
  maxGradNorm: { type: 'number', doc: 'global norm clip of the meta-gradient', min: 0 },
  innerSteps: {
    type: 'int',
    doc: 'inner SGD steps per meta-iteration, each on fresh episodes (the outer loss sees the policy after all of them)',
    min: 1,
  },
  innerClip: {
    type: 'number',
    doc: "per-policy norm clip of each inner step's gradient of the learned loss, in meta-training and at test (0: none, the paper's plain SGD)",
    min: 0,
  },
  lifetime: { type: 'int', doc: "policy updates (inner steps) a slot's policy lives", min: 1 },
  learnStd: {
    type: 'boolean',
    doc: 'policies learn their log σ (from the task σ) instead of a fixed σ, in meta-training and for every method of the test',
  },
  testTasks: TEST_SCHEMA.tasks,
  testIterations: TEST_SCHEMA.iterations,
  testSeeds: TEST_SCHEMA.seeds,
  baselineLr: TEST_SCHEMA.baselineLr,
  targetReturn: TEST_SCHEMA.targetReturn,
  seed: { type: 'int', doc: 'seed of the whole run', min: 0 },
  checkpointEvery: { type: 'int', doc: 'iterations between checkpoints', min: 1 },
};

/** The test comparison's plot: mean ± std over seeds of each method's return vs env steps. */
const TEST_PLOT: PlotSpec = {
  file: 'test-returns',
  title: 'Model-free ML3, held-out tasks: fresh policies (mean ± std over seeds)',
  x: 'envSteps',
  xTitle: 'env steps (per seed, all tasks)',
  yTitle: 'mean episode return (true reward)',
  series: ['ml3', 'reinforce-sgd', 'reinforce-adam', 'ppo'].map((m) => ({
    field: m,
    label: m === 'ml3' ? 'ML3 learned loss (SGD α)' : m === 'ppo' ? 'ppo (its best rate of 3)' : m,
    stdField: `${m}_std`,
  })),
};

/**
 * Runs the held-out comparison for a learned policy-loss file; writes `test.json` and the plot
 * into `dir` when given.
 */
export async function evaluatePgMl3File(
  path: string,
  options: PgMl3TestOptions,
  tools: { dir?: string; log: (m: string) => void },
): Promise<Record<string, unknown>> {
  const file = loadPgLossFile(path);
  try {
    const seeds = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
    const args: PgCompareArgs = {
      task: file.task,
      phi: file.phi,
      base: file.context.base,
      innerLr: file.context.innerLr,
      innerClip: file.context.innerClip ?? 0,
      tasks: options.tasks,
      episodesPerTask: file.episodesPerTask,
      iterations: options.iterations,
      seeds,
      baselineLr: options.baselineLr,
      ppoEpochs: 4,
      targetReturn: options.targetReturn,
    };
    const runs = comparePgMethods(args, (done, total) =>
      tools.log(`test: ${done}/${total} method × seed runs`),
    );
    // `ppo`: PPO at its best rate of the grid (a copy of that rate's curve).
    const best = bestPpoCurve(runs);
    const curves = [...runs, { ...best, method: 'ppo' }];
    const table: Record<string, ReturnType<typeof summariseCurve> & { lr?: number }> =
      Object.fromEntries(curves.map((c) => [c.method, summariseCurve(c)]));
    table.ppo = { ...table.ppo!, lr: best.lr };
    for (const c of curves) {
      const s = table[c.method]!;
      tools.log(
        `${c.method.padEnd(15)} final return ${s.finalReturnMean.toFixed(2)} ± ${s.finalReturnStd.toFixed(2)}; samples to ${options.targetReturn}: ${s.samplesToTarget.map((x) => x ?? 'never').join(', ')}`,
      );
    }
    // Mean samples to the target (a seed that never reaches it: one iteration past the budget).
    const ml3MeanSamples = meanSamplesToTarget(runs.find((c) => c.method === 'ml3')!);
    const ppoMeanSamples = meanSamplesToTarget(best);
    const ml3VsPpo = {
      ppoLr: best.lr,
      ml3MeanSamples,
      ppoMeanSamples,
      // null when PPO's policies start at the target: no ratio to speak of.
      samplesRatio: ppoMeanSamples > 0 ? ml3MeanSamples / ppoMeanSamples : null,
    };
    tools.log(
      ml3VsPpo.samplesRatio === null
        ? `PPO's initial policies already reach ${options.targetReturn}: no samples ratio`
        : `ML3 needs ${ml3VsPpo.samplesRatio.toFixed(2)}× the samples of PPO at its best rate (${ml3VsPpo.ppoLr}) to reach ${options.targetReturn} (mean over seeds; issue #16 asks for ≤ 0.5)`,
    );
    const result = {
      learnedLoss: path,
      task: file.task.name,
      seeds,
      options,
      summary: table,
      ml3VsPpo,
      curves,
    };
    if (tools.dir) {
      writeJsonAtomic(`${tools.dir}/test.json`, result);
      await writePlots(`${tools.dir}/plots`, curveRows(curves), [TEST_PLOT]);
    }
    return result;
  } finally {
    file.dispose();
  }
}

function summariseCurve(c: PgMethodCurve) {
  return {
    finalReturnMean: mean(c.finalReturn),
    finalReturnStd: std(c.finalReturn),
    finalReturns: c.finalReturn,
    finalTerminatedFraction: c.terminatedFraction.at(-1)!,
    finalActionStd: c.actionStd.at(-1)!,
    samplesToTarget: c.samplesToTarget,
    envSteps: c.envSteps.at(-1)!,
  };
}

/** One row per iteration with each method's mean and std (the plot's input). */
function curveRows(curves: PgMethodCurve[]): Record<string, number>[] {
  return curves[0]!.envSteps.map((x, i) => {
    const row: Record<string, number> = { envSteps: x };
    for (const c of curves) {
      row[c.method] = c.meanReturn[i]!;
      row[`${c.method}_std`] = c.stdReturn[i]!;
    }
    return row;
  });
}

/** The `test` command's defaults: the held-out tasks of seeds 100–102, the same for every run. */
const PG_ML3_TEST_DEFAULTS: Readonly<PgMl3TestOptions> = Object.freeze({
  tasks: 8,
  iterations: 50,
  seeds: 3,
  seed: 100,
  baselineLr: 1e-2,
  targetReturn: -12,
});

const test: TestCommand<PgMl3TestOptions> = {
  description:
    "train fresh policies on held-out tasks with a run's learned loss vs REINFORCE and PPO on the true reward",
  schema: TEST_SCHEMA,
  defaults: PG_ML3_TEST_DEFAULTS,
  async run(runPath, options, tools) {
    const { run } = openRunOf<PgMl3Config>(runPath, 'pg-ml3');
    // Its own folder per setting: never overwrite the test that ended training (`test/`), nor a
    // test of other settings (a rate or target off the defaults is named; the defaults are not,
    // so the folders of earlier tests keep their names).
    const offDefault = [
      options.baselineLr === PG_ML3_TEST_DEFAULTS.baselineLr ? '' : `-blr${options.baselineLr}`,
      options.targetReturn === PG_ML3_TEST_DEFAULTS.targetReturn
        ? ''
        : `-target${options.targetReturn}`,
    ].join('');
    const dir = run.file(
      'tests',
      `seed${options.seed}-seeds${options.seeds}-tasks${options.tasks}-it${options.iterations}${offDefault}`,
    );
    return evaluatePgMl3File(run.file('learned-loss.json'), options, { dir, log: tools.log });
  },
};

/** Saves the learned-loss file and runs the held-out comparison into `test/`. */
async function summarize(trainer: PgMl3MetaTrainer, config: PgMl3Config, tools: RunTools) {
  const path = tools.run.file('learned-loss.json');
  saveLearnedLoss(
    path,
    pgLossSpec(trainer.task),
    trainer.phi,
    { experiment: 'pg-ml3', config: { ...config }, seed: config.seed },
    packageVersion(),
    { ...trainer.lossContext() },
  );
  tools.log(`learned policy loss written to ${path}`);
  const result = await evaluatePgMl3File(
    path,
    {
      tasks: config.testTasks,
      iterations: config.testIterations,
      seeds: config.testSeeds,
      seed: RNG.deriveSeed(config.seed, 'pg-ml3/test') % 1_000_000,
      baselineLr: config.baselineLr,
      targetReturn: config.targetReturn,
    },
    { dir: tools.run.file('test'), log: tools.log },
  );
  return {
    learnedLoss: 'learned-loss.json',
    test: result.summary,
    ml3VsPpo: result.ml3VsPpo,
    testFolder: 'test',
  };
}

/** Model-free ML3 (learned policy losses). */
export const pgMl3Experiment = metaExperiment({
  name: 'pg-ml3',
  description: commandDescription('pg-ml3'),
  schema: SCHEMA,
  defaults: PG_ML3_DEFAULTS,
  progressMetric: 'meta/return_after',
  create: (config) => new PgMl3MetaTrainer(config),
  restore: (json, config) => PgMl3MetaTrainer.fromJSON(json, config),
  summarize,
  test,
  plots: [
    {
      file: 'meta-returns',
      title: 'Model-free ML3 meta-training: episode return before / after the inner step',
      x: 'iteration',
      xTitle: 'meta iteration',
      yTitle: 'mean episode return',
      series: [
        { field: 'meta/return_before', label: 'π_θ (before)' },
        { field: 'meta/return_after', label: "π_θ' (after one step on M_φ)" },
      ],
    },
  ],
});
