/**
 * Meta-training of the shaped-sine experiment (paper IV.B): θ₀ = 0.1, SGD lr 1; each iteration
 * samples 4 tasks (frequency ∈ [−5, 5], 64 inputs ∈ [−5, 5]) and takes 10 inner steps from θ₀,
 * updating φ with Adam (3e-3) after each step on the task loss of the step's result.
 *
 * The variants train side by side (φ batched over them, same tasks). The tasks of an iteration
 * are batched too: one Adam step per inner step on their mean task loss (the authors' code steps
 * once per task).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, type AdamState, stackParams, tensorsToJson } from '../../../agents/index.js';
import { RNG, type RNGState } from '../../../envs/index.js';
import { initLearnedLoss } from '../../learnedLoss.js';
import { metaGradient } from '../../metaStep.js';
import {
  type ExtraInformation,
  extraVariants,
  type MetaTrainConfig,
  type MetaTrainer,
  type Metrics,
  restoreParams,
  variantLabel,
} from '../metaTrainer.js';
import { oneStepTheta } from './metaTest.js';
import { SHAPED_SINE_LOSS, shapedSineLearnedLoss, shapedSineTaskLoss } from './task.js';

/** Config of a shaped-sine meta-training run. */
export interface ShapedSineConfig extends MetaTrainConfig {
  /** Train with extra information, without, or both side by side. */
  extra: ExtraInformation;
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
  /** Iterations between test evaluations (θ after one step on the target). */
  evalEvery: number;
}

/** The authors' settings (1500 iterations × 4 tasks × 10 inner steps). */
export const SHAPED_SINE_DEFAULTS: Readonly<ShapedSineConfig> = Object.freeze({
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
});

interface ShapedSineTrainerJson {
  phi: unknown;
  adam: AdamState;
  rng: RNGState;
}

/** A shaped-sine meta-training run (see the file header). */
export class ShapedSineMetaTrainer implements MetaTrainer {
  /** φ, batched over the variants. */
  phi: tf.Tensor[];
  readonly adam: Adam;
  /** Tasks (frequencies and inputs). */
  readonly rng: RNG;
  /** With extra information (true) or without, in φ's batch order. */
  readonly variants: boolean[];

  constructor(readonly config: ShapedSineConfig) {
    this.variants = extraVariants(config.extra);
    this.phi = stackParams(
      this.variants.map((e) =>
        initLearnedLoss(
          SHAPED_SINE_LOSS,
          new RNG(RNG.deriveSeed(config.seed, `shaped-sine/phi-${variantLabel(e)}`)),
          { biasInit: 0.01 },
        ),
      ),
    );
    this.adam = new Adam(this.phi, config.outerLr);
    this.rng = new RNG(RNG.deriveSeed(config.seed, 'shaped-sine/tasks'));
  }

  /** Rebuilds a run from {@link ShapedSineMetaTrainer.toJSON}; throws on malformed input. */
  static fromJSON(json: unknown, config: ShapedSineConfig): ShapedSineMetaTrainer {
    const s = json as ShapedSineTrainerJson;
    const trainer = new ShapedSineMetaTrainer(config);
    try {
      trainer.rng.setState(s.rng);
      trainer.phi = restoreParams(trainer.phi, trainer.adam, s);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** θ after one test step toward `frequency` with each variant's learned loss: [V]. */
  testTheta(frequency = this.config.testFrequency): number[] {
    return oneStepTheta(this.phi, this.config, frequency);
  }

  step(iteration: number): Metrics {
    const { config } = this;
    const V = this.variants.length;
    const { tasks: T, batch: N } = config;
    // Tasks of this iteration (shared by the variants): frequencies and inputs.
    const freqs = Array.from({ length: T }, () => this.rng.uniform(-5, 5));
    const xs = new Float32Array(T * N);
    for (let i = 0; i < xs.length; i++) xs[i] = this.rng.uniform(-5, 5);
    const x = tf.tensor3d(xs, [1, T, N]).tile([V, 1, 1]) as tf.Tensor3D;
    const target = tf.tensor(freqs, [1, T]).tile([V, 1]);
    const y = tf.sin(target.expandDims(2).mul(x));
    const extraMask = tf.tensor(
      this.variants.map((e) => (e ? 1 : 0)),
      [V],
    );
    let theta = tf.fill([V, T], config.theta0);
    const last: number[] = [];
    for (let k = 0; k < config.innerSteps; k++) {
      const { grads, adapted } = metaGradient({
        phi: this.phi,
        theta0: [theta],
        innerSteps: 1,
        innerLr: config.innerLr,
        innerLoss: ([th], phi) => shapedSineLearnedLoss(phi, th!, x, y).mul(T).sum() as tf.Scalar,
        taskLoss: ([th]) => {
          const perVariant = shapedSineTaskLoss(th!, target, x, y, extraMask);
          if (k === config.innerSteps - 1) last.push(...perVariant.dataSync());
          return perVariant.sum() as tf.Scalar;
        },
      });
      const next = this.adam.step(this.phi, grads);
      for (const t of [...this.phi, ...grads, theta]) t.dispose();
      this.phi = next;
      theta = adapted[0]!;
    }
    for (const t of [theta, x, target, y, extraMask]) t.dispose();
    const metrics: Metrics = {};
    this.variants.forEach((e, v) => {
      metrics[`meta/task_loss_${variantLabel(e)}`] = last[v]!;
    });
    const done = iteration + 1;
    if (done % config.evalEvery === 0 || done === config.iterations) {
      this.testTheta().forEach((t, v) => {
        metrics[`test/theta_${variantLabel(this.variants[v]!)}`] = t;
      });
    }
    return metrics;
  }

  toJSON(): ShapedSineTrainerJson {
    return { phi: tensorsToJson(this.phi), adam: this.adam.getState(), rng: this.rng.getState() };
  }

  dispose(): void {
    this.adam.dispose();
    for (const t of this.phi) t.dispose();
  }
}
