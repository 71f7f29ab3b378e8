/**
 * `npm run bench`: measures env throughput and writes `bench/results.json` and
 * `bench/results.md`. Each figure is the median of several timed runs, with min–max; nothing is
 * asserted (benchmarks measure; tests assert). `BENCH_RUNS` sets the number of runs (default 5);
 * `--full` adds the whole ML3 runs with their full configs (one run each, ~15 minutes).
 *
 * Length (~450 lines): a flat list of independent measurements, one block each; the timing
 * helpers are in `benchFigures.ts`.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CemPlanner,
  MPPI_DEFAULTS,
  MppiPlanner,
  PLANNER_DEFAULTS,
  type Planner,
  type SequenceEvaluator,
  SimulatorEvaluator,
  selectBackend,
} from '../agents/index.js';
import { median } from '../envs/core/stats.js';
import {
  AsyncVectorEnv,
  MOUNTAIN_CAR_PHYSICS_DEFAULTS,
  MountainCarSim,
  make,
  makeVec,
  REACHER_DEFAULTS,
  ReacherEnv,
  ReacherSim,
  RNG,
} from '../envs/index.js';
import { initLearnedLoss, learnedRewardEvaluator, REACHER_LOSS } from '../ml3/index.js';
import {
  type Figure,
  figure,
  msPerIteration,
  ppoTimings,
  RUNS,
  rate,
  repeat,
  singleEnvRate,
  vectorEnvRate,
} from './benchFigures.js';
import { mountainCarExperiment } from './experiments/mountainCar.js';
import { pgMl3Experiment } from './experiments/pgMl3.js';
import { reacherExperiment } from './experiments/reacher.js';
import { shapedSineExperiment } from './experiments/shapedSine.js';
import { sineExperiment } from './experiments/sine.js';
import type { Experiment } from './run/experiment.js';
import { writeFileAtomic } from './run/files.js';
import { trainRuns } from './run/multiRun.js';
import { trainExperiment } from './run/train.js';

const NUMPY_REF = 'numpy classic control, 10 envs ≈ 8.5k steps/s (gymnax-blines)';
const MUJOCO_REF = 'EnvPool: MuJoCo Ant, 12-core laptop, 12.9k frames/s plain loop';
const figures: Figure[] = [];

/** Single env, through make, and SyncVectorEnv 16/64 of one id. */
function envFigures(
  id: string,
  singleAction: Float32Array,
  steps: number,
  reference: string,
): void {
  const raw = make(id).unwrapped;
  figures.push(
    figure(
      `${id}: single env (unwrapped)`,
      'steps/s',
      repeat(() => singleEnvRate(raw, singleAction, steps)),
      reference,
    ),
  );
  const wrapped = make(id);
  figures.push(
    figure(
      `${id}: single env via make (checker, order, time limit)`,
      'steps/s',
      repeat(() => singleEnvRate(wrapped, singleAction, steps)),
      reference,
    ),
  );
  for (const n of [16, 64]) {
    const envs = makeVec(id, n);
    const actions = new Float32Array(n * singleAction.length);
    for (let i = 0; i < actions.length; i++) actions[i] = singleAction[i % singleAction.length]!;
    figures.push(
      figure(
        `${id}: SyncVectorEnv ${n}`,
        'env steps/s',
        repeat(() => vectorEnvRate(envs, actions, Math.round(steps / n))),
        reference,
      ),
    );
    envs.close();
    const parallel = new AsyncVectorEnv({ id, numEnvs: n });
    figures.push(
      figure(
        `${id}: AsyncVectorEnv ${n} (main thread + ${parallel.numWorkers} worker)`,
        'env steps/s',
        repeat(() => vectorEnvRate(parallel, actions, Math.round(steps / n))),
        'goal: 1.7× SyncVectorEnv on 2 cores',
      ),
    );
    parallel.close();
  }
  raw.close();
  wrapped.close();
}

envFigures('classic/MountainCarContinuous-v0', Float32Array.of(0.5), 200_000, NUMPY_REF);
envFigures('rapier/MountainCarContinuous-v0', Float32Array.of(0.5), 20_000, NUMPY_REF);
envFigures('rapier/Reacher-v1', Float32Array.of(0.2, -0.1), 40_000, MUJOCO_REF);
{
  // The physics engine's own share: Rapier world.step ×frameSkip for the arm's kinematic links.
  const sim = new ReacherSim(REACHER_DEFAULTS);
  const world = sim.rapierWorld;
  figures.push(
    figure(
      'Reacher links: raw Rapier world.step × 2 (the engine share)',
      'env steps/s',
      repeat(() =>
        rate(40_000, () => {
          world.step();
          world.step();
        }),
      ),
      "the env above pays this plus MuJoCo's RK4 arm dynamics and the observation",
    ),
  );
  sim.free();
}

{
  const sim = new MountainCarSim(MOUNTAIN_CAR_PHYSICS_DEFAULTS);
  const world = sim.rapierWorld;
  const substeps = MOUNTAIN_CAR_PHYSICS_DEFAULTS.substeps;
  figures.push(
    figure(
      `Mountain car body: raw Rapier world.step × ${substeps} (engine limit)`,
      'env steps/s',
      repeat(() =>
        rate(10_000, () => {
          for (let i = 0; i < substeps; i++) world.step();
        }),
      ),
      'the env above pays this plus the along-track force at each substep',
    ),
  );
  sim.free();
}

// ML3: milliseconds per outer iteration (all seeds / both variants batched), after warm-up.
await selectBackend('wasm');
const noEval = { evalEvery: 1_000_000, testEvery: 1_000_000, iterations: 1_000_000 };
const noModelWork = {
  collectEvery: 1_000_000,
  refitEvery: 1_000_000,
  evalEvery: 1_000_000,
  iterations: 1_000_000,
};
/**
 * An ML3 timing measured twice in this one run: as the package was before its own compute
 * (`ML3_MATMUL=tfjs`, `tfjsBaseline`: `tf.matMul` everywhere, autodiff inner gradients, ELU from
 * relu and exp, tfjs-wasm's copying Identity; `ML3_ROLLOUT=tfjs`: task-loss rollouts as tensor
 * ops) and as it is now; the second names the ratio.
 */
async function ml3Figures<C extends object, S>(
  name: string,
  exp: Experiment<C, S>,
  config: C,
  iterations: number,
  reference?: string,
): Promise<void> {
  process.env.ML3_MATMUL = 'tfjs';
  process.env.ML3_ROLLOUT = 'tfjs';
  const before = await msPerIteration(exp, config, iterations);
  delete process.env.ML3_MATMUL;
  delete process.env.ML3_ROLLOUT;
  const after = await msPerIteration(exp, config, iterations);
  const ratio = median(before) / median(after);
  figures.push(figure(`${name} — before: tf.matMul everywhere, tensor rollouts`, 'ms', before));
  figures.push(
    figure(
      name,
      'ms',
      after,
      `${ratio.toFixed(2)}× the speed before${reference ? `; ${reference}` : ''}`,
    ),
  );
}
// Sine computes its meta-gradients and evaluations in plain JavaScript (SineKernel), with no tfjs
// product to switch, so it has no "before" row here: its tfjs figures are in docs/benchmarks.md.
{
  const seeds = sineExperiment.defaults.seeds;
  const iteration = await msPerIteration(
    sineExperiment,
    { ...sineExperiment.defaults, ...noEval },
    20,
  );
  figures.push(
    figure(
      `ML3 sine: outer iteration, ${seeds} seeds (no evaluation)`,
      'ms',
      iteration,
      `${(median(iteration) / seeds).toFixed(2)} ms per seed (target ≤ 1.0, issue #14); authors' PyTorch code: 2.0 ms per iteration for 1 seed`,
    ),
  );
  figures.push(
    figure(
      `ML3 sine: training-task evaluation, ${seeds} seeds × 100 SGD steps`,
      'ms',
      await msPerIteration(
        sineExperiment,
        { ...sineExperiment.defaults, ...noEval, evalEvery: 1 },
        5,
      ),
      "authors' code: 0.65 s per round of 22 × 100 SGD runs, 1 seed",
    ),
  );
}
await ml3Figures(
  'ML3 shaped sine: outer iteration (10 meta-steps), both variants batched',
  shapedSineExperiment,
  { ...shapedSineExperiment.defaults, evalEvery: 1_000_000, iterations: 1_000_000 },
  10,
  "authors' PyTorch code: 40 ms per iteration for 1 variant",
);

await ml3Figures(
  'ML3 reacher: outer iteration, 8 goals batched, task loss through the learned ensemble (no refit/eval)',
  reacherExperiment,
  { ...reacherExperiment.defaults, ...noModelWork, goals: 8 },
  10,
  "authors' code: 1 goal per iteration through their ensemble (not timed on this machine)",
);
await ml3Figures(
  'ML3 reacher: outer iteration, 8 goals batched, task loss through the twin',
  reacherExperiment,
  { ...reacherExperiment.defaults, ...noModelWork, goals: 8, dynamics: 'twin' },
  10,
);
await ml3Figures(
  'ML3 mountain car: outer iteration, one variant (4 starts batched, horizon 150)',
  mountainCarExperiment,
  {
    ...mountainCarExperiment.defaults,
    extra: 'true',
    evalEvery: 1_000_000,
    iterations: 1_000_000,
  },
  10,
  "authors' PyTorch code: 43 ms per iteration (1 start, horizon 35)",
);
for (const [task, what] of [
  ['reacher', '8 targets × 8 episodes × 50 steps'],
  ['car', '8 starts × 8 episodes × 200 steps, extra information'],
] as const) {
  await ml3Figures(
    `Model-free ML3 (${task}): meta-iteration, ${what}, two rollouts + meta-gradient`,
    pgMl3Experiment,
    { ...pgMl3Experiment.defaults, task, extra: task === 'car', iterations: 1_000_000 },
    5,
  );
}

// Both cores: two independent runs on one worker thread, then on two (seconds for both).
{
  const out = mkdtempSync(join(tmpdir(), 'ml3-bench-workers-'));
  const config = {
    ...mountainCarExperiment.defaults,
    extra: 'true' as const,
    // The experiment's own length (150 iterations), as real multi-seed runs: at 30, a run's fixed
    // part (modules, tfjs, test, plots, GIFs: ~7 s, partly on V8's background threads) was over half.
    evalEvery: 1_000_000,
  };
  const seconds = async (workers: number) => {
    const t0 = performance.now();
    await trainRuns(mountainCarExperiment, {
      config,
      out,
      name: `w${workers}-${performance.now()}`,
      runs: 2,
      workers,
      backend: 'wasm',
      backendExplicit: true,
      quiet: true,
      json: false,
    });
    return (performance.now() - t0) / 1000;
  };
  const one = await seconds(1);
  const two = await seconds(2);
  const label = (w: number) =>
    `2 mountain-car runs (${config.iterations} iterations each), --workers ${w}`;
  figures.push(figure(label(1), 's', [one]));
  const ratio = `${(one / two).toFixed(2)}× the throughput of --workers 1 (target ≥ 1.7× on 2 cores)`;
  figures.push(figure(label(2), 's', [two], ratio));
}

// Planners on the Rapier reacher in the real simulator: decisions per second.
{
  const env = new ReacherEnv();
  const rng = new RNG(0);
  const decisions = (planner: Planner, evaluator: () => SequenceEvaluator) =>
    repeat(() => {
      env.reset({ seed: 0 });
      planner.reset();
      return rate(10, () => env.step(planner.act(evaluator(), rng)));
    });
  figures.push(
    figure(
      'CEM-MPC decisions, reacher, true reward in the simulator (horizon 10, 4 × 64 sequences)',
      'decisions/s',
      decisions(
        new CemPlanner(env.actionSpace, PLANNER_DEFAULTS),
        () => new SimulatorEvaluator(env, 2),
      ),
    ),
  );
  figures.push(
    figure(
      'MPPI decisions, reacher, true reward in the simulator (horizon 10, 4 × 64 sequences)',
      'decisions/s',
      decisions(
        new MppiPlanner(env.actionSpace, MPPI_DEFAULTS),
        () => new SimulatorEvaluator(env, 2),
      ),
    ),
  );
  const phi = initLearnedLoss(REACHER_LOSS, new RNG(1));
  figures.push(
    figure(
      'CEM-MPC decisions, reacher, learned reward (400×400 network) on simulated sequences',
      'decisions/s',
      decisions(new CemPlanner(env.actionSpace, PLANNER_DEFAULTS), () => {
        const s = env.getState();
        return learnedRewardEvaluator(env, phi, [s[4]!, s[5]!]);
      }),
    ),
  );
  for (const t of phi) t.dispose();
  env.close();
}

// PPO (CleanRL defaults, 1 env, 2048 steps per update) on the Rapier reacher: env steps/s, and
// where an update's time goes (all plain JS since issue #20: the minibatch updates dominate).
// Measured twice in this run: on the JavaScript kernels, then on the WebAssembly ones (the same
// bits: only the time differs). The rate is each update's own (wall clock between updates).
{
  const before = ppoTimings('js', RUNS);
  const after = ppoTimings('wasm', RUNS);
  const what =
    'PPO training on rapier/Reacher-v1 (CleanRL defaults: 2048 steps, 10 epochs × 32 minibatches per update; rate per update after the first)';
  figures.push(figure(`${what} — before: the JavaScript kernels`, 'env steps/s', before.sps));
  figures.push(
    figure(
      what,
      'env steps/s',
      after.sps,
      `${(median(after.sps) / median(before.sps)).toFixed(2)}× the JavaScript kernels' rate; target ≥ 3.5k (issue #14); CleanRL's PyTorch loop here: 1,515`,
    ),
  );
  for (const [part, what] of [
    ['env', 'stepping the env (with the wrappers)'],
    ['inference', 'batched policy inference and rollout bookkeeping'],
    ['update', 'GAE and the 10 epochs of minibatch updates'],
  ] as const) {
    figures.push(
      figure(
        `PPO update: ${what}`,
        'ms per 2048 steps',
        after.split[part],
        `JavaScript kernels: ${median(before.split[part]).toFixed(1)} ms`,
      ),
    );
  }
}

// `npm run bench -- --full`: also the whole ML3 runs with their full configs (about 15 minutes).
if (process.argv.includes('--full')) {
  const out = mkdtempSync(join(tmpdir(), 'ml3-bench-'));
  for (const [exp, what, reference] of [
    [
      sineExperiment,
      '5 seeds',
      "authors' code: 35 s for 1 seed incl. evaluations every 10 iterations",
    ],
    [shapedSineExperiment, 'both variants', "authors' code: 63 s for 1 variant"],
    [
      reacherExperiment,
      '300 iterations, with the final test and all baselines',
      "authors' code: 3000 iterations, 1 goal (not timed here)",
    ],
    [
      mountainCarExperiment,
      'both variants, 150 iterations',
      "authors' code: 13 s for 1 variant, 300 iterations",
    ],
  ] as const) {
    const t0 = performance.now();
    await trainExperiment(exp as Experiment, {
      config: { ...exp.defaults },
      out,
      backend: 'wasm',
      backendExplicit: true,
      quiet: true,
      json: false,
    });
    figures.push(
      figure(
        `ML3 ${exp.name}: whole run, full config (${what})`,
        's',
        [(performance.now() - t0) / 1000],
        reference,
      ),
    );
  }
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  backend: tf.getBackend(),
  date: new Date().toISOString(),
};
const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const table = [
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, tfjs backend ${machine.backend}; ${RUNS} runs each (median, min–max).`,
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
