/**
 * Meta-training of the sine experiment (Algorithm 1, the authors' setting): every outer
 * iteration re-initialises the optimizee (Xavier), takes one differentiable SGD step on M_φ on
 * the training task, and updates φ with Adam on the MSE of the adapted model. All seeds train at
 * once (φ batched over seeds, one tfjs Adam step); the meta-gradients themselves are computed in
 * plain JavaScript ({@link SineKernel}: the networks are too small for tfjs's per-op cost).
 * Evaluations on the training task and the held-out tasks run every `evalEvery` / `testEvery`
 * iterations with {@link sineLearningCurves}.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  type AdamState,
  initMlpArrays,
  readBatchedMlps,
  stackParams,
  tensorsToJson,
} from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { RNG, type RNGState } from '../../../envs/index.js';
import { initLearnedLoss, learnedLossMlp } from '../../learnedLoss.js';
import {
  type MetaTrainConfig,
  type MetaTrainer,
  type Metrics,
  restoreParams,
} from '../metaTrainer.js';
import { SineKernel, zeroGrads } from './cpuSine.js';
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
  /** φ, batched over seeds. */
  phi: tf.Tensor[];
  readonly adam: Adam;
  /** Per-seed generators of the optimizee's re-initialisation. */
  readonly rngs: RNG[];
  /** The training task of each seed. */
  readonly train: SineTaskSet;
  /** The held-out tasks of each seed. */
  readonly test: SineTaskSet;
  /** MSE-trained learning curves (independent of φ, computed once). */
  readonly baseline: { train: number[][]; test: number[][] };
  /** The meta-gradient's work buffers, and each seed's training task as plain arrays. */
  private readonly kernel = new SineKernel();
  private readonly trainData: { x: Float32Array; y: Float32Array };

  constructor(readonly config: SineConfig) {
    const seeds = { first: config.seed, count: config.seeds };
    this.phi = stackParams(
      Array.from({ length: config.seeds }, (_, s) =>
        initLearnedLoss(SINE_LOSS, new RNG(RNG.deriveSeed(config.seed + s, 'sine/phi-init'))),
      ),
    );
    this.train = sineTaskSet(seeds, 'train', 1, SINE_TRAIN_TASK);
    this.trainData = {
      x: this.train.x.dataSync() as Float32Array,
      y: this.train.y.dataSync() as Float32Array,
    };
    this.test = sineTaskSet(seeds, 'test', config.testTasks, SINE_TEST_TASKS);
    this.adam = new Adam(this.phi, config.outerLr);
    this.rngs = Array.from(
      { length: config.seeds },
      (_, s) => new RNG(RNG.deriveSeed(config.seed + s, 'sine/optimizee-init')),
    );
    this.baseline = {
      train: sineLearningCurves(this.train, config, 'mse'),
      test: sineLearningCurves(this.test, config, 'mse'),
    };
  }

  /** Rebuilds a run from {@link SineMetaTrainer.toJSON}; throws `RangeError` on malformed input. */
  static fromJSON(json: unknown, config: SineConfig): SineMetaTrainer {
    const s = json as SineTrainerJson;
    const trainer = new SineMetaTrainer(config);
    try {
      if (!Array.isArray(s.rngs) || s.rngs.length !== config.seeds)
        throw new RangeError(`expected ${config.seeds} RNG states`);
      for (const [i, r] of s.rngs.entries()) trainer.rngs[i]!.setState(r);
      trainer.phi = restoreParams(trainer.phi, trainer.adam, s);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** Learning curves of SGD on the current learned losses: [steps + 1][models]. */
  curves(set: 'train' | 'test'): number[][] {
    return sineLearningCurves(this[set], this.config, this.phi);
  }

  step(iteration: number): Metrics {
    const { config } = this;
    // Each seed: a fresh optimizee, one SGD step on M_φ, ∇φ of the adapted model's MSE.
    const phis = readBatchedMlps(this.phi, LOSS_MLP);
    const perSeedGrads = phis.map(() => zeroGrads(LOSS_MLP));
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
        phis[s]!,
        points(this.trainData.x),
        points(this.trainData.y),
        config.innerLr,
        perSeedGrads[s]!,
      );
    });
    const taskLoss = perSeedLoss.reduce((a, b) => a + b, 0);
    const grads = this.phi.map((p, l) => {
      const size = perSeedGrads[0]!.weights[l]!.length;
      const values = new Float32Array(config.seeds * size);
      for (const [s, g] of perSeedGrads.entries()) values.set(g.weights[l]!, s * size);
      return tf.tensor(values, p.shape);
    });
    const next = this.adam.step(this.phi, grads);
    for (const t of [...this.phi, ...grads]) t.dispose();
    this.phi = next;
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
      phi: tensorsToJson(this.phi),
      adam: this.adam.getState(),
      rngs: this.rngs.map((r) => r.getState()),
    };
  }

  dispose(): void {
    this.adam.dispose();
    disposeSineTaskSet(this.train);
    disposeSineTaskSet(this.test);
    for (const t of this.phi) t.dispose();
  }
}
