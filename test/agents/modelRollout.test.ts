import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  clamp,
  DYNAMICS_DEFAULTS,
  DynamicsEnsemble,
  detach,
  initMlp,
  type MlpSpec,
  mlp,
  mountainCarTwin,
  reacherTwin,
  rolloutLockstep,
  rolloutThroughModel,
  selectBackend,
  tileParams,
} from '../../agents/index.js';
import {
  integrateMountainCar,
  RapierMountainCarContinuousEnv,
  ReacherEnv,
  RNG,
} from '../../envs/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** Central finite difference of f at x along a random direction vs the analytic directional derivative. */
function directionalCheck(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  seed: number,
  eps = 1e-2,
): { analytic: number; numeric: number } {
  return tf.tidy(() => {
    const rng = new RNG(seed);
    const dir = tf.tensor(
      Array.from({ length: x.size }, () => rng.normal()),
      x.shape,
    );
    const g = tf.grad(f)(x);
    const analytic = g.mul(dir).sum().dataSync()[0]!;
    const plus = f(x.add(dir.mul(eps))).dataSync()[0]!;
    const minus = f(x.sub(dir.mul(eps))).dataSync()[0]!;
    return { analytic, numeric: (plus - minus) / (2 * eps) };
  });
}

describe('gradient-safe ops', () => {
  it('detach passes values and blocks gradients at every order', () => {
    const x = tf.tensor([0.5, 2, -3]);
    const g = tf.grad((t: tf.Tensor) => detach(t).mul(t).sum())(x);
    assert.deepEqual(Array.from(g.dataSync()), [0.5, 2, -3]);
    const g2 = tf.grad((t: tf.Tensor) =>
      tf
        .grad((u: tf.Tensor) => detach(u).mul(u).sum())(t)
        .sum(),
    )(x);
    assert.deepEqual(Array.from(g2.dataSync()), [0, 0, 0]);
    tf.dispose([x, g, g2]);
  });

  it('clamp has the masked gradient at first and second order', () => {
    const x = tf.tensor([0.5, 2, -3]);
    const g = tf.grad((t: tf.Tensor) => clamp(t, -1, 1).square().sum())(x);
    assert.deepEqual(Array.from(g.dataSync(), Math.abs), [1, 0, 0]);
    const g2 = tf.grad((t: tf.Tensor) =>
      tf
        .grad((u: tf.Tensor) => clamp(u, -1, 1).square().sum())(t)
        .sum(),
    )(x);
    assert.deepEqual(Array.from(g2.dataSync()), [2, 0, 0]);
    tf.dispose([x, g, g2]);
  });
});

describe('differentiable rollout through a dynamics ensemble', () => {
  const policySpec: MlpSpec = {
    sizes: [3, 8, 1],
    activation: 'tanh',
    outputActivation: 'identity',
    bias: true,
  };

  function smallModel(): DynamicsEnsemble {
    const model = new DynamicsEnsemble(3, 1, new RNG(1), {
      ...DYNAMICS_DEFAULTS,
      hidden: [16],
      maxEpochs: 5,
    });
    // A fit sets the normalisation; the data: a noisy linear system.
    const rng = new RNG(2);
    const n = 200;
    const s = Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
    const a = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const s2 = s.map((v, i) => 0.9 * v + 0.1 * a[Math.floor(i / 3)]!);
    model.fit({ states: s, actions: a, nextStates: s2 }, new RNG(3));
    return model;
  }

  it('the loss gradient w.r.t. the policy parameters matches finite differences (mean and per-member)', () => {
    const model = smallModel();
    const theta = initMlp(policySpec, new RNG(4), { scheme: 'torch' });
    const start = tf.tensor2d([
      [0.2, -0.1, 0.4],
      [-0.3, 0.5, 0.1],
    ]);
    for (const perMember of [false, true]) {
      // Perturb the first weight matrix; the others stay fixed.
      const loss = (w: tf.Tensor) => {
        const r = rolloutThroughModel({
          model,
          start,
          horizon: 6,
          perMember,
          act: (st) => clamp(mlp([w, ...theta.slice(1)], st, policySpec), -1, 1),
        });
        return r.states.square().mean() as tf.Scalar;
      };
      const { analytic, numeric } = directionalCheck(loss, theta[0]!, 5, 1e-3);
      assert.ok(
        Math.abs(analytic - numeric) <= 2e-3 * Math.max(1, Math.abs(numeric)),
        `perMember=${perMember}: analytic ${analytic} vs numeric ${numeric}`,
      );
    }
    const shapes = tf.tidy(() => {
      const r = rolloutThroughModel({
        model,
        start,
        horizon: 4,
        perMember: true,
        act: (st) => mlp(theta, st, policySpec),
      });
      return [r.states.shape, r.actions.shape];
    });
    assert.deepEqual(shapes, [
      [2, 3, 5, 3],
      [2, 3, 4, 1],
    ]);
    assert.throws(
      () => rolloutThroughModel({ model, start, horizon: 0, act: (st) => st }),
      /horizon must be an integer >= 1/,
    );
    assert.throws(
      () =>
        tf.tidy(() => rolloutThroughModel({ model, start, horizon: 2, act: (st) => st }).states),
      /act must return \[2, 1\] actions, got \[2, 3\]/,
    );
    tf.dispose([...theta, start]);
    model.dispose();
  });

  it('does not leak tensors across rollouts and gradients', () => {
    const model = smallModel();
    const theta = tileParams(initMlp(policySpec, new RNG(4), { scheme: 'torch' }), 2);
    const start = tf.tensor2d([
      [0.2, -0.1, 0.4],
      [-0.3, 0.5, 0.1],
    ]);
    const step = () =>
      tf.tidy(() => {
        tf.grads(
          (...th: tf.Tensor[]) =>
            rolloutThroughModel({
              model,
              start,
              horizon: 5,
              perMember: true,
              act: (st) => mlp(th, st, policySpec),
            }).states.sum() as tf.Scalar,
        )(theta);
      });
    step();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, n);
    tf.dispose([...theta, start]);
    model.dispose();
  });

  it('with angleIndices, sees angles as (cos, sin): predictions are 2π-periodic in them', () => {
    const rng = new RNG(7);
    const n = 300;
    const states = Float32Array.from({ length: n * 2 }, (_, i) =>
      i % 2 ? rng.uniform(-1, 1) : rng.uniform(-Math.PI, Math.PI),
    );
    const actions = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const nextStates = states.map((v, i) =>
      i % 2 ? v + 0.1 * Math.sin(states[i - 1]!) : v + 0.05 * actions[i >> 1]!,
    );
    const model = new DynamicsEnsemble(2, 1, new RNG(8), {
      ...DYNAMICS_DEFAULTS,
      hidden: [16],
      maxEpochs: 5,
      angleIndices: [0],
    });
    model.fit({ states, actions, nextStates }, new RNG(9));
    assert.equal(model.inputSize, 4);
    const [a, b] = tf.tidy(() => {
      const u = tf.tensor2d([[0.3]]);
      const d = (q: number) =>
        model.nextStateMean(tf.tensor2d([[q, 0.2]]), u).sub(tf.tensor2d([[q, 0]]));
      return [d(0.7).dataSync(), d(0.7 + 2 * Math.PI).dataSync()];
    });
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(a![i]! - b![i]!) < 1e-4, `${a} vs ${b}`);
    assert.throws(
      () => new DynamicsEnsemble(2, 1, new RNG(0), { ...DYNAMICS_DEFAULTS, angleIndices: [2] }),
      /angleIndices must be state indices in \[0, 2\)/,
    );
    model.dispose();
  });

  it('round-trips the trained ensemble through JSON', () => {
    const model = smallModel();
    const copy = DynamicsEnsemble.fromJSON(JSON.parse(JSON.stringify(model.toJSON())), new RNG(0));
    const [a, b] = tf.tidy(() => {
      const s = tf.tensor2d([[0.1, 0.2, -0.3]]);
      const u = tf.tensor2d([[0.5]]);
      return [model.nextStateMean(s, u).dataSync(), copy.nextStateMean(s, u).dataSync()];
    });
    assert.deepEqual(Array.from(a!), Array.from(b!));
    assert.throws(() => DynamicsEnsemble.fromJSON({} as never, new RNG(0)), /stateSize/);
    model.dispose();
    copy.dispose();
  });
});

describe('simulator twins', () => {
  it('steps exactly as the Rapier car and its gradient matches finite differences', () => {
    const env = new RapierMountainCarContinuousEnv();
    const twin = mountainCarTwin(env.params);
    let [obs] = env.reset({ options: { low: -0.5, high: -0.5 } });
    let maxError = 0;
    for (let t = 0; t < 150; t++) {
      const u = Math.max(-1, Math.min(1, obs[1]!));
      const predicted = tf.tidy(() =>
        twin.step(tf.tensor2d([[obs[0]!, obs[1]!]]), tf.tensor2d([[u]])).dataSync(),
      );
      const [next, , terminated] = env.step([u]);
      maxError = Math.max(
        maxError,
        Math.abs(predicted[0]! - next[0]!),
        Math.abs(predicted[1]! - next[1]!),
      );
      obs = next;
      if (terminated) break;
    }
    // One step from the env's own (float32) state: only float32 rounding separates them.
    assert.ok(maxError < 1e-4, `max one-step error ${maxError}`);
    const [x1, v1] = integrateMountainCar(-0.5, 0, 1, env.params);
    assert.ok(x1 > -0.5 && v1 > 0, 'full throttle from the valley floor moves right');
    // The gradient of a 40-step rollout's final position w.r.t. a constant throttle.
    const final = (u: tf.Tensor) => {
      let s: tf.Tensor = tf.tensor2d([[-0.5, 0]]);
      for (let t = 0; t < 40; t++) s = twin.step(s, u);
      return s.slice([0, 0], [1, 1]).sum() as tf.Scalar;
    };
    const { analytic, numeric } = directionalCheck(final, tf.tensor2d([[0.3]]), 1, 1e-3);
    assert.ok(
      Math.abs(analytic - numeric) < 1e-3 * Math.max(1, Math.abs(numeric)),
      `${analytic} vs ${numeric}`,
    );
    env.close();
  });
});

describe('the reacher twin', () => {
  it('follows the Rapier reacher under full-range random actions and its gradient matches finite differences', () => {
    const env = new ReacherEnv();
    const twin = reacherTwin(env.params);
    const rng = new RNG(3);
    let worst = 0;
    for (let seed = 0; seed < 3; seed++) {
      env.reset({ seed });
      let s = Array.from(env.getState().subarray(0, 4));
      for (let t = 0; t < 50; t++) {
        // Small actions keep the arm off its joint limit (where the env's stop is approximate).
        const a = [rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)];
        env.step(a);
        s = Array.from(tf.tidy(() => twin.step(tf.tensor2d([s]), tf.tensor2d([a])).dataSync()));
        const real = env.getState();
        worst = Math.max(worst, Math.abs(real[0]! - s[0]!), Math.abs(real[1]! - s[1]!));
      }
    }
    // Open loop over 50 steps: the env's own emulation error (0.015 rad, see reacher.test.ts).
    assert.ok(worst < 0.05, `max joint-angle gap ${worst} rad`);
    const final = (a: tf.Tensor) => {
      let st: tf.Tensor = tf.tensor2d([[0.1, -0.2, 0, 0]]);
      for (let t = 0; t < 10; t++) st = twin.step(st, a);
      return st.slice([0, 0], [1, 2]).square().sum() as tf.Scalar;
    };
    const { analytic, numeric } = directionalCheck(final, tf.tensor2d([[0.01, -0.02]]), 2, 1e-4);
    assert.ok(
      Math.abs(analytic - numeric) < 1e-3 * Math.max(1, Math.abs(numeric)),
      `${analytic} vs ${numeric}`,
    );
    env.close();
  });
});

describe('rolloutLockstep', () => {
  it('records G envs stepped together and holds the state of a terminated env', () => {
    const envs = [new RapierMountainCarContinuousEnv(), new RapierMountainCarContinuousEnv()];
    const r = rolloutLockstep({
      envs,
      resets: [{ options: { low: 0.44, high: 0.44 } }, { options: { low: -0.5, high: -0.5 } }],
      horizon: 20,
      stateSize: 2,
      actionSize: 1,
      stateOf: (e) => e.getState(),
      act: () => [1, 1],
    });
    assert.ok(r.terminatedAt[0]! > 0, 'the car next to the goal reaches it');
    assert.equal(r.terminatedAt[1], -1);
    const T = r.terminatedAt[0]!;
    assert.equal(r.states[(T + 1) * 2], r.states[T * 2], 'held after termination');
    assert.equal(r.actions[T], 0, 'no action after termination');
    assert.throws(
      () =>
        rolloutLockstep({
          envs,
          resets: [{}],
          horizon: 1,
          stateSize: 2,
          actionSize: 1,
          stateOf: (e) => e.getState(),
          act: () => [1, 1],
        }),
      /one reset per env/,
    );
    for (const e of envs) e.close();
    const reacher = [new ReacherEnv()];
    assert.throws(
      () =>
        rolloutLockstep({
          envs: reacher,
          resets: [{ seed: 0 }],
          horizon: 2,
          stateSize: 4,
          actionSize: 2,
          stateOf: (e) => e.getState(),
          act: () => [0],
        }),
      /act must return 2 action values, got 1/,
    );
    reacher[0]!.close();
  });
});
