import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { DYNAMICS_DEFAULTS, DynamicsEnsemble, type Transitions } from '../../agents/dynamics.js';
import { selectBackend } from '../../agents/index.js';
import { RNG } from '../../envs/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** s′ = s + 0.1·(A s + B a) + noise, states in [−1, 1]², actions in [−1, 1]. */
function linearSystem(n: number, rng: RNG, noise = 0.01): Transitions {
  const states = new Float32Array(n * 2);
  const actions = new Float32Array(n);
  const nextStates = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const [x, v] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    const a = rng.uniform(-1, 1);
    states.set([x, v], i * 2);
    actions[i] = a;
    nextStates.set(
      [x + 0.1 * v + noise * rng.normal(), v + 0.1 * (-x + a) + noise * rng.normal()],
      i * 2,
    );
  }
  return { states, actions, nextStates };
}

describe('DynamicsEnsemble', () => {
  it('learns a noisy linear system, with more variance off the data', () => {
    const model = new DynamicsEnsemble(2, 1, new RNG(0), {
      ...DYNAMICS_DEFAULTS,
      hidden: [32, 32],
      maxEpochs: 60,
      patience: 8,
    });
    const report = model.fit(linearSystem(1500, new RNG(1)), new RNG(2));
    assert.ok(report.epochs >= 5 && Number.isFinite(report.holdoutNll), JSON.stringify(report));
    const test = linearSystem(200, new RNG(3), 0);
    const { mean, variance } = model.predict(
      tf.tensor2d(test.states, [200, 2]),
      tf.tensor2d(test.actions, [200, 1]),
    );
    const err = tf.tidy(
      () =>
        mean
          .sub(tf.tensor2d(test.nextStates, [200, 2]))
          .abs()
          .mean()
          .dataSync()[0]!,
    );
    assert.ok(err < 0.01, `mean absolute error ${err}`);
    const inside = tf.tidy(() => variance.mean().dataSync()[0]!);
    const far = model.predict(tf.tensor2d([[8, -8]]), tf.tensor2d([[5]]));
    const outside = far.variance.mean().dataSync()[0]!;
    assert.ok(outside > inside, `variance inside ${inside} vs far outside ${outside}`);
    model.dispose();
  });

  it('is deterministic for a seed and does not leak tensors', () => {
    const run = () => {
      const model = new DynamicsEnsemble(2, 1, new RNG(5), {
        ...DYNAMICS_DEFAULTS,
        hidden: [8],
        maxEpochs: 3,
      });
      const before = tf.memory().numTensors;
      model.fit(linearSystem(300, new RNG(6)), new RNG(7));
      const grew = tf.memory().numTensors - before;
      const out = Array.from(
        model.predict(tf.tensor2d([[0.1, 0.2]]), tf.tensor2d([[0.3]])).mean.dataSync(),
      );
      model.dispose();
      return { out, grew };
    };
    const a = run();
    const b = run();
    assert.deepEqual(a.out, b.out);
    assert.equal(
      a.grew,
      0,
      'fit replaces the parameters and normalisers without growing the tensor count',
    );
    assert.throws(
      () =>
        new DynamicsEnsemble(2, 1, new RNG(0)).fit(
          {
            states: new Float32Array(3),
            actions: new Float32Array(1),
            nextStates: new Float32Array(2),
          },
          new RNG(0),
        ),
      /n ≥ 2 rows/,
    );
  });
});
