/**
 * `ml3 mountain-car train|test`: the CLI of ML3 exploration with extra information on
 * `rapier/MountainCarContinuous-v0` (paper IV.B; the science is in `ml3/experiments/mountainCar/`):
 * flags, a learned-loss file per variant, the test table and GIFs of test episodes.
 */

import { mountainCarTwin } from '../../agents/index.js';
import { encodeGif, RapierMountainCarContinuousEnv, type RgbFrame } from '../../envs/index.js';
import {
  CAR_LOSS,
  CAR_TEST_STARTS,
  type CarMethodResult,
  type CarTestEpisode,
  carBaselines,
  carGoals,
  carMethodResult,
  extraVariants,
  loadCarLossFile,
  MOUNTAIN_CAR_DEFAULTS,
  type MountainCarConfig,
  MountainCarMetaTrainer,
  saveLearnedLoss,
  testCarLoss,
  variantLabel,
} from '../../ml3/index.js';
import { commandDescription } from '../commands/catalog.js';
import type { ConfigSchema, RunTools, TestCommand } from '../run/experiment.js';
import { writeFileAtomic } from '../run/files.js';
import { packageVersion } from '../run/meta.js';
import { openRunOf, type RunDir } from '../run/runDir.js';
import { metaExperiment } from './metaExperiment.js';
import { POLICY_ML3_FIELDS } from './ml3Fields.js';

const SCHEMA: ConfigSchema<MountainCarConfig> = {
  ...POLICY_ML3_FIELDS,
  extra: {
    type: 'string',
    doc: 'train with extra information: true, false, or both side by side',
    choices: ['true', 'false', 'both'],
  },
  iterations: { type: 'int', doc: 'outer iterations', min: 1 },
  starts: { type: 'int', doc: 'start positions per iteration', min: 1 },
  horizon: { type: 'int', doc: 'rollout steps', min: 2 },
  extraSteps: {
    type: 'int',
    doc: 'steps in which the intermediate goal is to be visited (shaped loss)',
    min: 1,
  },
  extraGoalPosition: { type: 'number', doc: 'position of the intermediate goal' },
  evalEvery: { type: 'int', doc: 'iterations between test evaluations', min: 1 },
};

/** A GIF of test episode g (until the goal or the step limit). */
function carGif(
  states: Float32Array,
  length: number,
  g: number,
  episode: CarTestEpisode,
): Uint8Array {
  const env = new RapierMountainCarContinuousEnv({ renderMode: 'rgb_array' });
  const frames: RgbFrame[] = [];
  // Until the goal, or the first 600 steps of a car that never gets there; every third step
  // keeps the file small (17 fps of a 50 Hz env: real time).
  const end = Math.min(episode.stepsToGoal ?? length - 1, 600);
  try {
    for (let t = 0; t <= end; t += 3) {
      const i = (g * length + t) * 2;
      env.setState([states[i]!, states[i + 1]!]);
      frames.push(env.render() as RgbFrame);
    }
  } finally {
    env.close();
  }
  return encodeGif(frames, 50 / 3);
}

function lossFile(run: RunDir, extra: boolean): string {
  return run.file(`learned-loss-${variantLabel(extra)}.json`);
}

/** One line per method: goals reached within 999 steps and the position at the horizon. */
function formatCarMethod(m: CarMethodResult, horizon: number): string {
  return `  ${m.method}: goal reached from ${m.reachedGoal} / ${m.episodes.length} starts within 999 steps; mean position after ${horizon} steps ${m.meanPositionAtHorizon.toFixed(3)}`;
}

/**
 * Runs the car test protocol of a learned-loss file; writes a GIF into `dir` if given. With
 * `baselines`, also the same steps on the task loss (plain and shaped) and the policy at θ₀.
 */
export function evaluateCarFile(
  path: string,
  out: { dir?: string; log: (m: string) => void; steps?: number; baselines?: boolean },
): Record<string, unknown> {
  const file = loadCarLossFile(path);
  const envs: RapierMountainCarContinuousEnv[] = [new RapierMountainCarContinuousEnv()];
  try {
    const ctx = file.context;
    const steps = out.steps ?? ctx.testSteps;
    const options = {
      steps,
      innerLr: ctx.innerLr,
      horizon: ctx.horizon,
      goals: carGoals(ctx, envs[0]!),
    };
    const res = testCarLoss({ kind: 'learned', phi: file.phi }, file.theta0, envs, options);
    const extra = String(file.extra);
    for (const e of res.episodes) {
      out.log(
        `  extra=${extra} start ${e.start.toFixed(2)}: ${e.reachedGoal ? `goal reached in ${e.stepsToGoal} steps` : 'goal not reached'}, position after ${ctx.horizon} steps ${e.positionAtHorizon.toFixed(3)}, furthest ${e.maxPosition.toFixed(3)}`,
      );
    }
    const learned = carMethodResult(
      `learned loss (${file.extra ? 'with' : 'without'} extra information), ${steps} SGD steps`,
      res.episodes,
    );
    out.log(formatCarMethod(learned, ctx.horizon));
    const baselines = out.baselines
      ? carBaselines(file.theta0, envs, mountainCarTwin(envs[0]!.params), options)
      : undefined;
    for (const b of baselines ?? []) out.log(formatCarMethod(b, ctx.horizon));
    const gifs: string[] = [];
    if (out.dir) {
      const gif = `${out.dir}/mountain-car-${variantLabel(file.extra)}.gif`;
      const g = CAR_TEST_STARTS.indexOf(-0.5);
      writeFileAtomic(gif, carGif(res.states, res.length, g, res.episodes[g]!));
      gifs.push(gif);
    }
    return {
      learnedLoss: path,
      extra: file.extra,
      steps,
      goalPosition: envs[0]!.params.goalPosition,
      reachedGoal: learned.reachedGoal,
      meanPositionAtHorizon: learned.meanPositionAtHorizon,
      episodes: res.episodes,
      ...(baselines ? { baselines } : {}),
      gifs,
    };
  } finally {
    file.dispose();
    for (const env of envs) env.close();
  }
}

const test: TestCommand<{ steps: number }> = {
  description:
    "load a mountain-car run's learned losses, train fresh policies with them and drive the real car",
  schema: { steps: { type: 'int', doc: 'SGD steps on the learned loss', min: 0 } },
  defaults: { steps: 2 },
  async run(runPath, options, tools) {
    const { run, config } = openRunOf<MountainCarConfig>(runPath, 'mountain-car');
    const results = extraVariants(config.extra).map((e, i) =>
      evaluateCarFile(lossFile(run, e), {
        dir: run.file('media'),
        log: tools.log,
        steps: options.steps,
        baselines: i === 0,
      }),
    );
    return withBaselines(results);
  },
};

/** The run's results with the baselines (computed with the first variant) at the top level. */
function withBaselines(results: Record<string, unknown>[]): Record<string, unknown> {
  const { baselines, ...first } = results[0]!;
  return { results: [first, ...results.slice(1)], baselines };
}

/** Saves a learned-loss file per variant and runs the test on each. */
async function summarize(
  trainer: MountainCarMetaTrainer,
  config: MountainCarConfig,
  tools: RunTools,
) {
  const results = trainer.variants.map((v, i) => {
    const path = lossFile(tools.run, v.extra);
    saveLearnedLoss(
      path,
      CAR_LOSS,
      v.phi,
      {
        experiment: 'mountain-car',
        config: { ...config, extra: String(v.extra) },
        seed: config.seed,
      },
      packageVersion(),
      { ...trainer.lossContext() },
    );
    tools.log(`${v.extra ? 'with' : 'without'} extra information (learned loss ${path}):`);
    // The baselines share θ₀ and the starts with every variant: computed once, with the first.
    return evaluateCarFile(path, {
      dir: tools.run.file('media'),
      log: tools.log,
      baselines: i === 0,
    });
  });
  return withBaselines(results);
}

/** The mountain-car exploration experiment. */
export const mountainCarExperiment = metaExperiment({
  name: 'mountain-car',
  description: commandDescription('mountain-car'),
  schema: SCHEMA,
  defaults: MOUNTAIN_CAR_DEFAULTS,
  progressMetric: 'meta/task_loss_extra',
  create: (config) => new MountainCarMetaTrainer(config),
  restore: (json, config) => MountainCarMetaTrainer.fromJSON(json, config),
  summarize,
  test,
  plots: [
    {
      file: 'task_loss',
      title: 'Task loss of the adapted policies (through the twin)',
      x: 'iteration',
      xTitle: 'meta-iteration',
      yTitle: 'task loss',
      series: [
        { field: 'meta/task_loss_extra', label: 'with extra information (shaped)' },
        { field: 'meta/task_loss_plain', label: 'without extra information' },
      ],
    },
    {
      file: 'test_max_position',
      title: 'Furthest position after the test steps (mean over 5 starts; goal 0.45)',
      x: 'iteration',
      xTitle: 'meta-iteration',
      yTitle: 'position (m)',
      series: [
        { field: 'test/max_position_extra', label: 'with extra information' },
        { field: 'test/max_position_plain', label: 'without extra information' },
      ],
    },
  ],
});
