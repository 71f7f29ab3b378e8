/**
 * `ml3 shaped-sine train|test`: the CLI of ML3 loss shaping with extra information (paper IV.B;
 * the science is in `ml3/experiments/shapedSine/`): flags, a learned-loss file per variant, the
 * loss-landscape and θ-after-one-step plots.
 */

import { stackParams, unstackParams } from '../../agents/index.js';
import {
  extraVariants,
  loadLearnedLoss,
  lossLandscape,
  oneStepTheta,
  SHAPED_SINE_DEFAULTS,
  SHAPED_SINE_LOSS,
  type ShapedSineConfig,
  ShapedSineMetaTrainer,
  saveLearnedLoss,
  variantLabel,
} from '../../ml3/index.js';
import { commandDescription } from '../commands/catalog.js';
import type { ConfigSchema, RunTools, TestCommand } from '../run/experiment.js';
import { packageVersion } from '../run/meta.js';
import { writePlots } from '../run/plots.js';
import { openRunOf, type RunDir } from '../run/runDir.js';
import { metaExperiment } from './metaExperiment.js';

const SCHEMA: ConfigSchema<ShapedSineConfig> = {
  extra: {
    type: 'string',
    doc: 'train with extra information: true, false, or both side by side',
    choices: ['true', 'false', 'both'],
  },
  iterations: { type: 'int', doc: 'outer iterations', min: 1 },
  tasks: { type: 'int', doc: 'tasks per iteration', min: 1 },
  innerSteps: { type: 'int', doc: 'inner steps per task, a meta-update after each', min: 1 },
  batch: { type: 'int', doc: 'inputs per task', min: 1 },
  innerLr: { type: 'number', doc: 'SGD learning rate of theta', min: 0 },
  outerLr: { type: 'number', doc: 'Adam learning rate of the learned loss', min: 0 },
  theta0: { type: 'number', doc: 'initial frequency' },
  testFrequency: { type: 'number', doc: 'target frequency of the test' },
  seed: { type: 'int', doc: 'seed', min: 0 },
  evalEvery: { type: 'int', doc: 'iterations between test evaluations', min: 1 },
  checkpointEvery: { type: 'int', doc: 'iterations between checkpoints', min: 1 },
};

function lossFile(run: RunDir, extra: boolean): string {
  return run.file(`learned-loss-${variantLabel(extra)}.json`);
}

const test: TestCommand<{ frequency: number }> = {
  description:
    "load a shaped-sine run's learned losses and take one SGD step from theta = 0.1 toward a target frequency",
  schema: { frequency: { type: 'number', doc: 'target frequency' } },
  defaults: { frequency: 0.7 },
  async run(runPath, options) {
    const { run, config } = openRunOf<ShapedSineConfig>(runPath, 'shaped-sine');
    const variants = extraVariants(config.extra);
    const phi = stackParams(variants.map((e) => loadLearnedLoss(lossFile(run, e)).phi));
    const thetas = oneStepTheta(phi, config, options.frequency);
    for (const t of phi) t.dispose();
    return Object.fromEntries([
      ['target', options.frequency],
      ...variants.map((e, v) => [`thetaAfterOneStep_${variantLabel(e)}`, thetas[v]!]),
    ]);
  },
};

/** Writes a learned-loss file per variant and the landscape plot; returns the summary. */
async function summarize(
  trainer: ShapedSineMetaTrainer,
  config: ShapedSineConfig,
  tools: RunTools,
) {
  const { variants } = trainer;
  const thetas = trainer.testTheta();
  const members = unstackParams(trainer.phi);
  variants.forEach((e, v) => {
    const training = {
      experiment: 'shaped-sine',
      config: { ...config, extra: String(e) },
      seed: config.seed,
    };
    saveLearnedLoss(
      lossFile(tools.run, e),
      SHAPED_SINE_LOSS,
      members[v]!,
      training,
      packageVersion(),
    );
  });
  for (const m of members) for (const t of m) t.dispose();
  const rows = lossLandscape(trainer.phi, variants.map(variantLabel));
  await writePlots(tools.run.file('plots'), rows, [
    {
      file: 'loss_landscape',
      title: 'Loss over θ on y = sin(0.5x) (each curve min–max normalised)',
      x: 'theta',
      xTitle: 'θ',
      yTitle: 'normalised loss',
      series: [
        ...variants.map((e) => ({
          field: variantLabel(e),
          label: e ? 'learned, with extra information' : 'learned, without extra information',
        })),
        { field: 'mse', label: '½·MSE' },
      ],
    },
  ]);
  const result: Record<string, unknown> = { target: config.testFrequency, theta0: config.theta0 };
  variants.forEach((e, v) => {
    result[`thetaAfterOneStep_${variantLabel(e)}`] = thetas[v];
    tools.log(
      `${e ? 'with' : 'without'} extra information: θ after one step ${thetas[v]!.toFixed(3)} (target ${config.testFrequency})`,
    );
  });
  return {
    ...result,
    learnedLossFiles: variants.map((e) => lossFile(tools.run, e)),
    landscape: rows,
  };
}

/** The shaped-sine experiment. */
export const shapedSineExperiment = metaExperiment({
  name: 'shaped-sine',
  description: commandDescription('shaped-sine'),
  schema: SCHEMA,
  defaults: SHAPED_SINE_DEFAULTS,
  progressMetric: 'test/theta_extra',
  create: (config) => new ShapedSineMetaTrainer(config),
  restore: (json, config) => ShapedSineMetaTrainer.fromJSON(json, config),
  summarize,
  test,
  plots: [
    {
      file: 'theta_after_one_step',
      title: 'θ after one test step toward frequency 0.7 vs meta-iterations',
      x: 'iteration',
      xTitle: 'meta-iteration',
      yTitle: 'θ after one step',
      series: [
        { field: 'test/theta_extra', label: 'with extra information' },
        { field: 'test/theta_plain', label: 'without extra information' },
      ],
    },
  ],
});
