/**
 * The sine experiment's plain-JS compute against tfjs's autodiff of the same step (the way it ran
 * before, with `metaGradient`) and against finite differences of its own float64 objective.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  type CpuMlp,
  cloneMlp,
  initMlp,
  initMlpArrays,
  type MlpSpec,
  mlp,
  type Params,
  readMlp,
  selectBackend,
  stackParams,
  zeroGrads,
} from '../../agents/index.js';
import { RNG } from '../../envs/index.js';
import { SineKernel } from '../../ml3/experiments/sine/cpuSine.js';
import {
  SINE_LOSS,
  SINE_MODEL,
  SINE_POINTS,
  SINE_TRAIN_TASK,
  sineTaskSet,
} from '../../ml3/experiments/sine/task.js';
import {
  adapt,
  initLearnedLoss,
  learnedLossMlp,
  learnedLossValues,
  metaGradient,
} from '../../ml3/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** The task's points, a θ₀ and a φ, as tensors ([1, …] batched) and as plain arrays. */
function problem(seed: number) {
  const set = sineTaskSet({ first: seed, count: 1 }, 'train', 1, SINE_TRAIN_TASK);
  const x = set.x.dataSync() as Float32Array;
  const y = set.y.dataSync() as Float32Array;
  const theta0 = initMlp(SINE_MODEL, new RNG(seed + 10), { scheme: 'xavier' });
  const phi = initLearnedLoss(SINE_LOSS, new RNG(seed + 20));
  const cpu = { theta0: readMlp(theta0, SINE_MODEL), phi: readMlp(phi, learnedLossMlp(SINE_LOSS)) };
  return { set, x, y, theta0, phi, cpu };
}

function tfjsMetaGradient(p: ReturnType<typeof problem>, lr: number) {
  const theta0 = stackParams([p.theta0.map((t) => t.clone())]);
  const phi = stackParams([p.phi.map((t) => t.clone())]);
  const { x, y } = p.set;
  const { taskLoss, grads, adapted } = metaGradient({
    phi,
    theta0,
    innerSteps: 1,
    innerLr: lr,
    innerLoss: (theta, ph) =>
      learnedLossValues(ph, tf.concat([mlp(theta, x, SINE_MODEL), y], 2), SINE_LOSS)
        .mean([1, 2])
        .sum() as tf.Scalar,
    taskLoss: (theta) =>
      mlp(theta as Params, x, SINE_MODEL)
        .sub(y)
        .square()
        .mean([1, 2])
        .sum() as tf.Scalar,
  });
  const out = { taskLoss, grads: grads.map((g) => Float64Array.from(g.dataSync())) };
  for (const t of [...grads, ...adapted, ...theta0, ...phi]) t.dispose();
  return out;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('the sine experiment in plain JavaScript', () => {
  it('gives the meta-gradient tfjs autodiff gives through the same inner step', () => {
    // A large inner rate makes the step (and the meta-gradient) big enough to compare.
    for (const [seed, lr] of [
      [0, 1e-3],
      [1, 0.5],
      [2, 2],
    ] as const) {
      const p = problem(seed);
      const reference = tfjsMetaGradient(p, lr);
      const grads = zeroGrads(learnedLossMlp(SINE_LOSS));
      const loss = new SineKernel().metaGradient(p.cpu.theta0, p.cpu.phi, p.x, p.y, lr, grads);
      assert.ok(
        Math.abs(loss - reference.taskLoss) <= 1e-5 * reference.taskLoss,
        `${loss} vs ${reference.taskLoss}`,
      );
      grads.weights.forEach((g, l) => {
        const e = relativeError(g, reference.grads[l]!);
        assert.ok(e < 1e-5, `seed ${seed}, lr ${lr}: layer ${l} relative error ${e}`);
        assert.ok(
          g.some((v) => v !== 0),
          `layer ${l} has a meta-gradient`,
        );
      });
    }
  });

  it('matches central finite differences of its own float64 objective', () => {
    const p = problem(3);
    const lr = 1;
    const kernel = new SineKernel();
    const phi: CpuMlp<Float64Array> = cloneMlp(p.cpu.phi);
    const grads = zeroGrads(learnedLossMlp(SINE_LOSS));
    kernel.metaGradient(p.cpu.theta0, phi, p.x, p.y, lr, grads);
    const rng = new RNG(7);
    for (let trial = 0; trial < 3; trial++) {
      const dir = phi.weights.map((w) => Float64Array.from(w, () => rng.normal()));
      const at = (eps: number) => {
        const moved = cloneMlp(phi);
        moved.weights.forEach((w, l) => {
          for (let i = 0; i < w.length; i++) w[i] += eps * dir[l]![i]!;
        });
        return kernel.metaGradient(
          p.cpu.theta0,
          moved,
          p.x,
          p.y,
          lr,
          zeroGrads(learnedLossMlp(SINE_LOSS)),
        );
      };
      const eps = 1e-6;
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      let analytic = 0;
      grads.weights.forEach((g, l) => {
        for (let i = 0; i < g.length; i++) analytic += g[i]! * dir[l]![i]!;
      });
      assert.ok(
        Math.abs(numeric - analytic) <= 1e-4 * Math.abs(analytic) + 1e-9,
        `trial ${trial}: finite differences ${numeric} vs ${analytic}`,
      );
    }
  });

  it('takes the same SGD steps as tfjs on MSE and on a learned loss', () => {
    const p = problem(4);
    const lr = 0.05;
    for (const loss of ['mse', 'learned'] as const) {
      const theta = cloneMlp(p.cpu.theta0);
      const kernel = new SineKernel();
      const cpuTrace: number[] = [];
      for (let k = 0; k < 20; k++)
        cpuTrace.push(kernel.sgdStep(theta, loss === 'mse' ? null : p.cpu.phi, p.x, p.y, lr));
      cpuTrace.push(kernel.mse(theta, p.x, p.y));
      const tfTrace: number[] = [];
      const mse = (th: Params) =>
        mlp(th, p.set.x.squeeze([0]), SINE_MODEL)
          .sub(p.set.y.squeeze([0]))
          .square()
          .mean();
      const final = adapt({
        theta0: p.theta0,
        steps: 20,
        lr,
        loss: (th) =>
          (loss === 'mse'
            ? mse(th)
            : learnedLossValues(
                p.phi,
                tf.concat([mlp(th, p.set.x.squeeze([0]), SINE_MODEL), p.set.y.squeeze([0])], 1),
                SINE_LOSS,
              ).mean()) as tf.Scalar,
        observe: (_k, th) => tfTrace.push(tf.tidy(() => mse(th).dataSync()[0]!)),
      });
      for (const t of final) t.dispose();
      assert.ok(cpuTrace[20]! < cpuTrace[0]!, `${loss}: SGD lowers the MSE`);
      assert.ok(relativeError(cpuTrace, tfTrace) < 1e-5, `${loss}: ${cpuTrace} vs ${tfTrace}`);
    }
  });

  it('draws θ₀ exactly as initMlp does', () => {
    const arrays = initMlpArrays(SINE_MODEL, new RNG(5), { scheme: 'torch', batch: 2 });
    const tensors = initMlp(SINE_MODEL, new RNG(5), { scheme: 'torch', batch: 2 });
    arrays.forEach(({ w, b }, l) => {
      assert.deepEqual(w, tensors[2 * l]!.dataSync());
      assert.deepEqual(b, tensors[2 * l + 1]!.dataSync());
    });
    for (const t of tensors) t.dispose();
    assert.equal(SINE_POINTS, 100);
  });
});

export type { MlpSpec };
