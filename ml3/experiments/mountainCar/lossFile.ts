/**
 * A mountain-car learned-loss file's test context: the policy's initial parameters, the training
 * horizon, the test's SGD settings and the intermediate goal, so that `ml3 eval` judges the file
 * without its run folder.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { initMlp, type Params, tensorsFromJson } from '../../../agents/index.js';
import { RNG } from '../../../envs/index.js';
import { LearnedLossFileError, loadLearnedLoss } from '../../lossFile.js';
import { CAR_POLICY } from './task.js';

/** What the test needs besides φ, stored in the learned-loss file. */
export interface CarLossContext {
  theta0: unknown;
  horizon: number;
  innerLr: number;
  testSteps: number;
  extraGoalPosition: number;
  extraSteps: number;
}

/** The policy's initial parameters θ₀ of a run (seeded). */
export function carInitialPolicy(seed: number): Params {
  return initMlp(CAR_POLICY.net, new RNG(RNG.deriveSeed(seed, 'mountain-car/theta0')), {
    scheme: 'torch',
  });
}

/** A loaded mountain-car learned loss; `dispose()` frees φ and θ₀. */
export interface CarLossFile {
  phi: tf.Tensor[];
  theta0: Params;
  context: CarLossContext;
  /** Whether it was trained with extra information. */
  extra: boolean;
  dispose(): void;
}

const NUMBER_KEYS = ['horizon', 'innerLr', 'testSteps', 'extraGoalPosition', 'extraSteps'] as const;

/** Loads a mountain-car learned-loss file; throws `LearnedLossFileError` on a file of another kind. */
export function loadCarLossFile(path: string): CarLossFile {
  const { phi, document } = loadLearnedLoss(path);
  const c = document.context as Partial<CarLossContext> | undefined;
  try {
    if (document.training?.experiment !== 'mountain-car' || !c) {
      throw new LearnedLossFileError(
        `${path} is not a learned loss of the mountain-car experiment`,
      );
    }
    const shapes = carInitialPolicy(0);
    let theta0: Params;
    try {
      theta0 = tensorsFromJson(
        c.theta0,
        shapes.map((p) => p.shape),
      );
      for (const key of NUMBER_KEYS) {
        if (typeof c[key] !== 'number' || !Number.isFinite(c[key])) {
          for (const t of theta0) t.dispose();
          throw new RangeError(`context.${key} must be a number`);
        }
      }
    } catch (err) {
      throw new LearnedLossFileError(
        `corrupt mountain-car learned loss ${path}: ${(err as Error).message}`,
      );
    } finally {
      for (const t of shapes) t.dispose();
    }
    return {
      phi,
      theta0,
      context: c as CarLossContext,
      extra: String(document.training.config.extra) === 'true',
      dispose() {
        for (const t of [...phi, ...theta0]) t.dispose();
      },
    };
  } catch (err) {
    for (const t of phi) t.dispose();
    throw err;
  }
}
