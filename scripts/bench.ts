/**
 * `npm run bench`: measures env throughput and writes `bench/results.json` and
 * `bench/results.md`. Each figure is the median of several timed runs, with min–max; nothing is
 * asserted (benchmarks measure; tests assert).
 */
import { cpus } from 'node:os';
import { type Env, make, makeVec, type VectorEnv } from '../envs/index.js';
import { writeFileAtomic } from './commands/envs.js';

interface Figure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  reference?: string;
}

function stats(name: string, unit: string, values: number[], reference?: string): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    name,
    unit,
    median,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    runs: values.length,
    reference,
  };
}

/** Steps/s of a single env under a constant action, resetting at episode end. */
function singleEnvRate(env: Env, action: unknown, steps: number): number {
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const r = env.step(action);
    if (r[2] || r[3]) env.reset();
  }
  return steps / ((performance.now() - t0) / 1000);
}

/** Env steps/s (sub-env steps, i.e. numEnvs per vector step) of a vector env. */
function vectorEnvRate(envs: VectorEnv, actions: unknown, vectorSteps: number): number {
  envs.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < vectorSteps; i++) envs.step(actions);
  return (vectorSteps * envs.numEnvs) / ((performance.now() - t0) / 1000);
}

function repeat(runs: number, fn: () => number): number[] {
  fn(); // warm-up: JIT and caches
  return Array.from({ length: runs }, fn);
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const figures: Figure[] = [];
const NUMPY_REF = 'gymnax-blines: numpy classic control, 10 envs ≈ 8.5k steps/s';

{
  const id = 'classic/MountainCarContinuous-v0';
  const action = Float32Array.of(0.5);
  const raw = make(id).unwrapped;
  figures.push(
    stats(
      `${id} single env (unwrapped)`,
      'steps/s',
      repeat(RUNS, () => singleEnvRate(raw, action, 200_000)),
      NUMPY_REF,
    ),
  );
  const wrapped = make(id);
  figures.push(
    stats(
      `${id} single env (make: checker, order, time limit)`,
      'steps/s',
      repeat(RUNS, () => singleEnvRate(wrapped, action, 200_000)),
      NUMPY_REF,
    ),
  );
  for (const n of [16, 64]) {
    const envs = makeVec(id, n);
    const actions = new Float32Array(n).fill(0.5);
    figures.push(
      stats(
        `${id} SyncVectorEnv ${n}`,
        'env steps/s',
        repeat(RUNS, () => vectorEnvRate(envs, actions, Math.round(400_000 / n))),
        NUMPY_REF,
      ),
    );
    envs.close();
  }
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString(),
};
const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const table = [
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${RUNS} runs each (median, min–max).`,
  '',
  '| benchmark | median | min–max | unit | reference |',
  '|---|---|---|---|---|',
  ...figures.map(
    (f) =>
      `| ${f.name} | ${fmt(f.median)} | ${fmt(f.min)}–${fmt(f.max)} | ${f.unit} | ${f.reference ?? ''} |`,
  ),
].join('\n');
writeFileAtomic('bench/results.json', `${JSON.stringify({ machine, figures }, null, 2)}\n`);
writeFileAtomic('bench/results.md', `${table}\n`);
console.log(table);
