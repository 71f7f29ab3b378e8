/**
 * Meta-training of ML3 exploration with extra information (paper IV.B) on
 * `rapier/MountainCarContinuous-v0`. The authors' networks, with the optimisation scaled to this
 * car: their car takes 35 steps of 0.1 s; this one needs about 130 steps of 0.02 s to swing up,
 * so the horizon is 150. With their SGD 1e-3 / one inner step / Adam 1e-3, no test start reached
 * the goal with either loss in 150 iterations; with SGD 1e-2, two inner steps (as at test) and
 * Adam 3e-4, the shaped loss brought all 5 test starts to the goal from iteration 15 on.
 *
 * Inner steps learn on real rollouts (states detached); the task loss rolls the adapted policy
 * out through the car's differentiable twin. With extra information the task loss asks the car
 * to visit an intermediate goal on the far side of the valley within the first steps, then
 * measures the distance to the goal (see `carTaskLoss`); without it, the distance to the goal
 * throughout. `extra: 'both'` trains the two side by side (separate learned losses, same
 * policies and starts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  type AdamState,
  mountainCarTwin,
  type Params,
  type SimulatorTwin,
  tensorsToJson,
  tileParams,
} from '../../../agents/index.js';
import { mean } from '../../../envs/core/stats.js';
import { RapierMountainCarContinuousEnv, RNG, type RNGState } from '../../../envs/index.js';
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
import { type CarLossContext, carInitialPolicy } from './lossFile.js';
import { CAR_TEST_STARTS, testCarLoss } from './metaTest.js';
import {
  CAR_LOSS,
  type CarGoals,
  carLearnedLoss,
  carLearnedLossGradient,
  carModelTaskLoss,
  carRolloutPolicy,
} from './task.js';

/** Config of a mountain-car meta-training run. */
export interface MountainCarConfig extends MetaTrainConfig {
  /** Train with extra information, without, or both side by side. */
  extra: ExtraInformation;
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
}

/** The defaults (see the file header for how they differ from the authors'). */
export const MOUNTAIN_CAR_DEFAULTS: Readonly<MountainCarConfig> = Object.freeze({
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
});

/** The goal of the car and the intermediate goal of a config. */
export function carGoals(
  config: Pick<MountainCarConfig, 'extraGoalPosition' | 'extraSteps'>,
  env: RapierMountainCarContinuousEnv,
): CarGoals {
  return {
    goal: [env.params.goalPosition, 0],
    extraGoal: [config.extraGoalPosition, 0],
    extraSteps: config.extraSteps,
  };
}

/** One learned loss being meta-trained (with or without extra information). */
export interface CarVariant {
  extra: boolean;
  phi: tf.Tensor[];
  adam: Adam;
}

interface CarTrainerJson {
  variants: { extra: boolean; phi: unknown; adam: AdamState }[];
  rng: RNGState;
}

/** A mountain-car meta-training run (see the file header). */
export class MountainCarMetaTrainer implements MetaTrainer {
  readonly variants: CarVariant[];
  readonly theta0: Params;
  /** Training start positions. */
  readonly rng: RNG;
  envs: RapierMountainCarContinuousEnv[];
  readonly twin: SimulatorTwin;
  readonly goals: CarGoals;

  constructor(readonly config: MountainCarConfig) {
    this.envs = Array.from(
      { length: Math.max(config.starts, CAR_TEST_STARTS.length) },
      () => new RapierMountainCarContinuousEnv(),
    );
    this.variants = extraVariants(config.extra).map((extra) => {
      const phi = initLearnedLoss(
        CAR_LOSS,
        new RNG(RNG.deriveSeed(config.seed, `mountain-car/phi-${variantLabel(extra)}`)),
      );
      return { extra, phi, adam: new Adam(phi, config.outerLr) };
    });
    this.theta0 = carInitialPolicy(config.seed);
    this.rng = new RNG(RNG.deriveSeed(config.seed, 'mountain-car/starts'));
    this.twin = mountainCarTwin(this.envs[0]!.params);
    this.goals = carGoals(config, this.envs[0]!);
  }

  /** Rebuilds a run from {@link MountainCarMetaTrainer.toJSON}; throws on malformed input. */
  static fromJSON(json: unknown, config: MountainCarConfig): MountainCarMetaTrainer {
    const s = json as CarTrainerJson;
    const trainer = new MountainCarMetaTrainer(config);
    try {
      trainer.rng.setState(s.rng);
      if (!Array.isArray(s.variants) || s.variants.length !== trainer.variants.length)
        throw new RangeError(`expected ${trainer.variants.length} learned losses`);
      trainer.variants.forEach((v, i) => {
        v.phi = restoreParams(v.phi, v.adam, s.variants[i]!);
      });
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  step(iteration: number): Metrics {
    const { config } = this;
    const G = config.starts;
    const H = config.horizon;
    const starts = Array.from({ length: G }, () => this.rng.uniform(-0.6, -0.4));
    const theta0 = tileParams(this.theta0, G);
    const r = carRolloutPolicy(this.envs, theta0, starts, H);
    const states = tf.tensor3d(r.states, [G, H + 1, 2]);
    const start = tf.tensor2d(starts.map((x) => [x, 0]));
    const metrics: Metrics = {};
    for (const v of this.variants) {
      const { taskLoss, grads, adapted } = metaGradient({
        phi: v.phi,
        theta0,
        innerSteps: config.innerSteps,
        innerLr: config.innerLr,
        innerLoss: (theta, phi) =>
          carLearnedLoss(phi, theta, states, this.goals).sum() as tf.Scalar,
        innerGradient: (theta, phi) => carLearnedLossGradient(phi, theta, states, this.goals),
        taskLoss: (theta) =>
          carModelTaskLoss(this.twin, theta, start, H, this.goals, v.extra).div(G) as tf.Scalar,
      });
      const next = v.adam.step(v.phi, grads);
      for (const t of [...v.phi, ...grads, ...adapted]) t.dispose();
      v.phi = next;
      metrics[`meta/task_loss_${variantLabel(v.extra)}`] = taskLoss;
    }
    for (const t of [...theta0, states, start]) t.dispose();
    const done = iteration + 1;
    if (done % config.evalEvery === 0 || done === config.iterations) {
      for (const v of this.variants) {
        const res = testCarLoss({ kind: 'learned', phi: v.phi }, this.theta0, this.envs, {
          steps: config.testSteps,
          innerLr: config.innerLr,
          horizon: H,
          goals: this.goals,
        });
        const label = variantLabel(v.extra);
        metrics[`test/goals_reached_${label}`] = res.episodes.filter((e) => e.reachedGoal).length;
        metrics[`test/max_position_${label}`] = mean(res.episodes.map((e) => e.maxPosition));
      }
    }
    return metrics;
  }

  /** The test context saved in each learned-loss file. */
  lossContext(): CarLossContext {
    const { config } = this;
    return {
      theta0: tensorsToJson(this.theta0),
      horizon: config.horizon,
      innerLr: config.innerLr,
      testSteps: config.testSteps,
      extraGoalPosition: config.extraGoalPosition,
      extraSteps: config.extraSteps,
    };
  }

  toJSON(): CarTrainerJson {
    return {
      variants: this.variants.map((v) => ({
        extra: v.extra,
        phi: tensorsToJson(v.phi),
        adam: v.adam.getState(),
      })),
      rng: this.rng.getState(),
    };
  }

  dispose(): void {
    for (const v of this.variants) {
      v.adam.dispose();
      for (const t of v.phi) t.dispose();
    }
    for (const t of this.theta0) t.dispose();
    for (const env of this.envs) env.close();
    this.envs = [];
  }
}
