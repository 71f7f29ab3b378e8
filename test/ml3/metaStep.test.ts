import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  initMlp,
  type MlpSpec,
  mlp,
  type Params,
  selectBackend,
  sgdStep,
} from '../../agents/index.js';
import { RNG } from '../../envs/index.js';
import {
  adapt,
  clipPerMember,
  initLearnedLoss,
  LearnedLossFileError,
  type LearnedLossSpec,
  learnedLossValues,
  loadLearnedLoss,
  memberNorms,
  metaGradient,
  metaObjectiveWeights,
  saveLearnedLoss,
} from '../../ml3/index.js';
import { sineExperiment } from '../../scripts/experiments/sine.js';

before(async () => {
  await selectBackend('wasm');
});

/** A small problem: a tanh optimizee 1→6→1 on 2 tasks, a learned loss (ŷ, y) → 5 → 1 with biases. */
const MODEL: MlpSpec = {
  sizes: [1, 6, 1],
  activation: 'tanh',
  outputActivation: 'identity',
  bias: true,
};
const LOSS: LearnedLossSpec = {
  inputs: ['yPred', 'y'],
  inputScale: [1, 2],
  hidden: [5],
  activation: 'tanh',
  outputActivation: 'softplus',
  bias: true,
};

function problem() {
  const x = tf
    .tensor3d(
      Array.from({ length: 16 }, (_, i) => -2 + (4 * i) / 15).flatMap((v) => [v]),
      [1, 16, 1],
    )
    .tile([2, 1, 1]);
  const y = tf.sin(x.mul(tf.tensor3d([1, 2], [2, 1, 1])));
  const theta0 = initMlp(MODEL, new RNG(1), { batch: 2 });
  const phi = initLearnedLoss(LOSS, new RNG(2), { biasInit: 0.1 });
  const innerLoss = (theta: Params, p: Params) =>
    learnedLossValues(p, tf.concat([mlp(theta, x, MODEL), y], 2), LOSS)
      .mean([1, 2])
      .sum() as tf.Scalar;
  const taskLoss = (theta: Params) => mlp(theta, x, MODEL).sub(y).square().mean() as tf.Scalar;
  return { x, y, theta0, phi, innerLoss, taskLoss };
}

function objective(
  p: ReturnType<typeof problem>,
  phi: Params,
  innerSteps: number,
  innerLr: number,
  taskLossWeights: readonly number[] | undefined = undefined,
  innerGradClip = 0,
): number {
  const r = metaGradient({
    phi,
    theta0: p.theta0,
    innerSteps,
    innerLr,
    innerLoss: p.innerLoss,
    taskLoss: p.taskLoss,
    taskLossWeights,
    innerGradClip,
  });
  for (const t of [...r.grads, ...r.adapted]) t.dispose();
  return r.taskLoss;
}

describe('metaGradient', () => {
  for (const [innerSteps, weights, clipped] of [
    [1, undefined, false],
    [3, undefined, false],
    [3, [1, 1, 1], false],
    [3, [3, 2, 1], false],
    [2, undefined, true],
  ] as const) {
    const objectiveName = weights
      ? `task loss over the steps weighted ${weights.join(':')}`
      : 'final task loss';
    const clipName = clipped ? ', each inner gradient clipped per member' : '';
    it(`matches central finite differences (K = ${innerSteps}, ${objectiveName}, tanh optimizee${clipName})`, () => {
      const p = problem();
      const lr = 0.5;
      // A clip at half the smallest member's first gradient norm binds for every member.
      const g0 = tf.grads((...th: tf.Tensor[]) => p.innerLoss(th, p.phi))(p.theta0);
      const clip = clipped ? 0.5 * Math.min(...memberNorms(g0)) : 0;
      for (const g of g0) g.dispose();
      const r = metaGradient({
        phi: p.phi,
        theta0: p.theta0,
        innerSteps,
        innerLr: lr,
        innerLoss: p.innerLoss,
        taskLoss: p.taskLoss,
        taskLossWeights: weights,
        innerGradClip: clip,
      });
      // The value: L_T(θ_K), or Σ c_k L_T(θ_k) / Σ c_k over k = 1 … K (θ_k from plain SGD).
      const taskAfter = (k: number) => {
        const theta = adapt({
          theta0: p.theta0,
          steps: k,
          lr,
          loss: (th) => p.innerLoss(th, p.phi),
          update: clip > 0 ? (th, g) => sgdStep(th, clipPerMember(g, clip), lr) : undefined,
        });
        const v = p.taskLoss(theta).dataSync()[0]!;
        for (const t of theta) t.dispose();
        return v;
      };
      const c = weights ?? Array.from({ length: innerSteps }, (_, k) => +(k === innerSteps - 1));
      const expected =
        c.reduce((a, ck, k) => a + ck * taskAfter(k + 1), 0) / c.reduce((a, ck) => a + ck, 0);
      assert.ok(Math.abs(r.taskLoss - expected) < 1e-5 * Math.max(1, expected));
      const rng = new RNG(innerSteps);
      let checked = 0;
      for (let t = 0; t < p.phi.length; t++) {
        const values = p.phi[t]!.dataSync();
        const grad = r.grads[t]!.dataSync();
        for (let c = 0; c < 3; c++) {
          const i = rng.integers(values.length);
          const eps = 1e-2;
          const shifted = (delta: number) => {
            const v = Float32Array.from(values);
            v[i] = v[i]! + delta;
            const phi = p.phi.map((q, j) => (j === t ? tf.tensor(v, q.shape) : q));
            return objective(p, phi, innerSteps, lr, weights, clip);
          };
          const fd = (shifted(eps) - shifted(-eps)) / (2 * eps);
          assert.ok(
            Math.abs(grad[i]! - fd) <= 0.03 * Math.abs(fd) + 2e-4,
            `φ[${t}][${i}]: analytic ${grad[i]} vs finite difference ${fd}`,
          );
          checked++;
        }
      }
      assert.equal(checked, 3 * p.phi.length);
      assert.ok(
        r.grads.some((g) => g.abs().max().dataSync()[0]! > 1e-4),
        'φ receives a nonzero gradient',
      );
    });
  }

  it('task-loss weights are relative; the last step alone is the final objective; a bad list is an error naming what is allowed', () => {
    const p = problem();
    // The mean over the steps written out: (L_1 + L_2 + L_3) / 3 from the same SGD steps.
    const mean = objective(p, p.phi, 3, 0.5, [1, 1, 1]);
    const scaled = objective(p, p.phi, 3, 0.5, [2, 2, 2]);
    assert.ok(Math.abs(mean - scaled) < 1e-6 * Math.abs(mean));
    // Weight only on the last step equals the final objective.
    assert.ok(
      Math.abs(objective(p, p.phi, 3, 0.5, [0, 0, 1]) - objective(p, p.phi, 3, 0.5)) <
        1e-6 * Math.abs(mean),
    );
    // The reacher's objectives as weights: uniform, and K, K − 1, …, 1.
    assert.equal(metaObjectiveWeights('final', 3), undefined);
    assert.deepEqual(metaObjectiveWeights('every-step', 3), [1, 1, 1]);
    assert.deepEqual(metaObjectiveWeights('early-weighted', 5), [5, 4, 3, 2, 1]);
    for (const bad of [
      [1, 1],
      [1, -1, 1],
      [0, 0, 0],
      [1, Number.NaN, 1],
    ]) {
      assert.throws(
        () => objective(p, p.phi, 3, 0.5, bad),
        /taskLossWeights must be 3 finite weights >= 0 \(one per inner step\), not all 0/,
      );
    }
  });

  it('clipPerMember scales each member to the norm bound on its own, and leaves smaller ones', () => {
    // Member 0: norm 5 (3-4-0 across two tensors); member 1: norm 0.5.
    const a = tf.tensor2d([
      [3, 0],
      [0.3, 0],
    ]);
    const b = tf.tensor2d([[4], [0.4]]);
    const [ca, cb] = clipPerMember([a, b], 1);
    assert.deepEqual(
      memberNorms([a, b]).map((n) => +n.toFixed(5)),
      [5, 0.5],
    );
    const got = [...ca!.dataSync(), ...cb!.dataSync()];
    const want = [3 / (5 + 1e-6), 0, 0.3, 0, 4 / (5 + 1e-6), 0.4];
    for (const [i, v] of got.entries())
      assert.ok(Math.abs(v - want[i]!) < 1e-6, `${i}: ${v} vs ${want[i]}`);
    for (const t of [a, b, ca!, cb!]) t.dispose();
  });

  it('one inner step on a fixed learned loss lowers it', () => {
    const p = problem();
    const before = p.innerLoss(p.theta0, p.phi).dataSync()[0]!;
    const after = adapt({
      theta0: p.theta0,
      steps: 1,
      lr: 0.1,
      loss: (th) => p.innerLoss(th, p.phi),
    });
    assert.ok(p.innerLoss(after, p.phi).dataSync()[0]! < before);
  });

  it('keeps the tensor count flat across meta-iterations of the sine experiment', async () => {
    const config = {
      ...sineExperiment.defaults,
      seeds: 2,
      testTasks: 2,
      testSteps: 3,
      evalEvery: 2,
      testEvery: 2,
    };
    const tools = { run: undefined as never, log: () => {} };
    const state = await sineExperiment.init(config, tools);
    await sineExperiment.step(state, 0, config);
    await sineExperiment.step(state, 1, config);
    const before = tf.memory().numTensors;
    for (let i = 2; i < 6; i++) await sineExperiment.step(state, i, config);
    assert.equal(tf.memory().numTensors, before);
    sineExperiment.dispose?.(state);
  });
});

describe('learned loss files', () => {
  it('save → load gives identical outputs, and bad files get clear errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml3-loss-'));
    const phi = initLearnedLoss(LOSS, new RNG(3));
    const path = join(dir, 'loss.json');
    saveLearnedLoss(path, LOSS, phi, { experiment: 'test', config: { a: 1 }, seed: 3 }, '0.0.0');
    const loaded = loadLearnedLoss(path);
    assert.deepEqual(loaded.spec, LOSS);
    assert.equal(loaded.document.training.seed, 3);
    const input = tf.randomUniform([7, 2], -1, 1, 'float32', 5);
    assert.deepEqual(
      Array.from(learnedLossValues(loaded.phi, input, loaded.spec).dataSync()),
      Array.from(learnedLossValues(phi, input, LOSS).dataSync()),
    );
    writeFileSync(path, '{"format": "ml3-learned-loss", "version": 1, "spec": {"inputs": []}}');
    assert.throws(
      () => loadLearnedLoss(path),
      (e: Error) => e instanceof LearnedLossFileError && /spec\.inputs/.test(e.message),
    );
    writeFileSync(path, '{ not json');
    assert.throws(() => loadLearnedLoss(path), /cannot read learned loss/);
    writeFileSync(path, '{"format": "something-else"}');
    assert.throws(() => loadLearnedLoss(path), /not a learned loss file/);
    const doc = JSON.parse(
      JSON.stringify({
        format: 'ml3-learned-loss',
        version: 1,
        spec: LOSS,
        weights: [{ shape: [2, 5], values: [1] }],
      }),
    );
    writeFileSync(path, JSON.stringify(doc));
    assert.throws(() => loadLearnedLoss(path), /expected 4 weight tensors/);
  });
});
