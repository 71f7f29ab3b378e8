/**
 * Meta-training of the sine experiment (Algorithm 1, the authors' setting): every outer
 * iteration re-initialises the optimizee (Xavier), takes one differentiable SGD step on M_φ on
 * the training task, and updates φ with Adam on the MSE of the adapted model. All seeds train at
 * once, in plain JavaScript ({@link SineKernel}; the networks are too small for tfjs's per-op
 * cost): φ of every seed lives in one flat array, in the layout of the stacked tensors ([S, in,
 * out] per layer) that checkpoints and learned-loss files use, stepped by one flat Adam.
 * Evaluations on the training task and the held-out tasks run every `evalEvery` / `testEvery`
 * iterations with {@link sineLearningCurves}.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type AdamState,
  type CpuMlp,
  FlatClippedAdam,
  initMlpArrays,
  type MlpGrads,
  stackParams,
  tensorsFromJson,
} from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { RNG, type RNGState } from '../../../envs/index.js';
import { initLearnedLoss, learnedLossMlp } from '../../learnedLoss.js';
import type { MetaTrainConfig, MetaTrainer, Metrics } from '../metaTrainer.js';
import { SineKernel } from './cpuSine.js';
import { sineLearningCurves } from './metaTest.js';
import {
  disposeSineTaskSet,
  SINE_LOSS,
  SINE_MODEL,
  SINE_POINTS,
  SINE_TEST_TASKS,
  SINE_TRAIN_TASK,
  type SineTaskSet,
  sineTaskSet,
} from './task.js';

const LOSS_MLP = learnedLossMlp(SINE_LOSS);

/** Config of a sine meta-training run. */
export interface SineConfig extends MetaTrainConfig {
  /** Seeds trained side by side: seed, seed + 1, … */
  seeds: number;
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
}

/** The authors' settings (500 iterations; 5 seeds side by side). */
export const SINE_DEFAULTS: Readonly<SineConfig> = Object.freeze({
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
});

/** The JSON state of a {@link SineMetaTrainer}. */
interface SineTrainerJson {
  phi: unknown;
  adam: AdamState;
  rngs: RNGState[];
}

/** A sine meta-training run (see the file header). */
export class SineMetaTrainer implements MetaTrainer {
  /** φ of every seed, flat: per layer a [seeds, in, out] block. */
  readonly phiValues: Float32Array;
  /** The shapes of φ's stacked tensors ([seeds, in, out] per layer). */
  readonly phiShapes: number[][];
  /** Each seed's learned loss: views into {@link SineMetaTrainer.phiValues}. */
  readonly losses: CpuMlp[];
  readonly adam: FlatClippedAdam;
  /** Per-seed generators of the optimizee's re-initialisation. */
  readonly rngs: RNG[];
  /** The training task of each seed. */
  readonly train: SineTaskSet;
  /** The held-out tasks of each seed. */
  readonly test: SineTaskSet;
  /** MSE-trained learning curves (independent of φ, computed once). */
  readonly baseline: { train: number[][]; test: number[][] };
  /** The meta-gradient's work buffers, each seed's training task as plain arrays, ∇φ (flat). */
  private readonly kernel = new SineKernel();
  private readonly trainData: { x: Float32Array; y: Float32Array };
  private readonly gradValues: Float64Array;
  private readonly seedGrads: MlpGrads[];

  constructor(readonly config: SineConfig) {
    const seeds = { first: config.seed, count: config.seeds };
    const phi = stackParams(
      Array.from({ length: config.seeds }, (_, s) =>
        initLearnedLoss(SINE_LOSS, new RNG(RNG.deriveSeed(config.seed + s, 'sine/phi-init'))),
      ),
    );
    this.phiShapes = phi.map((p) => [...p.shape]);
    this.phiValues = new Float32Array(phi.reduce((n, p) => n + p.size, 0));
    this.gradValues = new Float64Array(this.phiValues.length);
    for (const [l, layer] of this.phiLayers().entries()) layer.set(phi[l]!.dataSync());
    for (const p of phi) p.dispose();
    this.losses = this.seedViews(this.phiValues);
    this.seedGrads = this.seedViews(this.gradValues).map((net) => ({
      weights: net.weights,
      biases: net.biases,
    }));
    // No clipping: the authors step φ with plain Adam.
    this.adam = new FlatClippedAdam(this.phiValues, this.phiShapes, config.outerLr, Infinity);
    this.train = sineTaskSet(seeds, 'train', 1, SINE_TRAIN_TASK);
    this.trainData = {
      x: this.train.x.dataSync() as Float32Array,
      y: this.train.y.dataSync() as Float32Array,
    };
    this.test = sineTaskSet(seeds, 'test', config.testTasks, SINE_TEST_TASKS);
    this.rngs = Array.from(
      { length: config.seeds },
      (_, s) => new RNG(RNG.deriveSeed(config.seed + s, 'sine/optimizee-init')),
    );
    this.baseline = {
      train: sineLearningCurves(this.train, config, 'mse'),
      test: sineLearningCurves(this.test, config, 'mse'),
    };
  }

  /** Each seed's network as views into a flat array laid out like {@link phiValues}. */
  private seedViews<A extends Float32Array | Float64Array>(flat: A): CpuMlp<A>[] {
    return Array.from({ length: this.config.seeds }, (_, s) => {
      let offset = 0;
      const weights = this.phiShapes.map(([S, fanIn, fanOut]) => {
        const size = fanIn! * fanOut!;
        const view = flat.subarray(offset + s * size, offset + (s + 1) * size) as A;
        offset += S! * size;
        return view;
      });
      return { spec: LOSS_MLP, weights, biases: weights.map(() => undefined) };
    });
  }

  /** φ's stacked tensors' values: one view into {@link phiValues} per layer. */
  private phiLayers(): Float32Array[] {
    let offset = 0;
    return this.phiShapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      offset += size;
      return this.phiValues.subarray(offset - size, offset);
    });
  }

  /** φ as stacked tensors ([seeds, in, out] per layer): new tensors, the caller disposes them. */
  phiTensors(): tf.Tensor[] {
    return this.phiLayers().map((values, l) => tf.tensor(values.slice(), this.phiShapes[l]));
  }

  /** Rebuilds a run from {@link SineMetaTrainer.toJSON}; throws `RangeError` on malformed input. */
  static fromJSON(json: unknown, config: SineConfig): SineMetaTrainer {
    const s = json as SineTrainerJson;
    const trainer = new SineMetaTrainer(config);
    try {
      if (!Array.isArray(s.rngs) || s.rngs.length !== config.seeds)
        throw new RangeError(`expected ${config.seeds} RNG states`);
      const phi = tensorsFromJson(s.phi, trainer.phiShapes);
      const values = phi.map((t) => t.dataSync());
      for (const t of phi) t.dispose();
      trainer.adam.setState(s.adam);
      for (const [i, r] of s.rngs.entries()) trainer.rngs[i]!.setState(r);
      for (const [l, layer] of trainer.phiLayers().entries()) layer.set(values[l]!);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** Learning curves of SGD on the current learned losses: [steps + 1][models]. */
  curves(set: 'train' | 'test'): number[][] {
    return sineLearningCurves(this[set], this.config, this.losses);
  }

  step(iteration: number): Metrics {
    const { config } = this;
    // Each seed: a fresh optimizee, one SGD step on M_φ, ∇φ of the adapted model's MSE.
    this.gradValues.fill(0);
    const perSeedLoss = this.rngs.map((rng, s) => {
      const layers = initMlpArrays(SINE_MODEL, rng, { scheme: 'xavier' });
      const theta0 = {
        spec: SINE_MODEL,
        weights: layers.map((l) => l.w),
        biases: layers.map((l) => l.b),
      };
      const points = (a: Float32Array) => a.subarray(s * SINE_POINTS, (s + 1) * SINE_POINTS);
      return this.kernel.metaGradient(
        theta0,
        this.losses[s]!,
        points(this.trainData.x),
        points(this.trainData.y),
        config.innerLr,
        this.seedGrads[s]!,
      );
    });
    const taskLoss = perSeedLoss.reduce((a, b) => a + b, 0);
    this.adam.step(this.gradValues);
    const metrics: Metrics = { 'meta/task_loss': taskLoss / config.seeds };
    perSeedLoss.forEach((v, s) => {
      metrics[`meta/task_loss_seed${config.seed + s}`] = v;
    });
    const done = iteration + 1;
    const last = done === config.iterations;
    if (done % config.evalEvery === 0 || last) {
      metrics['eval/train_mse_ml3'] = mean(this.curves('train').at(-1)!);
      metrics['eval/train_mse_mse'] = mean(this.baseline.train.at(-1)!);
    }
    if (done % config.testEvery === 0 || last) {
      metrics['eval/test_mse_ml3'] = mean(this.curves('test').at(-1)!);
      metrics['eval/test_mse_mse'] = mean(this.baseline.test.at(-1)!);
    }
    return metrics;
  }

  toJSON(): SineTrainerJson {
    return {
      phi: this.phiLayers().map((values, l) => ({
        shape: [...this.phiShapes[l]!],
        values: Array.from(values),
      })),
      adam: this.adam.getState(),
      rngs: this.rngs.map((r) => r.getState()),
    };
  }

  dispose(): void {
    disposeSineTaskSet(this.train);
    disposeSineTaskSet(this.test);
  }
}
