/**
 * `ml3 sine train|test`: the CLI of ML3 sine regression (paper IV.A.1; the science is in
 * `ml3/experiments/sine/`): flags, one learned-loss file per seed, the test-MSE-vs-steps plot.
 */

import { unstackParams } from '../../agents/index.js';
import { mean, std } from '../../envs/core/stats.js';
import {
  evaluateSineLosses,
  SINE_DEFAULTS,
  SINE_LOSS,
  type SineConfig,
  SineMetaTrainer,
  type SineTestOptions,
  saveLearnedLoss,
  seedMeans,
} from '../../ml3/index.js';
import { commandDescription } from '../commands/catalog.js';
import type { ConfigSchema, RunTools, TestCommand } from '../run/experiment.js';
import { packageVersion } from '../run/meta.js';
import { writePlots } from '../run/plots.js';
import { openRunOf, type RunDir } from '../run/runDir.js';
import { metaExperiment } from './metaExperiment.js';

const SCHEMA: ConfigSchema<SineConfig> = {
  iterations: { type: 'int', doc: 'outer (meta) iterations', min: 1 },
  seeds: { type: 'int', doc: 'seeds trained side by side (seed, seed+1, ...)', min: 1, max: 64 },
  seed: { type: 'int', doc: 'first seed', min: 0 },
  innerLr: { type: 'number', doc: 'inner SGD learning rate (meta-train and test)', min: 0 },
  outerLr: { type: 'number', doc: 'Adam learning rate of the learned loss', min: 0 },
  testSteps: { type: 'int', doc: 'SGD steps at evaluation', min: 1 },
  testTasks: { type: 'int', doc: 'held-out test tasks per seed', min: 1 },
  evalEvery: { type: 'int', doc: 'iterations between training-task evaluations', min: 1 },
  testEvery: {
    type: 'int',
    doc: 'iterations between held-out evaluations (and at the end)',
    min: 1,
  },
  checkpointEvery: { type: 'int', doc: 'iterations between checkpoints', min: 1 },
};

/** Per-seed learned losses of a sine run folder. */
function lossFiles(run: RunDir, config: SineConfig): string[] {
  return Array.from({ length: config.seeds }, (_, s) =>
    run.file(`learned-loss-seed${config.seed + s}.json`),
  );
}

const test: TestCommand<SineTestOptions> = {
  description:
    "load a sine run's learned losses (the JSON files, without training code) and compare with MSE on fresh held-out tasks",
  schema: {
    seed: { type: 'int', doc: 'seed of the fresh test tasks and inits', min: 0 },
    testTasks: { type: 'int', doc: 'held-out tasks', min: 1 },
    testSteps: { type: 'int', doc: 'SGD steps', min: 1 },
  },
  defaults: { seed: 1000, testTasks: 10, testSteps: 100 },
  async run(runPath, options) {
    const { run, config } = openRunOf<SineConfig>(runPath, 'sine');
    return {
      run: runPath,
      ...evaluateSineLosses(lossFiles(run, config), config.innerLr, options),
    };
  },
};

/** Writes one learned-loss file per seed, the test curve plot; returns the summary. */
async function summarize(trainer: SineMetaTrainer, config: SineConfig, tools: RunTools) {
  const ml3Trace = trainer.curves('test');
  const ml3 = {
    test: seedMeans(ml3Trace.at(-1)!, config.testTasks),
    train: trainer.curves('train').at(-1)!,
  };
  const mse = {
    test: seedMeans(trainer.baseline.test.at(-1)!, config.testTasks),
    train: trainer.baseline.train.at(-1)!,
  };
  // One learned-loss file per seed: the artifact others load without this code.
  const stacked = trainer.phiTensors();
  const members = unstackParams(stacked);
  for (const t of stacked) t.dispose();
  lossFiles(tools.run, config).forEach((path, s) => {
    const training = { experiment: 'sine', config: { ...config }, seed: config.seed + s };
    saveLearnedLoss(path, SINE_LOSS, members[s]!, training, packageVersion());
  });
  for (const m of members) for (const t of m) t.dispose();
  // Figure 2 of the paper: test MSE vs gradient steps, mean ± std over seeds.
  const curve = ml3Trace.map((row, k) => {
    const a = seedMeans(row, config.testTasks);
    const b = seedMeans(trainer.baseline.test[k]!, config.testTasks);
    return { step: k, ml3: mean(a), ml3Std: std(a), mse: mean(b), mseStd: std(b) };
  });
  await writePlots(tools.run.file('plots'), curve, [
    {
      file: 'test_mse_vs_steps',
      title: `Held-out sine tasks: MSE vs SGD steps (mean ± std over ${config.seeds} seeds)`,
      x: 'step',
      xTitle: 'gradient step',
      yTitle: 'test MSE',
      series: [
        { field: 'ml3', label: 'trained with the learned loss', stdField: 'ml3Std' },
        { field: 'mse', label: 'trained with MSE', stdField: 'mseStd' },
      ],
    },
  ]);
  tools.log(
    `test MSE after ${config.testSteps} steps: learned loss ${mean(ml3.test).toFixed(3)} ± ${std(ml3.test).toFixed(3)}, MSE ${mean(mse.test).toFixed(3)} ± ${std(mse.test).toFixed(3)} (${config.seeds} seeds)`,
  );
  return {
    seeds: Array.from({ length: config.seeds }, (_, s) => config.seed + s),
    testMseMl3: { mean: mean(ml3.test), std: std(ml3.test), perSeed: ml3.test },
    testMseMse: { mean: mean(mse.test), std: std(mse.test), perSeed: mse.test },
    trainMseMl3: { mean: mean(ml3.train), perSeed: ml3.train },
    trainMseMse: { mean: mean(mse.train), perSeed: mse.train },
    learnedLossFiles: lossFiles(tools.run, config),
    testCurve: curve,
  };
}

/** The sine-regression experiment. */
export const sineExperiment = metaExperiment({
  name: 'sine',
  description: commandDescription('sine'),
  schema: SCHEMA,
  defaults: SINE_DEFAULTS,
  progressMetric: 'meta/task_loss',
  create: (config) => new SineMetaTrainer(config),
  restore: (json, config) => SineMetaTrainer.fromJSON(json, config),
  summarize,
  test,
  plots: [
    {
      file: 'train_task_mse',
      title: 'Training task: MSE after 100 SGD steps vs meta-iterations (mean over seeds)',
      x: 'iteration',
      xTitle: 'meta-iteration',
      yTitle: 'MSE after 100 steps',
      series: [
        { field: 'eval/train_mse_ml3', label: 'learned loss' },
        { field: 'eval/train_mse_mse', label: 'MSE loss' },
      ],
    },
    {
      file: 'test_task_mse',
      title: 'Held-out tasks: MSE after 100 SGD steps vs meta-iterations (mean over seeds)',
      x: 'iteration',
      xTitle: 'meta-iteration',
      yTitle: 'MSE after 100 steps',
      series: [
        { field: 'eval/test_mse_ml3', label: 'learned loss' },
        { field: 'eval/test_mse_mse', label: 'MSE loss' },
      ],
    },
  ],
});
