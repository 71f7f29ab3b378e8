/**
 * `ml3 shaped-sine train|test`: loss shaping with extra information (paper IV.B). The optimizee
 * is y = sin(θ·x) from θ₀ = 0.1 (SGD, lr 1); the learned loss M_φ(x, ŷ, y) is an MLP
 * 3 → 10 → 10 → 10 → 1 (ELU, Xavier weights, biases 0.01). Meta-training samples 4 tasks
 * (frequency ∈ [−5, 5], 64 inputs ∈ [−5, 5]) per iteration and takes 10 inner steps from θ₀,
 * updating φ with Adam (3e-3) after each step on the task loss: with extra information the
 * distance to the true frequency (θ′ − θ*)², without it the regression error (ŷ − y)².
 * Test: one SGD step from θ = 0.1 on the target frequency 0.7.
 *
 * Both variants (with and without extra information) train side by side: φ carries a leading
 * variant dimension. The 4 tasks of an iteration are batched: one Adam step per inner step on
 * their mean task loss (the authors' code steps once per task).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AdamState,
  stackParams,
  tensorsToJson,
  unstackParams,
} from '../../agents/index.js';
import { RNG, type RNGState } from '../../envs/index.js';
import {
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

/** Config of `ml3 shaped-sine train`. */
export interface ShapedSineConfig {
  /** `true` (extra information), `false`, or `both` side by side. */
  extra: string;
  iterations: number;
  /** Tasks per iteration. */
  tasks: number;
  /** Inner steps per task (a meta-update after each). */
  innerSteps: number;
  /** Inputs per task. */
  batch: number;
  /** SGD learning rate of θ. */
  innerLr: number;
  /** Adam learning rate of φ. */
  outerLr: number;
  /** Initial frequency θ₀. */
  theta0: number;
  /** Target frequency of the test. */
  testFrequency: number;
  seed: number;
  /** Iterations between test evaluations (θ after one step on the target). */
  evalEvery: number;
  checkpointEvery: number;
}

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

const DEFAULTS: ShapedSineConfig = {
  extra: 'both',
  iterations: 1500,
  tasks: 4,
  innerSteps: 10,
  batch: 64,
  innerLr: 1,
  outerLr: 3e-3,
  theta0: 0.1,
  testFrequency: 0.7,
  seed: 0,
  evalEvery: 50,
  checkpointEvery: 100,
};

/** The learned loss of the shaped-sine experiment: M_φ(x, ŷ, y). */
export const SHAPED_SINE_LOSS: LearnedLossSpec = {
  inputs: ['x', 'yPred', 'y'],
  inputScale: [1, 1, 1],
  hidden: [10, 10, 10],
  activation: 'elu',
  outputActivation: 'identity',
  bias: true,
};

function variantsOf(config: ShapedSineConfig): boolean[] {
  return config.extra === 'both' ? [true, false] : [config.extra === 'true'];
}

const label = (extra: boolean) => (extra ? 'extra' : 'plain');

/** M_φ(x, sin(θx), y) per variant, averaged over its tasks and inputs: [V]. x, y: [V, T, N]; θ: [V, T]. */
function learnedLossPerVariant(
  phi: readonly tf.Tensor[],
  theta: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
): tf.Tensor {
  const [V, T, N] = x.shape as [number, number, number];
  const yPred = tf.sin(theta.expandDims(2).mul(x));
  const features = tf.stack([x, yPred, y], 3).reshape([V, T * N, 3]);
  return learnedLossValues(phi, features, SHAPED_SINE_LOSS).mean([1, 2]);
}

/** θ after one SGD step on the learned loss from θ₀, on y = sin(f·x), x = −5, −4.9, …, 4.9: [V]. */
export function oneStepTheta(
  phi: readonly tf.Tensor[],
  config: ShapedSineConfig,
  frequency: number,
): number[] {
  return tf.tidy(() => {
    const V = phi[0]!.shape[0]!;
    const xs = Array.from({ length: 100 }, (_, i) => -5 + 0.1 * i);
    const x = tf.tensor(xs, [1, 1, 100]).tile([V, 1, 1]);
    const y = tf.sin(x.mul(frequency));
    const theta = tf.fill([V, 1], config.theta0);
    const g = tf.grad((th: tf.Tensor) => learnedLossPerVariant(phi, th, x, y).sum())(theta);
    return Array.from(theta.sub(g.mul(config.innerLr)).dataSync());
  });
}

interface ShapedSineState {
  phi: tf.Tensor[];
  adam: Adam;
  rng: RNG;
  variants: boolean[];
}

function freshState(config: ShapedSineConfig): ShapedSineState {
  const variants = variantsOf(config);
  const phi = stackParams(
    variants.map((e) =>
      initLearnedLoss(
        SHAPED_SINE_LOSS,
        new RNG(RNG.deriveSeed(config.seed, `shaped-sine/phi-${label(e)}`)),
        { biasInit: 0.01 },
      ),
    ),
  );
  return {
    phi,
    adam: new Adam(phi, config.outerLr),
    rng: new RNG(RNG.deriveSeed(config.seed, 'shaped-sine/tasks')),
    variants,
  };
}

function lossFile(run: RunDir, extra: boolean): string {
  return run.file(`learned-loss-${label(extra)}.json`);
}

/** The loss landscape over θ ∈ [−7, 7) on y = sin(0.5x): each learned loss and ½·MSE, min–max normalised. */
function landscape(phi: readonly tf.Tensor[], variants: boolean[]): Record<string, number>[] {
  const thetas = Array.from({ length: 140 }, (_, i) => -7 + 0.1 * i);
  const values = tf.tidy(() => {
    const V = variants.length;
    const xs = Array.from({ length: 100 }, (_, i) => -5 + 0.1 * i);
    const x = tf.tensor(xs, [1, 1, 100]).tile([V, thetas.length, 1]);
    const y = tf.sin(x.mul(0.5));
    const theta = tf.tensor(thetas, [1, thetas.length]).tile([V, 1]);
    // Per θ: mean over x of M_φ (the network takes each (x, ŷ, y) sample).
    const [Vn, T, N] = x.shape as [number, number, number];
    const yPred = tf.sin(theta.expandDims(2).mul(x));
    const per = learnedLossValues(
      phi,
      tf.stack([x, yPred, y], 3).reshape([Vn, T * N, 3]),
      SHAPED_SINE_LOSS,
    )
      .reshape([Vn, T, N])
      .mean(2);
    const mse = yPred.sub(y).square().mul(0.5).mean(2).slice([0, 0], [1, T]);
    return { learned: per.arraySync() as number[][], mse: (mse.arraySync() as number[][])[0]! };
  });
  const norm = (xs: number[]) => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return xs.map((v) => (v - lo) / (hi - lo || 1));
  };
  const curves = variants.map((e, v) => [e, norm(values.learned[v]!)] as const);
  const mse = norm(values.mse);
  return thetas.map((theta, i) => {
    const row: Record<string, number> = { theta, mse: mse[i]! };
    for (const [e, c] of curves) row[label(e)] = c[i]!;
    return row;
  });
}

const test: TestCommand<{ frequency: number }> = {
  description:
    "load a shaped-sine run's learned losses and take one SGD step from theta = 0.1 toward a target frequency",
  schema: { frequency: { type: 'number', doc: 'target frequency' } },
  defaults: { frequency: 0.7 },
  async run(runPath, options) {
    const run = RunDir.open(runPath);
    const saved = run.readConfig();
    if (saved.experiment !== 'shaped-sine')
      throw new CorruptFileError(`${runPath} is a run of "${saved.experiment}", not "shaped-sine"`);
    const config = saved.config as unknown as ShapedSineConfig;
    const variants = variantsOf(config);
    const phi = stackParams(variants.map((e) => loadLearnedLoss(lossFile(run, e)).phi));
    const thetas = oneStepTheta(phi, config, options.frequency);
    for (const t of phi) t.dispose();
    return Object.fromEntries([
      ['target', options.frequency],
      ...variants.map((e, v) => [`thetaAfterOneStep_${label(e)}`, thetas[v]!]),
    ]);
  },
};

/** The shaped-sine experiment. */
export const shapedSineExperiment: Experiment<ShapedSineConfig, ShapedSineState> = {
  name: 'shaped-sine',
  description: 'ML3 loss shaping with extra information on y = sin(theta x) (paper IV.B)',
  schema: SCHEMA,
  defaults: DEFAULTS,
  usesTensorflow: true,
  progressMetric: 'test/theta_extra',
  iterations: (c) => c.iterations,
  checkpointEvery: (c) => c.checkpointEvery,
  init: (config) => freshState(config),
  step(state, iteration, config) {
    const V = state.variants.length;
    const { tasks: T, batch: N } = config;
    // Tasks of this iteration (shared by the variants): frequencies and inputs.
    const freqs = Array.from({ length: T }, () => state.rng.uniform(-5, 5));
    const xs = new Float32Array(T * N);
    for (let i = 0; i < xs.length; i++) xs[i] = state.rng.uniform(-5, 5);
    const x = tf.tensor3d(xs, [1, T, N]).tile([V, 1, 1]) as tf.Tensor3D;
    const target = tf.tensor(freqs, [1, T]).tile([V, 1]);
    const y = tf.sin(target.expandDims(2).mul(x));
    const extraMask = tf.tensor(
      state.variants.map((e) => (e ? 1 : 0)),
      [V],
    );
    let theta = tf.fill([V, T], config.theta0);
    const last: number[] = [];
    for (let k = 0; k < config.innerSteps; k++) {
      const { grads, adapted } = metaGradient({
        phi: state.phi,
        theta0: [theta],
        innerSteps: 1,
        innerLr: config.innerLr,
        innerLoss: ([th], phi) => learnedLossPerVariant(phi, th!, x, y).mul(T).sum() as tf.Scalar,
        taskLoss: ([th]) => {
          // Extra information: distance of θ′ to the true frequency; otherwise the regression error.
          const shaped = th!.sub(target).square().mean(1);
          const plain = tf.sin(th!.expandDims(2).mul(x)).sub(y).square().mean([1, 2]);
          const perVariant = shaped.mul(extraMask).add(plain.mul(tf.scalar(1).sub(extraMask)));
          if (k === config.innerSteps - 1) last.push(...perVariant.dataSync());
          return perVariant.sum() as tf.Scalar;
        },
      });
      const next = state.adam.step(state.phi, grads);
      for (const t of [...state.phi, ...grads, theta]) t.dispose();
      state.phi = next;
      theta = adapted[0]!;
    }
    for (const t of [theta, x, target, y, extraMask]) t.dispose();
    const metrics: Record<string, number> = {};
    state.variants.forEach((e, v) => {
      metrics[`meta/task_loss_${label(e)}`] = last[v]!;
    });
    const done = iteration + 1;
    if (done % config.evalEvery === 0 || done === config.iterations) {
      oneStepTheta(state.phi, config, config.testFrequency).forEach((t, v) => {
        metrics[`test/theta_${label(state.variants[v]!)}`] = t;
      });
    }
    return metrics;
  },
  save: (state) => ({
    phi: tensorsToJson(state.phi),
    adam: state.adam.getState(),
    rng: state.rng.getState(),
  }),
  load(json, config) {
    const s = json as { phi: unknown; adam: AdamState; rng: RNGState };
    const state = freshState(config);
    try {
      state.rng.setState(s.rng);
      state.phi = restoreParams(state.phi, state.adam, s);
    } catch (err) {
      throw new CorruptFileError(`corrupt shaped-sine checkpoint state: ${(err as Error).message}`);
    }
    return state;
  },
  async summarize(state, config, tools: RunTools) {
    const thetas = oneStepTheta(state.phi, config, config.testFrequency);
    const members = unstackParams(state.phi);
    state.variants.forEach((e, v) => {
      const training = {
        experiment: 'shaped-sine',
        config: { ...config, extra: String(e) } as unknown as Record<string, unknown>,
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
    const rows = landscape(state.phi, state.variants);
    await writePlots(tools.run.file('plots'), rows, [
      {
        file: 'loss_landscape',
        title: 'Loss over θ on y = sin(0.5x) (each curve min–max normalised)',
        x: 'theta',
        xTitle: 'θ',
        yTitle: 'normalised loss',
        series: [
          ...state.variants.map((e) => ({
            field: label(e),
            label: e ? 'learned, with extra information' : 'learned, without extra information',
          })),
          { field: 'mse', label: '½·MSE' },
        ],
      },
    ]);
    const result: Record<string, unknown> = { target: config.testFrequency, theta0: config.theta0 };
    state.variants.forEach((e, v) => {
      result[`thetaAfterOneStep_${label(e)}`] = thetas[v];
      tools.log(
        `${e ? 'with' : 'without'} extra information: θ after one step ${thetas[v]!.toFixed(3)} (target ${config.testFrequency})`,
      );
    });
    return {
      ...result,
      learnedLossFiles: state.variants.map((e) => lossFile(tools.run, e)),
      landscape: rows,
    };
  },
  dispose(state) {
    state.adam.dispose();
    for (const t of state.phi) t.dispose();
  },
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
  test: test as unknown as TestCommand,
};
