/**
 * `ml3 mountain-car train|test`: ML3 exploration with extra information (paper IV.B) on
 * `rapier/MountainCarContinuous-v0`. The authors' networks, with the optimisation scaled to this
 * car: a linear policy (x, ẋ) → 200 → 1 without biases, a learned loss (x, ẋ, a, d) → 400 → 400
 * → 1 (ELU). The authors' car takes 35 steps of 0.1 s; this one needs about 130 steps of 0.02 s to
 * swing up, so the horizon is 150. With their SGD 1e-3 / one inner step / Adam 1e-3, no test start
 * reached the goal with either loss in 150 iterations; with SGD 1e-2, two inner steps (as at
 * test) and Adam 3e-4, the shaped loss brought all 5 test starts to the goal from iteration 15
 * on (measured; see the README).
 *
 * Inner steps learn on real rollouts (states detached); the task loss rolls the adapted policy
 * out through the car's differentiable twin (`mountainCarTwin`: the sim's own integrator with
 * its Jacobian). With extra information (`--extra true`) the task loss asks the car to visit an
 * intermediate goal on the far side of the valley (x = −0.93, where a swinging car turns) within
 * the first 110 steps, then measures the distance to the goal (see `carTaskLoss` for why a visit
 * rather than the authors' mean distance); without it, the distance to the goal throughout.
 * `--extra both` trains the two side by side (separate learned losses, same policies and starts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AdamState,
  initMlp,
  mountainCarTwin,
  type Params,
  type SimulatorTwin,
  sgdStep,
  tensorsFromJson,
  tensorsToJson,
  tileParams,
} from '../../agents/index.js';
import {
  encodeGif,
  RapierMountainCarContinuousEnv,
  type RgbFrame,
  RNG,
  type RNGState,
} from '../../envs/index.js';
import {
  initLearnedLoss,
  type LearnedLossDocument,
  loadLearnedLoss,
  metaGradient,
  saveLearnedLoss,
} from '../../ml3/index.js';
import {
  CAR_LOSS,
  CAR_POLICY,
  type CarGoals,
  carLearnedLoss,
  carRolloutPolicy,
  carTaskLoss,
  carTwinRollout,
} from '../../ml3/mountainCarTask.js';
import type { ConfigSchema, Experiment, RunTools, TestCommand } from '../run/experiment.js';
import { CorruptFileError, writeFileAtomic } from '../run/files.js';
import { packageVersion } from '../run/meta.js';
import { RunDir } from '../run/runDir.js';
import { restoreParams } from './checkpointState.js';
import { POLICY_ML3_FIELDS } from './ml3Fields.js';

/** Config of `ml3 mountain-car train` (flags map 1:1). */
export interface MountainCarConfig {
  /** `true` (extra information), `false`, or `both` side by side. */
  extra: string;
  iterations: number;
  /** Start positions per iteration (velocity 0), drawn from the env's U(−0.6, −0.4). */
  starts: number;
  /** Steps of the training rollouts and of the test's inner rollouts. */
  horizon: number;
  /** Steps of the horizon measured to the intermediate goal by the shaped loss. */
  extraSteps: number;
  /** Position of the intermediate goal (at rest). */
  extraGoalPosition: number;
  innerSteps: number;
  innerLr: number;
  outerLr: number;
  /** SGD steps of the test. */
  testSteps: number;
  /** Iterations between test evaluations. */
  evalEvery: number;
  seed: number;
  checkpointEvery: number;
}

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

const DEFAULTS: MountainCarConfig = {
  extra: 'both',
  iterations: 150,
  starts: 4,
  horizon: 150,
  extraSteps: 110,
  extraGoalPosition: -0.93,
  innerSteps: 2,
  innerLr: 1e-2,
  outerLr: 3e-4,
  testSteps: 2,
  evalEvery: 15,
  seed: 0,
  checkpointEvery: 50,
};

/** Start positions of the test (velocity 0). */
export const CAR_TEST_STARTS = [-0.6, -0.55, -0.5, -0.45, -0.4];

const label = (extra: boolean) => (extra ? 'extra' : 'plain');
const variantsOf = (c: { extra: string }) =>
  c.extra === 'both' ? [true, false] : [c.extra === 'true'];

function goalsOf(
  config: Pick<MountainCarConfig, 'extraGoalPosition' | 'extraSteps'>,
  env: RapierMountainCarContinuousEnv,
): CarGoals {
  return {
    goal: [env.params.goalPosition, 0],
    extraGoal: [config.extraGoalPosition, 0],
    extraSteps: config.extraSteps,
  };
}

interface Variant {
  extra: boolean;
  phi: tf.Tensor[];
  adam: Adam;
}

interface MountainCarState {
  variants: Variant[];
  theta0: Params;
  rng: RNG;
  envs: RapierMountainCarContinuousEnv[];
  twin: SimulatorTwin;
  goals: CarGoals;
}

function initialPolicy(seed: number): Params {
  return initMlp(CAR_POLICY.net, new RNG(RNG.deriveSeed(seed, 'mountain-car/theta0')), {
    scheme: 'torch',
  });
}

function freshState(config: MountainCarConfig): MountainCarState {
  const envs = Array.from(
    { length: Math.max(config.starts, CAR_TEST_STARTS.length) },
    () => new RapierMountainCarContinuousEnv(),
  );
  return {
    variants: variantsOf(config).map((extra) => {
      const phi = initLearnedLoss(
        CAR_LOSS,
        new RNG(RNG.deriveSeed(config.seed, `mountain-car/phi-${label(extra)}`)),
      );
      return { extra, phi, adam: new Adam(phi, config.outerLr) };
    }),
    theta0: initialPolicy(config.seed),
    rng: new RNG(RNG.deriveSeed(config.seed, 'mountain-car/starts')),
    envs,
    twin: mountainCarTwin(envs[0]!.params),
    goals: goalsOf(config, envs[0]!),
  };
}

/** One test episode's outcome. */
export interface CarTestEpisode {
  start: number;
  /** Whether the car reached the goal within the env's 999 steps, and at which step. */
  reachedGoal: boolean;
  stepsToGoal: number | null;
  /** Position after the training horizon (the authors' measure), and the furthest right. */
  positionAtHorizon: number;
  maxPosition: number;
}

/**
 * The test protocol: from θ₀, K SGD steps on the learned loss (each on real rollouts of the
 * current policy from every test start), then the policy drives the real env for up to 999 steps.
 */
export function testCarLoss(
  phi: readonly tf.Tensor[],
  theta0: Params,
  envs: RapierMountainCarContinuousEnv[],
  options: { steps: number; innerLr: number; horizon: number; goals: CarGoals },
): { episodes: CarTestEpisode[]; states: Float32Array; length: number } {
  const starts = CAR_TEST_STARTS;
  const G = starts.length;
  while (envs.length < G) envs.push(new RapierMountainCarContinuousEnv());
  let theta = tileParams(theta0, G);
  for (let k = 0; k < options.steps; k++) {
    const r = carRolloutPolicy(envs, theta, starts, options.horizon);
    const next = tf.tidy(() => {
      const states = tf.tensor3d(r.states, [G, options.horizon + 1, 2]);
      const g = tf.grads(
        (...th: tf.Tensor[]) => carLearnedLoss(phi, th, states, options.goals).sum() as tf.Scalar,
      )(theta);
      return sgdStep(theta, g, options.innerLr).map((t) => tf.keep(t));
    });
    for (const t of theta) t.dispose();
    theta = next;
  }
  const T = 999;
  const r = carRolloutPolicy(envs, theta, starts, T);
  for (const t of theta) t.dispose();
  const episodes = starts.map((start, g) => {
    const xs = Array.from({ length: T + 1 }, (_, t) => r.states[(g * (T + 1) + t) * 2]!);
    const reached = r.terminatedAt[g]! >= 0;
    return {
      start,
      reachedGoal: reached,
      stepsToGoal: reached ? r.terminatedAt[g]! : null,
      positionAtHorizon: xs[Math.min(options.horizon, T)]!,
      maxPosition: Math.max(...xs),
    };
  });
  return { episodes, states: r.states, length: T + 1 };
}

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
  return run.file(`learned-loss-${label(extra)}.json`);
}

/** What the test needs besides φ, stored in the learned-loss file. */
interface CarContext {
  theta0: unknown;
  horizon: number;
  innerLr: number;
  testSteps: number;
  extraGoalPosition: number;
  extraSteps: number;
}

/** Runs the car test protocol of a learned-loss file; writes a GIF into `dir` if given. */
export function evaluateCarFile(
  path: string,
  out: { dir?: string; log: (m: string) => void; steps?: number },
): Record<string, unknown> {
  const { phi, document } = loadLearnedLoss(path);
  const c = (document as LearnedLossDocument).context as Partial<CarContext> | undefined;
  const envs: RapierMountainCarContinuousEnv[] = [];
  let theta0: Params = [];
  try {
    if (document.training?.experiment !== 'mountain-car' || !c) {
      throw new CorruptFileError(`${path} is not a learned loss of the mountain-car experiment`);
    }
    const shapes = initialPolicy(0);
    try {
      theta0 = tensorsFromJson(
        c.theta0,
        shapes.map((p) => p.shape),
      );
      for (const key of [
        'horizon',
        'innerLr',
        'testSteps',
        'extraGoalPosition',
        'extraSteps',
      ] as const) {
        if (typeof c[key] !== 'number' || !Number.isFinite(c[key]))
          throw new RangeError(`context.${key} must be a number`);
      }
    } catch (err) {
      throw new CorruptFileError(
        `corrupt mountain-car learned loss ${path}: ${(err as Error).message}`,
      );
    } finally {
      for (const t of shapes) t.dispose();
    }
    const ctx = c as CarContext;
    envs.push(new RapierMountainCarContinuousEnv());
    const steps = out.steps ?? ctx.testSteps;
    const res = testCarLoss(phi, theta0, envs, {
      steps,
      innerLr: ctx.innerLr,
      horizon: ctx.horizon,
      goals: goalsOf(ctx, envs[0]!),
    });
    const extra = String(document.training.config.extra);
    for (const e of res.episodes) {
      out.log(
        `  extra=${extra} start ${e.start.toFixed(2)}: ${e.reachedGoal ? `goal reached in ${e.stepsToGoal} steps` : 'goal not reached'}, position after ${ctx.horizon} steps ${e.positionAtHorizon.toFixed(3)}, furthest ${e.maxPosition.toFixed(3)}`,
      );
    }
    const gifs: string[] = [];
    if (out.dir) {
      const gif = `${out.dir}/mountain-car-${extra === 'true' ? 'extra' : 'plain'}.gif`;
      const g = CAR_TEST_STARTS.indexOf(-0.5);
      writeFileAtomic(gif, carGif(res.states, res.length, g, res.episodes[g]!));
      gifs.push(gif);
    }
    return {
      learnedLoss: path,
      extra: extra === 'true',
      steps,
      goalPosition: envs[0]!.params.goalPosition,
      reachedGoal: res.episodes.filter((e) => e.reachedGoal).length,
      episodes: res.episodes,
      gifs,
    };
  } finally {
    for (const t of [...phi, ...theta0]) t.dispose();
    for (const env of envs) env.close();
  }
}

const test: TestCommand<{ steps: number }> = {
  description:
    "load a mountain-car run's learned losses, train fresh policies with them and drive the real car",
  schema: { steps: { type: 'int', doc: 'SGD steps on the learned loss', min: 0 } },
  defaults: { steps: 2 },
  async run(runPath, options, tools) {
    const run = RunDir.open(runPath);
    const saved = run.readConfig();
    if (saved.experiment !== 'mountain-car')
      throw new CorruptFileError(
        `${runPath} is a run of "${saved.experiment}", not "mountain-car"`,
      );
    const results = variantsOf(saved.config as unknown as MountainCarConfig).map((e) =>
      evaluateCarFile(lossFile(run, e), {
        dir: run.file('media'),
        log: tools.log,
        steps: options.steps,
      }),
    );
    return { results };
  },
};

/** The mountain-car exploration experiment. */
export const mountainCarExperiment: Experiment<MountainCarConfig, MountainCarState> = {
  name: 'mountain-car',
  description:
    'ML3 exploration with extra information on rapier/MountainCarContinuous-v0 (paper IV.B)',
  schema: SCHEMA,
  defaults: DEFAULTS,
  usesTensorflow: true,
  progressMetric: 'meta/task_loss_extra',
  iterations: (c) => c.iterations,
  checkpointEvery: (c) => c.checkpointEvery,
  init: (config) => freshState(config),
  step(state, iteration, config) {
    const G = config.starts;
    const H = config.horizon;
    const starts = Array.from({ length: G }, () => state.rng.uniform(-0.6, -0.4));
    const theta0 = tileParams(state.theta0, G);
    const r = carRolloutPolicy(state.envs, theta0, starts, H);
    const states = tf.tensor3d(r.states, [G, H + 1, 2]);
    const start = tf.tensor2d(starts.map((x) => [x, 0]));
    const metrics: Record<string, number> = {};
    for (const v of state.variants) {
      const { taskLoss, grads, adapted } = metaGradient({
        phi: v.phi,
        theta0,
        innerSteps: config.innerSteps,
        innerLr: config.innerLr,
        innerLoss: (theta, phi) =>
          carLearnedLoss(phi, theta, states, state.goals).sum() as tf.Scalar,
        taskLoss: (theta) =>
          carTaskLoss(
            carTwinRollout(state.twin, theta, start, H),
            state.goals,
            v.extra,
          ).mean() as tf.Scalar,
      });
      const next = v.adam.step(v.phi, grads);
      for (const t of [...v.phi, ...grads, ...adapted]) t.dispose();
      v.phi = next;
      metrics[`meta/task_loss_${label(v.extra)}`] = taskLoss;
    }
    for (const t of [...theta0, states, start]) t.dispose();
    const done = iteration + 1;
    if (done % config.evalEvery === 0 || done === config.iterations) {
      for (const v of state.variants) {
        const res = testCarLoss(v.phi, state.theta0, state.envs, {
          steps: config.testSteps,
          innerLr: config.innerLr,
          horizon: H,
          goals: state.goals,
        });
        metrics[`test/goals_reached_${label(v.extra)}`] = res.episodes.filter(
          (e) => e.reachedGoal,
        ).length;
        metrics[`test/max_position_${label(v.extra)}`] =
          res.episodes.reduce((a, e) => a + e.maxPosition, 0) / res.episodes.length;
      }
    }
    return metrics;
  },
  save: (state) => ({
    variants: state.variants.map((v) => ({
      extra: v.extra,
      phi: tensorsToJson(v.phi),
      adam: v.adam.getState(),
    })),
    rng: state.rng.getState(),
  }),
  load(json, config) {
    const s = json as {
      variants: { extra: boolean; phi: unknown; adam: AdamState }[];
      rng: RNGState;
    };
    const state = freshState(config);
    try {
      state.rng.setState(s.rng);
      if (!Array.isArray(s.variants) || s.variants.length !== state.variants.length)
        throw new RangeError(`expected ${state.variants.length} learned losses`);
      state.variants.forEach((v, i) => {
        v.phi = restoreParams(v.phi, v.adam, s.variants[i]!);
      });
    } catch (err) {
      mountainCarExperiment.dispose?.(state);
      throw new CorruptFileError(
        `corrupt mountain-car checkpoint state: ${(err as Error).message}`,
      );
    }
    return state;
  },
  async summarize(state, config, tools: RunTools) {
    const results = state.variants.map((v) => {
      const path = lossFile(tools.run, v.extra);
      const context: CarContext = {
        theta0: tensorsToJson(state.theta0),
        horizon: config.horizon,
        innerLr: config.innerLr,
        testSteps: config.testSteps,
        extraGoalPosition: config.extraGoalPosition,
        extraSteps: config.extraSteps,
      };
      saveLearnedLoss(
        path,
        CAR_LOSS,
        v.phi,
        {
          experiment: 'mountain-car',
          config: { ...config, extra: String(v.extra) } as unknown as Record<string, unknown>,
          seed: config.seed,
        },
        packageVersion(),
        context as unknown as Record<string, unknown>,
      );
      tools.log(`${v.extra ? 'with' : 'without'} extra information (learned loss ${path}):`);
      return evaluateCarFile(path, { dir: tools.run.file('media'), log: tools.log });
    });
    return { results };
  },
  dispose(state) {
    for (const v of state.variants) {
      v.adam.dispose();
      for (const t of v.phi) t.dispose();
    }
    for (const t of state.theta0) t.dispose();
    for (const env of state.envs) env.close();
    state.envs = [];
  },
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
  test: test as unknown as TestCommand,
};
