/**
 * Meta-test of a learned policy loss (model-free ML3): fresh policies on held-out tasks trained
 * with M_φ only, against REINFORCE and PPO on the true reward, at equal env samples, over seeds.
 */
import type * as tf from '@tensorflow/tfjs';
import { RNG } from '../envs/index.js';
import {
  type PgLossBase,
  type PgTask,
  type PgTestCurve,
  type PgTestMethod,
  trainPgPolicies,
} from './policyLoss.js';

/** Settings of {@link comparePgMethods}. */
export interface PgCompareArgs {
  task: PgTask;
  /** The learned loss (φ fixed) and the inner learning rate it was meta-trained with. */
  phi: readonly tf.Tensor[];
  base: PgLossBase;
  innerLr: number;
  /** Held-out tasks per seed, episodes per task per iteration, training iterations. */
  tasks: number;
  episodesPerTask: number;
  iterations: number;
  /** Seeds: each draws its own held-out tasks, initial policies and action noise. */
  seeds: readonly number[];
  /** Adam learning rate of the REINFORCE and PPO baselines. */
  baselineLr: number;
  /** PPO epochs per batch. */
  ppoEpochs: number;
  /** The return whose first crossing is reported as "samples to reach". */
  targetReturn: number;
}

/** Mean ± std over seeds of one method's curve. */
export interface PgMethodCurve {
  method: string;
  envSteps: number[];
  meanReturn: number[];
  stdReturn: number[];
  terminatedFraction: number[];
  /** Per seed: env steps before the first iteration whose mean return ≥ the target (null: never). */
  samplesToTarget: (number | null)[];
  /** Per seed: mean return of the last iteration. */
  finalReturn: number[];
}

/** The methods compared: the learned loss (plain SGD, as in meta-training) and the baselines. */
export function pgTestMethods(args: PgCompareArgs): { name: string; method: PgTestMethod }[] {
  return [
    { name: 'ml3', method: { kind: 'learned', phi: args.phi, base: args.base, lr: args.innerLr } },
    { name: 'reinforce-sgd', method: { kind: 'reinforce', lr: args.innerLr, optimizer: 'sgd' } },
    {
      name: 'reinforce-adam',
      method: { kind: 'reinforce', lr: args.baselineLr, optimizer: 'adam' },
    },
    {
      name: 'ppo',
      method: { kind: 'ppo', lr: args.baselineLr, epochs: args.ppoEpochs, clipCoef: 0.2 },
    },
  ];
}

/** The held-out tasks of a test seed (a stream meta-training never draws from). */
export function heldOutPgTasks(
  task: PgTask,
  count: number,
  seed: number,
): Record<string, unknown>[] {
  const rng = new RNG(RNG.deriveSeed(seed, `pg-ml3/${task.name}/test-tasks`));
  return Array.from({ length: count }, () => task.sampleTask(rng));
}

/**
 * Trains fresh policies with every method on every seed's held-out tasks (same tasks, initial
 * policies and noise stream for all methods of a seed) and aggregates the curves.
 */
export function comparePgMethods(
  args: PgCompareArgs,
  onProgress?: (done: number, total: number) => void,
): PgMethodCurve[] {
  const methods = pgTestMethods(args);
  const total = methods.length * args.seeds.length;
  let done = 0;
  return methods.map(({ name, method }) => {
    const curves: PgTestCurve[] = args.seeds.map((seed) => {
      const curve = trainPgPolicies({
        task: args.task,
        method,
        taskOptions: heldOutPgTasks(args.task, args.tasks, seed),
        episodesPerTask: args.episodesPerTask,
        iterations: args.iterations,
        initRng: new RNG(RNG.deriveSeed(seed, 'pg-ml3/test-init')),
        rng: new RNG(RNG.deriveSeed(seed, 'pg-ml3/test-noise')),
      });
      onProgress?.(++done, total);
      return curve;
    });
    return aggregate(name, curves, args.targetReturn);
  });
}

function aggregate(method: string, curves: PgTestCurve[], target: number): PgMethodCurve {
  const n = curves[0]!.meanReturn.length;
  const at = (i: number, key: 'meanReturn' | 'terminatedFraction' | 'envSteps') =>
    curves.map((c) => c[key][i]!);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: number[]) => {
    const m = mean(xs);
    return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  };
  const range = Array.from({ length: n }, (_, i) => i);
  return {
    method,
    envSteps: range.map((i) => mean(at(i, 'envSteps'))),
    meanReturn: range.map((i) => mean(at(i, 'meanReturn'))),
    stdReturn: range.map((i) => std(at(i, 'meanReturn'))),
    terminatedFraction: range.map((i) => mean(at(i, 'terminatedFraction'))),
    samplesToTarget: curves.map((c) => {
      const i = c.meanReturn.findIndex((r) => r >= target);
      return i < 0 ? null : c.envSteps[i]!;
    }),
    finalReturn: curves.map((c) => c.meanReturn.at(-1)!),
  };
}
