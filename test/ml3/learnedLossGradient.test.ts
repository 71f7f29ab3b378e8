/**
 * ML3's written-out inner gradients (`learnedLossInputGradient`, the tasks' `…LearnedLossGradient`):
 * the same bits as tfjs's autodiff of the learned loss, and a meta-gradient through them that
 * matches the autodiff one and central finite differences.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  ACTIVATIONS,
  activationWithSlope,
  initMlp,
  selectBackend,
  tileParams,
} from '../../agents/index.js';
import { RNG } from '../../envs/index.js';
import {
  CAR_LOSS,
  CAR_POLICY,
  type CarGoals,
  carLearnedLoss,
  carLearnedLossGradient,
  initLearnedLoss,
  learnedLossInputGradient,
  metaGradient,
  REACHER_LOSS,
  REACHER_POLICY,
  type ReacherObjective,
  reacherLossSpec,
  reacherPolicyLearnedLoss,
  reacherPolicyLearnedLossGradient,
} from '../../ml3/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** Element-wise `===` (so +0 and −0 count as equal) over tensor lists. */
function assertSameBits(a: readonly tf.Tensor[], b: readonly tf.Tensor[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((t, i) => {
    assert.deepEqual(t.shape, b[i]!.shape);
    const x = t.dataSync();
    const y = b[i]!.dataSync();
    for (let j = 0; j < x.length; j++) {
      assert.ok(x[j] === y[j], `${what}: tensor ${i}[${j}] ${x[j]} vs ${y[j]}`);
    }
  });
}

/** ‖a − b‖ / ‖b‖ over tensor lists. */
function relativeDistance(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  let num = 0;
  let den = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i]!.dataSync();
    for (let j = 0; j < x.length; j++) {
      num += (x[j]! - y[j]!) ** 2;
      den += y[j]! ** 2;
    }
  });
  return Math.sqrt(num / den);
}

/** A reacher inner-loss setting: φ, per-goal θ, recorded states [G, H+1, 4], joint goals [G, 4]. */
function reacherCase(objective: ReacherObjective, seed: number) {
  const rng = new RNG(seed);
  const G = 3;
  const H = 6;
  return {
    phi: initLearnedLoss(reacherLossSpec(objective), rng),
    theta: tileParams(initMlp(REACHER_POLICY.net, rng, { scheme: 'torch' }), G),
    states: tf.randomUniform([G, H + 1, 4], -1.5, 1.5, 'float32', seed),
    goals: tf.randomUniform([G, 4], -1, 1, 'float32', seed + 1),
  };
}

const OBJECTIVES: [string, ReacherObjective][] = [
  ['softplus output, joint task loss', { taskLoss: 'joint', wrapAngles: false }],
  [
    'identity output, joint-nearest task loss',
    { taskLoss: 'joint-nearest', wrapAngles: true, lossOutput: 'identity' },
  ],
];

describe('written-out inner gradients', () => {
  for (const [name, objective] of OBJECTIVES) {
    it(`reacher (${name}): the same bits as tfjs's autodiff`, () => {
      tf.tidy(() => {
        const { phi, theta, states, goals } = reacherCase(objective, 3);
        const loss = (...th: tf.Tensor[]) =>
          reacherPolicyLearnedLoss(phi, th, states, goals, objective).sum() as tf.Scalar;
        assertSameBits(
          reacherPolicyLearnedLossGradient(phi, theta, states, goals, objective),
          tf.grads(loss)(theta),
          name,
        );
      });
    });
  }

  it("mountain car: the same bits as tfjs's autodiff", () => {
    tf.tidy(() => {
      const rng = new RNG(5);
      const G = 2;
      const phi = initLearnedLoss(CAR_LOSS, rng);
      const theta = tileParams(initMlp(CAR_POLICY.net, rng, { scheme: 'torch' }), G);
      const states = tf.randomUniform([G, 9, 2], -0.6, 0.4, 'float32', 7);
      const goals: CarGoals = { goal: [0.45, 0], extraGoal: [-0.9, 0], extraSteps: 3 };
      const loss = (...th: tf.Tensor[]) =>
        carLearnedLoss(phi, th, states, goals).sum() as tf.Scalar;
      assertSameBits(
        carLearnedLossGradient(phi, theta, states, goals),
        tf.grads(loss)(theta),
        'car',
      );
    });
  });

  it('the meta-gradient through them matches the autodiff one and finite differences', () => {
    tf.tidy(() => {
      const objective = OBJECTIVES[0]![1];
      const { phi, theta, states, goals } = reacherCase(objective, 11);
      // A task loss of θ_K (a stand-in for the rollout loss: any function of θ_K will do).
      const target = theta.map((t, i) => tf.randomUniform(t.shape, -0.5, 0.5, 'float32', 20 + i));
      const run = (p: tf.Tensor[], written: boolean) =>
        metaGradient({
          phi: p,
          theta0: theta,
          innerSteps: 2,
          innerLr: 0.1,
          innerLoss: (th, ph) =>
            reacherPolicyLearnedLoss(ph, th, states, goals, objective).sum() as tf.Scalar,
          innerGradient: written
            ? (th, ph) => reacherPolicyLearnedLossGradient(ph, th, states, goals, objective)
            : undefined,
          // Linear in θ_K: a value near 0 with an O(1) gradient keeps float32 differences exact.
          taskLoss: (th) => tf.addN(th.map((t, i) => t.mul(target[i]!).sum())) as tf.Scalar,
        });
      const autodiff = run(phi, false);
      const written = run(phi, true);
      assert.equal(written.taskLoss, autodiff.taskLoss);
      assert.ok(relativeDistance(written.grads, autodiff.grads) < 1e-5);
      // Central differences along a random direction of φ (float32: a loose tolerance).
      const dir = phi.map((p, i) => tf.randomUniform(p.shape, -1, 1, 'float32', 40 + i));
      const eps = 1e-2;
      const at = (s: number) =>
        run(
          phi.map((p, i) => p.add(dir[i]!.mul(s))),
          true,
        ).taskLoss;
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      const analytic = written.grads
        .map((g, i) => g.mul(dir[i]!).sum().dataSync()[0]!)
        .reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(fd - analytic) < 2e-2 * Math.max(1, Math.abs(fd)),
        `analytic ${analytic} vs FD ${fd}`,
      );
    });
  });

  it('learnedLossInputGradient needs one unbatched learned loss', () => {
    tf.tidy(() => {
      const batched = initLearnedLoss(REACHER_LOSS, new RNG(1), { batch: 2 });
      assert.throws(
        () =>
          learnedLossInputGradient(batched, tf.zeros([4, 7]), REACHER_LOSS, {
            rowWeight: 1,
            columns: [4, 2],
          }),
        /one unbatched learned loss/,
      );
    });
  });

  for (const name of ['tanh', 'sigmoid', 'elu', 'softplus', 'relu', 'identity'] as const) {
    it(`activationWithSlope(${name}): the activation's value and its gradient's slope, bit for bit`, () => {
      tf.tidy(() => {
        const x = tf.tensor1d([-2.5, -0.7, -1e-3, 0.3, 1.9, 4]);
        const { value, slope } = activationWithSlope(name, x);
        assertSameBits([value], [ACTIVATIONS[name](x)], `${name} value`);
        const grad = tf.grad((z: tf.Tensor) => ACTIVATIONS[name](z).sum())(x);
        assertSameBits([slope.mul(tf.onesLike(x))], [grad], `${name} slope`);
      });
    });
  }
});
