/**
 * `ml3 pg-ml3 train|test`: model-free ML3 — a learned policy loss meta-trained over reacher
 * targets or car start positions (see ml3/policyLoss.ts for the design), then tested on held-out
 * tasks against REINFORCE and PPO on the true reward at equal env samples.
 *
 * Meta-training keeps G policy "slots", one per task. Each iteration adapts every slot's policy
 * by one step on M_φ, updates φ from the fresh episodes of the adapted policies, and keeps the
 * adapted policies; a slot is re-initialised (new policy, new task) after `lifetime` iterations,
 * with the slots' ages staggered, so M_φ learns from policies at every stage of a test run.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AdamState,
  globalNormClip,
  tensorsFromJson,
  tensorsToJson,
} from '../../agents/index.js';
import { type Env, InvalidArgument, RNG, type RNGState } from '../../envs/index.js';
import {
  CAR_PG_TASK,
  comparePgMethods,
  initPgLoss,
  initPgPolicies,
  loadLearnedLoss,
  makePgEnvs,
  type PgLossBase,
  type PgMethodCurve,
  type PgTask,
  pgLossSpec,
  pgMetaStep,
  REACHER_PG_TASK,
  saveLearnedLoss,
} from '../../ml3/index.js';
import type { ConfigSchema, Experiment, RunTools, TestCommand } from '../run/experiment.js';
import { CorruptFileError, writeJsonAtomic } from '../run/files.js';
import { packageVersion } from '../run/meta.js';
import { type PlotSpec, writePlots } from '../run/plots.js';
import { RunDir } from '../run/runDir.js';

/** Config of a model-free ML3 run (flags map 1:1). */
export interface PgMl3Config {
  /** `reacher` (targets) or `car` (start positions). */
  task: 'reacher' | 'car';
  /** Shape the outer PG loss with the task's intermediate goal (car; paper IV.B). */
  extra: boolean;
  /** The learned loss's fixed part: `reinforce` (M = −Â log π + N_φ) or `none` (M = N_φ). */
  base: PgLossBase;
  /** Meta-training iterations. */
  iterations: number;
  /** Policy slots (tasks) per iteration. */
  tasks: number;
  /** Episodes per task per rollout. */
  episodes: number;
  /** Inner SGD learning rate α (also the test's step size for M_φ). */
  innerLr: number;
  /** Adam learning rate of φ. */
  outerLr: number;
  /** Global norm clip of ∇φ. */
  maxGradNorm: number;
  /** Iterations a slot's policy lives before it is re-initialised. */
  lifetime: number;
  /** Test: held-out tasks per seed, iterations, seeds. */
  testTasks: number;
  testIterations: number;
  testSeeds: number;
  /** Test: Adam learning rate of REINFORCE and PPO. */
  baselineLr: number;
  /** Test: the return whose first crossing is reported as samples-to-target. */
  targetReturn: number;
  seed: number;
  checkpointEvery: number;
}

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
  baselineLr: { type: 'number', doc: 'test: Adam learning rate of REINFORCE and PPO', min: 0 },
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
  lifetime: { type: 'int', doc: "iterations a slot's policy lives", min: 1 },
  testTasks: TEST_SCHEMA.tasks,
  testIterations: TEST_SCHEMA.iterations,
  testSeeds: TEST_SCHEMA.seeds,
  baselineLr: TEST_SCHEMA.baselineLr,
  targetReturn: TEST_SCHEMA.targetReturn,
  seed: { type: 'int', doc: 'seed of the whole run', min: 0 },
  checkpointEvery: { type: 'int', doc: 'iterations between checkpoints', min: 1 },
};

const DEFAULTS: PgMl3Config = {
  task: 'reacher',
  extra: false,
  base: 'reinforce',
  iterations: 400,
  tasks: 8,
  episodes: 8,
  innerLr: 0.1,
  outerLr: 3e-3,
  maxGradNorm: 1,
  lifetime: 50,
  testTasks: 8,
  testIterations: 50,
  testSeeds: 3,
  baselineLr: 1e-2,
  targetReturn: -12,
  seed: 0,
  checkpointEvery: 25,
};

/** The task family of a config. */
export function pgTaskOf(name: string): PgTask {
  if (name === 'reacher') return REACHER_PG_TASK;
  if (name === 'car') return CAR_PG_TASK;
  throw new InvalidArgument(`unknown pg-ml3 task "${name}"; allowed: reacher, car`);
}

interface PgMl3State {
  task: PgTask;
  envs: Env[];
  phi: tf.Tensor[];
  adam: Adam;
  /** Batched over the slots. */
  theta: tf.Tensor[];
  ages: number[];
  taskOptions: Record<string, unknown>[];
  rng: RNG;
}

function build(config: PgMl3Config): PgMl3State {
  const task = pgTaskOf(config.task);
  const phi = initPgLoss(task, new RNG(RNG.deriveSeed(config.seed, 'pg-ml3/phi')));
  const rng = new RNG(RNG.deriveSeed(config.seed, 'pg-ml3/train'));
  const G = config.tasks;
  return {
    task,
    envs: makePgEnvs(task, G * config.episodes),
    phi,
    adam: new Adam(phi, config.outerLr),
    theta: initPgPolicies(task, G, rng),
    // Staggered, so that at any time the slots hold policies at different stages of training.
    ages: Array.from({ length: G }, (_, g) => Math.floor((g * config.lifetime) / G)),
    taskOptions: Array.from({ length: G }, () => task.sampleTask(rng)),
    rng,
  };
}

/** Replaces the policies of the slots in `slots` by fresh ones (new tensors; disposes the old). */
function reinitSlots(state: PgMl3State, slots: number[]): void {
  if (slots.length === 0) return;
  const fresh = initPgPolicies(state.task, slots.length, state.rng);
  const next = tf.tidy(() =>
    state.theta.map((p, i) =>
      tf.concat(
        Array.from({ length: p.shape[0]! }, (_, g) => {
          const k = slots.indexOf(g);
          return k < 0 ? p.slice(g, 1) : fresh[i]!.slice(k, 1);
        }),
      ),
    ),
  );
  for (const t of [...state.theta, ...fresh]) t.dispose();
  state.theta = next;
  for (const g of slots) {
    state.ages[g] = 0;
    state.taskOptions[g] = state.task.sampleTask(state.rng);
  }
}

function dispose(state: PgMl3State): void {
  for (const env of state.envs) env.close();
  for (const t of [...state.phi, ...state.theta]) t.dispose();
  state.adam.dispose();
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

/** The test comparison's plot: mean ± std over seeds of each method's return vs env steps. */
const TEST_PLOT: PlotSpec = {
  file: 'test-returns',
  title: 'Model-free ML3, held-out tasks: fresh policies (mean ± std over seeds)',
  x: 'envSteps',
  xTitle: 'env steps (per seed, all tasks)',
  yTitle: 'mean episode return (true reward)',
  series: ['ml3', 'reinforce-sgd', 'reinforce-adam', 'ppo'].map((m) => ({
    field: m,
    label: m === 'ml3' ? 'ML3 learned loss (SGD α)' : m,
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
  const { phi, document } = loadLearnedLoss(path);
  try {
    const context = document.context as
      | { task?: string; innerLr?: number; base?: PgLossBase }
      | undefined;
    if (
      typeof context?.task !== 'string' ||
      !(Number(context.innerLr) > 0) ||
      (context.base !== 'reinforce' && context.base !== 'none')
    )
      throw new CorruptFileError(`${path} has no pg-ml3 context { task, innerLr, base }`);
    const task = pgTaskOf(context.task);
    const seeds = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
    const curves = comparePgMethods(
      {
        task,
        phi,
        base: context.base,
        innerLr: context.innerLr!,
        tasks: options.tasks,
        episodesPerTask: (document.training.config as { episodes?: number }).episodes ?? 8,
        iterations: options.iterations,
        seeds,
        baselineLr: options.baselineLr,
        ppoEpochs: 4,
        targetReturn: options.targetReturn,
      },
      (done, total) => tools.log(`test: ${done}/${total} method × seed runs`),
    );
    const table = Object.fromEntries(curves.map((c) => [c.method, summariseCurve(c)]));
    for (const c of curves) {
      const s = table[c.method]!;
      tools.log(
        `${c.method.padEnd(15)} final return ${s.finalReturnMean.toFixed(2)} ± ${s.finalReturnStd.toFixed(2)}; samples to ${options.targetReturn}: ${s.samplesToTarget.map((x) => x ?? 'never').join(', ')}`,
      );
    }
    const result = { learnedLoss: path, task: task.name, seeds, options, summary: table, curves };
    if (tools.dir) {
      writeJsonAtomic(`${tools.dir}/test.json`, result);
      await writePlots(`${tools.dir}/plots`, curveRows(curves), [TEST_PLOT]);
    }
    return result;
  } finally {
    for (const t of phi) t.dispose();
  }
}

function summariseCurve(c: PgMethodCurve) {
  const m = mean(c.finalReturn);
  return {
    finalReturnMean: m,
    finalReturnStd: Math.sqrt(mean(c.finalReturn.map((r) => (r - m) ** 2))),
    finalReturns: c.finalReturn,
    finalTerminatedFraction: c.terminatedFraction.at(-1)!,
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

const test: TestCommand<PgMl3TestOptions> = {
  description:
    "train fresh policies on held-out tasks with a run's learned loss vs REINFORCE and PPO on the true reward",
  schema: TEST_SCHEMA,
  defaults: { tasks: 8, iterations: 50, seeds: 3, seed: 100, baselineLr: 1e-2, targetReturn: -12 },
  async run(runPath, options, tools) {
    const run = RunDir.open(runPath);
    const saved = run.readConfig();
    if (saved.experiment !== 'pg-ml3')
      throw new CorruptFileError(`${runPath} is a run of "${saved.experiment}", not "pg-ml3"`);
    const path = run.file('learned-loss.json');
    // Its own folder per setting: never overwrite the test that ended training (`test/`).
    const dir = run.file(
      'tests',
      `seed${options.seed}-seeds${options.seeds}-tasks${options.tasks}-it${options.iterations}`,
    );
    return evaluatePgMl3File(path, options, { dir, log: tools.log });
  },
};

/** Model-free ML3 (learned policy losses). */
export const pgMl3Experiment: Experiment<PgMl3Config, PgMl3State> = {
  name: 'pg-ml3',
  description: 'model-free ML3: meta-train a learned policy loss (reacher targets or car starts)',
  schema: SCHEMA,
  defaults: DEFAULTS,
  usesTensorflow: true,
  progressMetric: 'meta/return_after',
  iterations: (c) => c.iterations,
  checkpointEvery: (c) => c.checkpointEvery,
  init(config) {
    if (config.extra && !pgTaskOf(config.task).shapedReward)
      throw new InvalidArgument(
        `--extra needs a task with extra information (car), not ${config.task}`,
      );
    return build(config);
  },
  step(state, _iteration, config) {
    const r = pgMetaStep({
      task: state.task,
      envs: state.envs,
      phi: state.phi,
      theta: state.theta,
      taskOptions: state.taskOptions,
      episodesPerTask: config.episodes,
      innerLr: config.innerLr,
      base: config.base,
      extra: config.extra,
      rng: state.rng,
    });
    const gradNorm = tf.tidy(() =>
      Math.sqrt(r.grads.reduce((a, g) => a + g.square().sum().dataSync()[0]!, 0)),
    );
    const clipped = tf.tidy(() =>
      globalNormClip(r.grads, config.maxGradNorm).map((g) => tf.keep(g)),
    );
    const phi = state.adam.step(state.phi, clipped);
    for (const t of [...state.phi, ...r.grads, ...clipped, ...state.theta]) t.dispose();
    state.phi = phi;
    state.theta = r.adapted;
    state.ages = state.ages.map((a) => a + 1);
    reinitSlots(
      state,
      state.ages.flatMap((a, g) => (a >= config.lifetime ? [g] : [])),
    );
    return {
      'meta/return_before': mean(r.before.returns),
      'meta/return_after': mean(r.after.returns),
      'meta/improvement': mean(r.after.returns) - mean(r.before.returns),
      'meta/terminated_after': mean(r.after.terminated),
      'meta/task_loss': r.taskLoss,
      'meta/grad_norm': gradNorm,
    };
  },
  save: (state) => ({
    phi: tensorsToJson(state.phi),
    adam: state.adam.getState(),
    theta: tensorsToJson(state.theta),
    ages: state.ages,
    taskOptions: state.taskOptions,
    rng: state.rng.getState(),
  }),
  load(json, config) {
    const s = json as {
      phi: unknown;
      adam: AdamState;
      theta: unknown;
      ages: number[];
      taskOptions: Record<string, unknown>[];
      rng: RNGState;
    };
    const state = build(config);
    try {
      const phi = tensorsFromJson(
        s.phi,
        state.phi.map((p) => p.shape),
      );
      const theta = tensorsFromJson(
        s.theta,
        state.theta.map((p) => p.shape),
      );
      for (const t of [...state.phi, ...state.theta]) t.dispose();
      state.phi = phi;
      state.theta = theta;
      state.adam.setState(s.adam);
      if (
        !Array.isArray(s.ages) ||
        s.ages.length !== config.tasks ||
        !Array.isArray(s.taskOptions) ||
        s.taskOptions.length !== config.tasks
      )
        throw new RangeError(`ages and taskOptions must hold one entry per slot (${config.tasks})`);
      state.ages = s.ages;
      state.taskOptions = s.taskOptions;
      state.rng.setState(s.rng);
    } catch (err) {
      dispose(state);
      throw new CorruptFileError(`corrupt pg-ml3 checkpoint state: ${(err as Error).message}`);
    }
    return state;
  },
  async summarize(state, config, tools: RunTools) {
    const path = tools.run.file('learned-loss.json');
    saveLearnedLoss(
      path,
      pgLossSpec(state.task),
      state.phi,
      {
        experiment: 'pg-ml3',
        config: config as unknown as Record<string, unknown>,
        seed: config.seed,
      },
      packageVersion(),
      { task: config.task, innerLr: config.innerLr, base: config.base, extra: config.extra },
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
    return { learnedLoss: 'learned-loss.json', test: result.summary, testFolder: 'test' };
  },
  dispose,
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
  test: test as unknown as TestCommand,
};
