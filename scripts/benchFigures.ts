/**
 * Measuring helpers of `npm run bench`: a figure (median, min–max of several timed runs), call
 * rates, env and vector-env step rates, an experiment's milliseconds per iteration, PPO's
 * per-update timings. They measure; nothing here
 * asserts a timing.
 */
import { PG_DEFAULTS, trainPolicyGradient } from '../agents/index.js';
import { type GemmPath, setGemmPath } from '../agents/nn/cpuGemm.js';
import { median } from '../envs/core/stats.js';
import type { Env, VectorEnv } from '../envs/index.js';
import type { Experiment } from './run/experiment.js';

/** One benchmark row. */
export interface Figure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  reference?: string;
}

/** A figure from timed values. */
export function figure(name: string, unit: string, values: number[], reference?: string): Figure {
  return {
    name,
    unit,
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    runs: values.length,
    reference,
  };
}

/** Calls per second of `fn` over `n` calls. */
export function rate(n: number, fn: (i: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return n / ((performance.now() - t0) / 1000);
}

/** Steps/s of a single env under a constant action, resetting at episode end. */
export function singleEnvRate(env: Env, action: unknown, steps: number): number {
  env.reset({ seed: 0 });
  return rate(steps, () => {
    const r = env.step(action);
    if (r[2] || r[3]) env.reset();
  });
}

/** Env steps/s (numEnvs sub-env steps per vector step) of a vector env. */
export function vectorEnvRate(envs: VectorEnv, actions: unknown, vectorSteps: number): number {
  envs.reset({ seed: 0 });
  return envs.numEnvs * rate(vectorSteps, () => envs.step(actions));
}

/** Timed runs per figure (`BENCH_RUNS`, default 5). */
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** `RUNS` values of `fn` after one warm-up call. */
export function repeat(fn: () => number): number[] {
  fn(); // warm-up: JIT and caches
  return Array.from({ length: RUNS }, fn);
}

/**
 * PPO with CleanRL's defaults on `rapier/Reacher-v1` for `updates` timed updates (after one
 * warm-up) on the given kernels (WebAssembly, or their JavaScript twins): each update's env
 * steps/s and the split of its time.
 */
export function ppoTimings(path: GemmPath, updates: number) {
  setGemmPath(path);
  const sps: number[] = [];
  const split = { env: [] as number[], inference: [] as number[], update: [] as number[] };
  let last = 0;
  trainPolicyGradient(
    'rapier/Reacher-v1',
    { ...PG_DEFAULTS, totalTimesteps: (updates + 1) * PG_DEFAULTS.numSteps },
    0,
    (update, m) => {
      const now = performance.now();
      const wall = now - last;
      last = now;
      if (update === 1) return; // warm-up (JIT, first allocations)
      // Each update's own rate, wall clock from the previous update's end: the rate a long run
      // settles at (charts/SPS averages over the run so far, warm-up included).
      sps.push((PG_DEFAULTS.numSteps * 1000) / wall);
      split.env.push(m['perf/env_ms']!);
      split.inference.push(m['perf/inference_ms']!);
      split.update.push(m['perf/update_ms']!);
    },
  );
  return { sps, split };
}

/** Milliseconds per iteration of an experiment's training, after two warm-up iterations. */
export async function msPerIteration<C extends object, S>(
  exp: Experiment<C, S>,
  config: C,
  iterations: number,
): Promise<number[]> {
  const state = await exp.init(config, { run: undefined as never, log: () => {} });
  // Two warm-up iterations (JIT, kernel compilation), then the timed ones.
  for (let i = 0; i < 2; i++) await exp.step(state, i, config);
  const times: number[] = [];
  for (let i = 2; i < 2 + iterations; i++) {
    const t0 = performance.now();
    await exp.step(state, i, config);
    times.push(performance.now() - t0);
  }
  exp.dispose?.(state);
  return times;
}
