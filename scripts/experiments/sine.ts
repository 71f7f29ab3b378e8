/**
 * `ml3 sine train|test`: ML3 for sine regression (paper IV.A.1), the authors' configuration:
 * optimizee MLP 1→100→10→1 (ReLU, re-initialised every outer iteration), learned loss
 * (ŷ, y) → 50 → 50 → 1 (ReLU, no biases, softplus, Xavier), one inner SGD step at 1e-3, Adam 1e-3
 * for 500 outer iterations on one training task (amplitude 1, phase π, x ∈ [−2, 2]); evaluation:
 * 100 SGD steps at 1e-3 from PyTorch's default init on the training task and on 10 held-out
 * tasks (amplitude ∈ [0.2, 5], phase ∈ [−π, π], x ∈ [−5, 5]) with the learned loss vs MSE.
 *
 * All seeds train at once: φ, θ and the tasks carry a leading seed dimension, and the 22 × 100
 * evaluation runs of every seed are one batched SGD loop.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AdamState,
  initMlp,
  type MlpSpec,
  mlp,
  type Params,
  stackParams,
  tensorsToJson,
  unstackParams,
} from '../../agents/index.js';
import { RNG, type RNGState } from '../../envs/index.js';
import {
  adapt,
  initLearnedLoss,
  type LearnedLossSpec,
  learnedLossValues,
  loadLearnedLoss,
  metaGradient,
  saveLearnedLoss,
} from '../../ml3/index.js';
import type { ConfigSchema, Experiment, RunTools, TestCommand } from '../run/experiment.js';
import { CorruptFileError } from '../run/files.js';
import { packageVersion } from '../run/meta.js';
import { writePlots } from '../run/plots.js';
import { RunDir } from '../run/runDir.js';
import { restoreParams } from './checkpointState.js';

/** Config of `ml3 sine train` (flags map 1:1). */
export interface SineConfig {
  /** Outer (meta) iterations. */
  iterations: number;
  /** Seeds trained side by side: seed, seed + 1, … */
  seeds: number;
  /** First seed. */
  seed: number;
  /** Inner SGD learning rate (meta-train and test). */
  innerLr: number;
  /** Adam learning rate of the learned loss. */
  outerLr: number;
  /** SGD steps at evaluation. */
  testSteps: number;
  /** Held-out test tasks per seed. */
  testTasks: number;
  /** Iterations between evaluations on the training task. */
  evalEvery: number;
  /** Iterations between evaluations on the held-out tasks (and at the end). */
  testEvery: number;
  /** Iterations between checkpoints. */
  checkpointEvery: number;
}

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

const DEFAULTS: SineConfig = {
  iterations: 500,
  seeds: 5,
  seed: 0,
  innerLr: 1e-3,
  outerLr: 1e-3,
  testSteps: 100,
  testTasks: 10,
  evalEvery: 10,
  testEvery: 50,
  checkpointEvery: 50,
};

/** The optimizee of the authors' sine experiment. */
export const SINE_MODEL: MlpSpec = {
  sizes: [1, 100, 10, 1],
  activation: 'relu',
  outputActivation: 'identity',
  bias: true,
};

/** The learned loss of the sine experiment: M_φ(ŷ, y). */
export const SINE_LOSS: LearnedLossSpec = {
  inputs: ['yPred', 'y'],
  inputScale: [1, 1],
  hidden: [50, 50],
  activation: 'relu',
  outputActivation: 'softplus',
  bias: false,
};

const POINTS = 100;

/** x and y of regression tasks: y = amp · sin(x − phase), x uniform. Shapes [tasks, points, 1]. */
function sampleTasks(
  rng: RNG,
  tasks: number,
  amp: [number, number],
  phase: [number, number],
  input: [number, number],
) {
  const xs = new Float32Array(tasks * POINTS);
  const ys = new Float32Array(tasks * POINTS);
  for (let t = 0; t < tasks; t++) {
    const a = rng.uniform(amp[0], amp[1]);
    const p = rng.uniform(phase[0], phase[1]);
    for (let i = 0; i < POINTS; i++) {
      const x = rng.uniform(input[0], input[1]);
      xs[t * POINTS + i] = x;
      ys[t * POINTS + i] = a * Math.sin(x - p);
    }
  }
  return { xs, ys };
}

/** Per-member mean of a [B, N, 1] tensor: [B]. */
function memberMeans(t: tf.Tensor): tf.Tensor {
  return t.mean([1, 2]);
}

/** Regression data of B models: x, y [B, 100, 1], their evaluation inits, and models per seed. */
interface EvalSet {
  x: tf.Tensor3D;
  y: tf.Tensor3D;
  init: Params;
  perSeed: number;
}

/** Tasks and evaluation inits of one run, fixed by the seeds. */
interface SineData {
  /** The training task of each seed (meta-training and its evaluation). */
  train: EvalSet;
  /** The held-out tasks of each seed. */
  test: EvalSet;
}

function concatArrays(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function evalSet(
  config: SineConfig,
  name: string,
  tasks: number,
  amp: [number, number],
  phase: [number, number],
  input: [number, number],
): EvalSet {
  const S = config.seeds;
  const data = Array.from({ length: S }, (_, s) =>
    sampleTasks(
      new RNG(RNG.deriveSeed(config.seed + s, `sine/${name}-tasks`)),
      tasks,
      amp,
      phase,
      input,
    ),
  );
  const init = stackParams(
    Array.from({ length: S }, (_, s) => {
      const rng = new RNG(RNG.deriveSeed(config.seed + s, `sine/${name}-eval-init`));
      return Array.from({ length: tasks }, () => initMlp(SINE_MODEL, rng, { scheme: 'torch' }));
    }).flat(),
  );
  return {
    x: tf.tensor3d(concatArrays(data.map((d) => d.xs)), [S * tasks, POINTS, 1]),
    y: tf.tensor3d(concatArrays(data.map((d) => d.ys)), [S * tasks, POINTS, 1]),
    init,
    perSeed: tasks,
  };
}

function makeData(config: SineConfig): SineData {
  return {
    train: evalSet(config, 'train', 1, [1, 1], [Math.PI, Math.PI], [-2, 2]),
    test: evalSet(config, 'test', config.testTasks, [0.2, 5], [-Math.PI, Math.PI], [-5, 5]),
  };
}

function disposeSet(set: EvalSet): void {
  for (const t of [set.x, set.y, ...set.init]) t.dispose();
}

/**
 * Trains every model of an evaluation set from its init with `steps` SGD steps on MSE or on the
 * seeds' learned losses; returns the MSE of each model before each step and after the last:
 * [steps + 1][models].
 */
function evaluate(set: EvalSet, config: SineConfig, loss: 'mse' | Params): number[][] {
  const S = config.seeds;
  const E = set.perSeed;
  const trace: number[][] = [];
  const finalTheta = adapt({
    theta0: set.init,
    steps: config.testSteps,
    lr: config.innerLr,
    loss: (theta) => {
      const yPred = mlp(theta, set.x, SINE_MODEL);
      if (loss === 'mse') return memberMeans(yPred.sub(set.y).square()).sum() as tf.Scalar;
      // One learned loss per seed shared by its E models: [S, E·N, 2] keeps the batched matMuls few and large.
      const features = tf.concat([yPred, set.y], 2).reshape([S, E * POINTS, 2]);
      // Σ over models of their mean loss = Σ over seeds of E · (mean over the seed's E·N points).
      return learnedLossValues(loss, features, SINE_LOSS).mean([1, 2]).sum().mul(E) as tf.Scalar;
    },
    observe: (_k, theta) => {
      const mse = tf.tidy(() => memberMeans(mlp(theta, set.x, SINE_MODEL).sub(set.y).square()));
      trace.push(Array.from(mse.dataSync()));
      mse.dispose();
    },
  });
  for (const t of finalTheta) t.dispose();
  return trace;
}

/** Mean over each seed's models of a per-model vector: [S]. */
function seedMeans(values: number[], perSeed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += perSeed)
    out.push(values.slice(i, i + perSeed).reduce((a, b) => a + b, 0) / perSeed);
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

interface SineState {
  phi: Params;
  adam: Adam;
  /** Per-seed generators of the optimizee's re-initialisation. */
  rngs: RNG[];
  data: SineData;
  /** MSE-trained baselines (independent of φ, computed once). */
  baseline: { train: number[][]; test: number[][] };
}

function freshState(config: SineConfig): SineState {
  const phi = stackParams(
    Array.from({ length: config.seeds }, (_, s) =>
      initLearnedLoss(SINE_LOSS, new RNG(RNG.deriveSeed(config.seed + s, 'sine/phi-init'))),
    ),
  );
  const data = makeData(config);
  return {
    phi,
    adam: new Adam(phi, config.outerLr),
    rngs: Array.from(
      { length: config.seeds },
      (_, s) => new RNG(RNG.deriveSeed(config.seed + s, 'sine/optimizee-init')),
    ),
    data,
    baseline: {
      train: evaluate(data.train, config, 'mse'),
      test: evaluate(data.test, config, 'mse'),
    },
  };
}

/** Per-seed learned losses of a sine run folder. */
function lossFiles(run: RunDir, config: SineConfig): string[] {
  return Array.from({ length: config.seeds }, (_, s) =>
    run.file(`learned-loss-seed${config.seed + s}.json`),
  );
}

/** Options of the sine test. */
export interface SineTestOptions {
  seed: number;
  testTasks: number;
  testSteps: number;
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
    const run = RunDir.open(runPath);
    const saved = run.readConfig();
    if (saved.experiment !== 'sine')
      throw new CorruptFileError(`${runPath} is a run of "${saved.experiment}", not "sine"`);
    const trained = saved.config as unknown as SineConfig;
    return { run: runPath, ...evaluateSineLosses(lossFiles(run, trained), trained, options) };
  },
};

/**
 * The sine test protocol for learned-loss files (one per "seed" of fresh tasks and inits, drawn
 * from `options.seed`): test MSE after SGD on each learned loss vs on MSE.
 */
export function evaluateSineLosses(
  files: readonly string[],
  trained: SineConfig,
  options: SineTestOptions,
): Record<string, unknown> {
  const phi = stackParams(files.map((f) => loadLearnedLoss(f).phi));
  // Fresh tasks and inits: the same number of "seeds" as learned losses, from the test seed.
  const config: SineConfig = {
    ...trained,
    seeds: files.length,
    seed: options.seed,
    testTasks: options.testTasks,
    testSteps: options.testSteps,
  };
  const data = makeData(config);
  const ml3 = seedMeans(evaluate(data.test, config, phi).at(-1)!, config.testTasks);
  const mse = seedMeans(evaluate(data.test, config, 'mse').at(-1)!, config.testTasks);
  disposeSet(data.train);
  disposeSet(data.test);
  for (const t of phi) t.dispose();
  return {
    learnedLosses: files.length,
    testSeed: options.seed,
    testMseMl3: mean(ml3),
    testMseMse: mean(mse),
    perLossTestMseMl3: ml3,
    perLossTestMseMse: mse,
  };
}

/** The sine-regression experiment. */
export const sineExperiment: Experiment<SineConfig, SineState> = {
  name: 'sine',
  description: 'ML3 learned loss for sine regression (paper IV.A.1), all seeds batched',
  schema: SCHEMA,
  defaults: DEFAULTS,
  usesTensorflow: true,
  progressMetric: 'meta/task_loss',
  iterations: (c) => c.iterations,
  checkpointEvery: (c) => c.checkpointEvery,
  init: (config) => freshState(config),
  step(state, iteration, config) {
    const theta0 = stackParams(
      state.rngs.map((rng) => initMlp(SINE_MODEL, rng, { scheme: 'xavier' })),
    );
    const { x: xTrain, y: yTrain } = state.data.train;
    const perSeedLoss: number[] = [];
    const { taskLoss, grads, adapted } = metaGradient({
      phi: state.phi,
      theta0,
      innerSteps: 1,
      innerLr: config.innerLr,
      innerLoss: (theta, phi) =>
        memberMeans(
          learnedLossValues(phi, tf.concat([mlp(theta, xTrain, SINE_MODEL), yTrain], 2), SINE_LOSS),
        ).sum() as tf.Scalar,
      taskLoss: (theta) => {
        const perMember = memberMeans(mlp(theta, xTrain, SINE_MODEL).sub(yTrain).square());
        perSeedLoss.push(...perMember.dataSync());
        return perMember.sum() as tf.Scalar;
      },
    });
    const next = state.adam.step(state.phi, grads);
    for (const t of [...state.phi, ...grads, ...adapted, ...theta0]) t.dispose();
    state.phi = next;
    const metrics: Record<string, number> = { 'meta/task_loss': taskLoss / config.seeds };
    perSeedLoss.forEach((v, s) => {
      metrics[`meta/task_loss_seed${config.seed + s}`] = v;
    });
    const done = iteration + 1;
    const last = done === config.iterations;
    if (done % config.evalEvery === 0 || last) {
      metrics['eval/train_mse_ml3'] = mean(evaluate(state.data.train, config, state.phi).at(-1)!);
      metrics['eval/train_mse_mse'] = mean(state.baseline.train.at(-1)!);
    }
    if (done % config.testEvery === 0 || last) {
      metrics['eval/test_mse_ml3'] = mean(evaluate(state.data.test, config, state.phi).at(-1)!);
      metrics['eval/test_mse_mse'] = mean(state.baseline.test.at(-1)!);
    }
    return metrics;
  },
  save: (state) => ({
    phi: tensorsToJson(state.phi),
    adam: state.adam.getState(),
    rngs: state.rngs.map((r) => r.getState()),
  }),
  load(json, config) {
    const s = json as { phi: unknown; adam: AdamState; rngs: RNGState[] };
    const state = freshState(config);
    try {
      if (!Array.isArray(s.rngs) || s.rngs.length !== config.seeds)
        throw new RangeError(`expected ${config.seeds} RNG states`);
      for (const [i, r] of s.rngs.entries()) state.rngs[i]!.setState(r);
      state.phi = restoreParams(state.phi, state.adam, s);
    } catch (err) {
      throw new CorruptFileError(`corrupt sine checkpoint state: ${(err as Error).message}`);
    }
    return state;
  },
  async summarize(state, config, tools: RunTools) {
    const ml3Trace = evaluate(state.data.test, config, state.phi);
    const ml3 = {
      test: seedMeans(ml3Trace.at(-1)!, config.testTasks),
      train: evaluate(state.data.train, config, state.phi).at(-1)!,
    };
    const mse = {
      test: seedMeans(state.baseline.test.at(-1)!, config.testTasks),
      train: state.baseline.train.at(-1)!,
    };
    // One learned-loss file per seed: the artifact others load without this code.
    const members = unstackParams(state.phi);
    lossFiles(tools.run, config).forEach((path, s) => {
      const training = {
        experiment: 'sine',
        config: config as unknown as Record<string, unknown>,
        seed: config.seed + s,
      };
      saveLearnedLoss(path, SINE_LOSS, members[s]!, training, packageVersion());
    });
    for (const m of members) for (const t of m) t.dispose();
    // Figure 2 of the paper: test MSE vs gradient steps, mean ± std over seeds.
    const curve = ml3Trace.map((row, k) => {
      const a = seedMeans(row, config.testTasks);
      const b = seedMeans(state.baseline.test[k]!, config.testTasks);
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
  },
  dispose(state) {
    state.adam.dispose();
    disposeSet(state.data.train);
    disposeSet(state.data.test);
    for (const t of state.phi) t.dispose();
  },
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
  test: test as unknown as TestCommand,
};
