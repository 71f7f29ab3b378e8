/**
 * Meta-training of the sine experiment (Algorithm 1, the authors' setting): every outer
 * iteration re-initialises the optimizee (Xavier), takes one differentiable SGD step on M_φ on
 * the training task, and updates φ with Adam on the MSE of the adapted model. All seeds train at
 * once (φ and θ batched over seeds). Evaluations on the training task and the held-out tasks run
 * every `evalEvery` / `testEvery` iterations with {@link sineLearningCurves}.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  type AdamState,
  initMlp,
  type Params,
  stackParams,
  tensorsToJson,
} from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { RNG, type RNGState } from '../../../envs/index.js';
import { initLearnedLoss } from '../../learnedLoss.js';
import { metaGradient } from '../../metaStep.js';
import {
  type MetaTrainConfig,
  type MetaTrainer,
  type Metrics,
  restoreParams,
} from '../metaTrainer.js';
import { sineLearningCurves } from './metaTest.js';
import {
  disposeSineTaskSet,
  SINE_LOSS,
  SINE_MODEL,
  SINE_TEST_TASKS,
  SINE_TRAIN_TASK,
  type SineTaskSet,
  sineLearnedLoss,
  sineMse,
  sineTaskSet,
} from './task.js';

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

  constructor(readonly config: SineConfig) {
    const seeds = { first: config.seed, count: config.seeds };
    this.phi = stackParams(
      Array.from({ length: config.seeds }, (_, s) =>
        initLearnedLoss(SINE_LOSS, new RNG(RNG.deriveSeed(config.seed + s, 'sine/phi-init'))),
      ),
    );
    this.train = sineTaskSet(seeds, 'train', 1, SINE_TRAIN_TASK);
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
    const theta0 = stackParams(
      this.rngs.map((rng) => initMlp(SINE_MODEL, rng, { scheme: 'xavier' })),
    );
    const { x, y } = this.train;
    const perSeedLoss: number[] = [];
    const { taskLoss, grads, adapted } = metaGradient({
      phi: this.phi,
      theta0,
      innerSteps: 1,
      innerLr: config.innerLr,
      innerLoss: (theta, phi) => sineLearnedLoss(phi, theta, x, y).sum() as tf.Scalar,
      taskLoss: (theta) => {
        const perMember = sineMse(theta as Params, x, y);
        perSeedLoss.push(...perMember.dataSync());
        return perMember.sum() as tf.Scalar;
      },
    });
    const next = this.adam.step(this.phi, grads);
    for (const t of [...this.phi, ...grads, ...adapted, ...theta0]) t.dispose();
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
