/**
 * Sampling model-predictive control: the cross-entropy method over action sequences, replanned
 * every step with a warm start (the previous mean shifted by one step). What a sequence is worth
 * is pluggable: rolled out in the real simulator from a snapshot (the env's true reward), or in a
 * learned model with any reward function, hand-written or learned.
 */
import * as tf from '@tensorflow/tfjs';
import { type Box, type Env, InvalidArgument, type RNG } from '../envs/index.js';
import { type CemArgs, CrossEntropyMethod } from './cem.js';
import type { DynamicsEnsemble } from './dynamics.js';

/** Scores a population of action sequences (each `horizon × actionSize`, row-major): higher is better. */
export interface SequenceEvaluator {
  evaluate(sequences: readonly Float64Array[]): number[];
}

/** An env whose full state can be saved and restored bit-exactly (the Rapier envs). */
export interface SnapshotEnv<S = unknown> extends Env {
  snapshot(): S;
  restore(snapshot: S): void;
}

/**
 * Rolls each sequence out in the real simulator from the env's current state and sums the env's
 * own rewards; the env is returned to that state afterwards. Use the unwrapped env (wrappers'
 * counters would advance).
 */
export class SimulatorEvaluator implements SequenceEvaluator {
  constructor(
    private readonly env: SnapshotEnv,
    private readonly actionSize: number,
    private readonly discount = 1,
  ) {
    if (typeof env.snapshot !== 'function' || typeof env.restore !== 'function') {
      throw new InvalidArgument(
        'SimulatorEvaluator needs an env with snapshot() and restore() (e.g. the Rapier envs, unwrapped)',
      );
    }
  }

  evaluate(sequences: readonly Float64Array[]): number[] {
    const start = this.env.snapshot();
    const A = this.actionSize;
    const action = new Float32Array(A);
    const scores = sequences.map((seq) => {
      this.env.restore(start);
      let total = 0;
      let weight = 1;
      for (let t = 0; t * A < seq.length; t++) {
        for (let k = 0; k < A; k++) action[k] = seq[t * A + k]!;
        const [, reward, terminated] = this.env.step(action);
        total += weight * reward;
        weight *= this.discount;
        if (terminated) break;
      }
      return total;
    });
    this.env.restore(start);
    return scores;
  }
}

/** Settings of {@link CemPlanner}. */
export interface PlannerArgs extends CemArgs {
  /** Steps planned ahead. */
  horizon: number;
  /** CEM iterations per decision. */
  iterations: number;
}

/** Defaults that plan the reacher well (measured in the tests). */
export const PLANNER_DEFAULTS: Readonly<PlannerArgs> = Object.freeze({
  horizon: 10,
  iterations: 4,
  populationSize: 64,
  eliteFraction: 0.1,
  initStd: 0.5,
  minStd: 0.05,
  smoothing: 0.9,
});

/** CEM-MPC over a Box action space, with warm starts between decisions. */
export class CemPlanner {
  readonly args: Readonly<PlannerArgs>;
  private readonly space: Box;
  private mean: Float64Array;

  constructor(actionSpace: Box, args: Readonly<PlannerArgs> = PLANNER_DEFAULTS) {
    if (!actionSpace.isBounded())
      throw new InvalidArgument('CemPlanner needs a bounded Box action space');
    this.space = actionSpace;
    this.args = args;
    this.mean = new Float64Array(args.horizon * actionSpace.size);
  }

  /** Forgets the warm start (call at episode start). */
  reset(): void {
    this.mean.fill(0);
  }

  /** The first action of the best sequence found from the current state. */
  act(evaluator: SequenceEvaluator, rng: RNG): Float32Array {
    const A = this.space.size;
    const cem = new CrossEntropyMethod(this.mean.length, this.args, this.mean);
    const clip = (seq: Float64Array) => {
      for (let i = 0; i < seq.length; i++)
        seq[i] = Math.min(Math.max(seq[i]!, this.space.low[i % A]!), this.space.high[i % A]!);
      return seq;
    };
    for (let it = 0; it < this.args.iterations; it++) {
      const population = cem.ask(rng).map(clip);
      cem.tell(population, evaluator.evaluate(population));
    }
    const best = clip(cem.getMean());
    // Warm start: the plan shifted by one step, the last step repeated.
    this.mean = new Float64Array(best.length);
    this.mean.set(best.subarray(A));
    this.mean.set(best.subarray(best.length - A), best.length - A);
    return Float32Array.from(best.subarray(0, A));
  }
}

/** Rewards of a batch of transitions: states [P, S], actions [P, A], next states [P, S] → [P]. */
export type RewardFn = (states: tf.Tensor, actions: tf.Tensor, nextStates: tf.Tensor) => tf.Tensor;

/**
 * Rolls every sequence out at once in a learned dynamics ensemble (its mean prediction) from
 * one start state and sums `reward` along the way: a population of P sequences is one batched
 * [P, S] rollout. The reward may be hand-written or a learned network.
 */
export class ModelEvaluator implements SequenceEvaluator {
  constructor(
    private readonly model: DynamicsEnsemble,
    private readonly reward: RewardFn,
    private readonly start: ArrayLike<number>,
  ) {
    if (start.length !== model.stateSize) {
      throw new InvalidArgument(
        `start state has ${start.length} values, the model's state has ${model.stateSize}`,
      );
    }
  }

  evaluate(sequences: readonly Float64Array[]): number[] {
    const P = sequences.length;
    const A = this.model.actionSize;
    const H = sequences[0]!.length / A;
    return tf.tidy(() => {
      const acts = tf.tensor3d(Float32Array.from(sequences.flatMap((s) => Array.from(s))), [
        P,
        H,
        A,
      ]);
      let state = tf
        .tensor2d(Float32Array.from(this.start), [1, this.model.stateSize])
        .tile([P, 1]);
      let total = tf.zeros([P]);
      for (let t = 0; t < H; t++) {
        const a = acts.slice([0, t, 0], [P, 1, A]).reshape([P, A]);
        const next = this.model.predict(state, a).mean;
        total = total.add(this.reward(state, a, next));
        state = next;
      }
      return Array.from(total.dataSync());
    });
  }
}
