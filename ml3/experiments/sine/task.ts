/**
 * The sine-regression task of ML3 (paper IV.A.1), the authors' configuration: the optimizee is an
 * MLP 1 → 100 → 10 → 1 (ReLU), the learned loss M_φ(ŷ, y) an MLP 2 → 50 → 50 → 1 (ReLU, no
 * biases, softplus output). Tasks are y = amp · sin(x − phase) on 100 points.
 *
 * Several seeds run side by side: φ, θ and the tasks carry a leading batch dimension (seeds, or
 * seeds × tasks), so every seed's losses and gradients come out of one graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initMlp, type MlpSpec, type Params, stackParams } from '../../../agents/index.js';
import { RNG } from '../../../envs/index.js';
import type { LearnedLossSpec } from '../../learnedLoss.js';

/** The optimizee of the authors' sine experiment. */
export const SINE_MODEL: MlpSpec = {
  sizes: [1, 100, 10, 1],
  activation: 'relu',
  outputActivation: 'identity',
  bias: true,
};

/** The learned loss of the sine experiment: M_φ(ŷ, y). */
export const SINE_LOSS: LearnedLossSpec = {
  inputs: ['yPred', 'y'],
  inputScale: [1, 1],
  hidden: [50, 50],
  activation: 'relu',
  outputActivation: 'softplus',
  bias: false,
};

/** Points per task. */
export const SINE_POINTS = 100;

/** A range [low, high] of a task parameter. */
type Range = [number, number];

/** Where the tasks of a set are drawn from. */
export interface SineTaskDistribution {
  amplitude: Range;
  phase: Range;
  input: Range;
}

/** The authors' training task: amplitude 1, phase π, x ∈ [−2, 2]. */
export const SINE_TRAIN_TASK: SineTaskDistribution = {
  amplitude: [1, 1],
  phase: [Math.PI, Math.PI],
  input: [-2, 2],
};

/** The authors' held-out tasks: amplitude ∈ [0.2, 5], phase ∈ [−π, π], x ∈ [−5, 5]. */
export const SINE_TEST_TASKS: SineTaskDistribution = {
  amplitude: [0.2, 5],
  phase: [-Math.PI, Math.PI],
  input: [-5, 5],
};

/** x and y of `tasks` regression tasks, row-major [tasks, points]. */
function sampleTasks(rng: RNG, tasks: number, d: SineTaskDistribution) {
  const xs = new Float32Array(tasks * SINE_POINTS);
  const ys = new Float32Array(tasks * SINE_POINTS);
  for (let t = 0; t < tasks; t++) {
    const a = rng.uniform(d.amplitude[0], d.amplitude[1]);
    const p = rng.uniform(d.phase[0], d.phase[1]);
    for (let i = 0; i < SINE_POINTS; i++) {
      const x = rng.uniform(d.input[0], d.input[1]);
      xs[t * SINE_POINTS + i] = x;
      ys[t * SINE_POINTS + i] = a * Math.sin(x - p);
    }
  }
  return { xs, ys };
}

/** Regression data of B = seeds × perSeed models: x, y [B, 100, 1] and their initial θ. */
export interface SineTaskSet {
  x: tf.Tensor3D;
  y: tf.Tensor3D;
  init: Params;
  /** Models (tasks) per seed. */
  perSeed: number;
}

function concatArrays(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * `tasks` tasks per seed (seeds `firstSeed`, `firstSeed + 1`, …) with PyTorch-default initial
 * parameters, each drawn from a named stream of its seed.
 */
export function sineTaskSet(
  seeds: { first: number; count: number },
  name: string,
  tasks: number,
  distribution: SineTaskDistribution,
): SineTaskSet {
  const S = seeds.count;
  const data = Array.from({ length: S }, (_, s) =>
    sampleTasks(
      new RNG(RNG.deriveSeed(seeds.first + s, `sine/${name}-tasks`)),
      tasks,
      distribution,
    ),
  );
  const init = stackParams(
    Array.from({ length: S }, (_, s) => {
      const rng = new RNG(RNG.deriveSeed(seeds.first + s, `sine/${name}-eval-init`));
      return Array.from({ length: tasks }, () => initMlp(SINE_MODEL, rng, { scheme: 'torch' }));
    }).flat(),
  );
  return {
    x: tf.tensor3d(concatArrays(data.map((d) => d.xs)), [S * tasks, SINE_POINTS, 1]),
    y: tf.tensor3d(concatArrays(data.map((d) => d.ys)), [S * tasks, SINE_POINTS, 1]),
    init,
    perSeed: tasks,
  };
}

/** Frees a task set's tensors. */
export function disposeSineTaskSet(set: SineTaskSet): void {
  for (const t of [set.x, set.y, ...set.init]) t.dispose();
}
