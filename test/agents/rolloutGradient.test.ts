import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  DYNAMICS_DEFAULTS,
  DynamicsEnsemble,
  mountainCarTwin,
  type Params,
  policyActor,
  reacherTwin,
  rolloutLoss,
  selectBackend,
  tileParams,
  twinDynamics,
} from '../../agents/index.js';
import { RapierMountainCarContinuousEnv, REACHER_DEFAULTS, RNG } from '../../envs/index.js';
import { carInitialPolicy } from '../../ml3/experiments/mountainCar/lossFile.js';
import { carModelTaskLoss, carPolicyActions } from '../../ml3/experiments/mountainCar/task.js';
import { carGoals } from '../../ml3/experiments/mountainCar/train.js';
import { reacherInitialPolicy } from '../../ml3/experiments/reacher/initialPolicies.js';
import type { ReacherObjective } from '../../ml3/experiments/reacher/objective.js';
import {
  REACHER_POLICY,
  reacherModelTaskLoss,
  reacherPolicyActions,
} from '../../ml3/experiments/reacher/task.js';

before(async () => {
  await selectBackend('wasm');
});

/** The value and θ-gradient of a scalar function of θ, as plain numbers. */
function valueAndGrads(f: (theta: tf.Tensor[]) => tf.Scalar, theta: Params) {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...th: tf.Tensor[]) => f(th))(theta);
    return { value: value.dataSync()[0]!, grads: grads.map((g) => Array.from(g.dataSync())) };
  });
}

/** {@link valueAndGrads} with the tensor rollouts (`ML3_ROLLOUT=tfjs`): the reference. */
function withTensorRollouts(f: (theta: tf.Tensor[]) => tf.Scalar, theta: Params) {
  process.env.ML3_ROLLOUT = 'tfjs';
  try {
    return valueAndGrads(f, theta);
  } finally {
    delete process.env.ML3_ROLLOUT;
  }
}

/** Asserts two value-and-gradient results agree to a relative tolerance (tfjs runs in float32). */
function assertClose(
  got: ReturnType<typeof valueAndGrads>,
  want: ReturnType<typeof valueAndGrads>,
  tol: number,
  what: string,
) {
  assert.ok(
    Math.abs(got.value - want.value) <= tol * Math.abs(want.value),
    `${what}: value ${got.value} vs ${want.value}`,
  );
  let norm = 0;
  let diff = 0;
  got.grads.forEach((g, i) => {
    const w = want.grads[i]!;
    assert.equal(g.length, w.length);
    g.forEach((x, j) => {
      norm += w[j]! ** 2;
      diff += (x - w[j]!) ** 2;
    });
  });
  assert.ok(norm > 0, `${what}: the reference gradient is zero`);
  assert.ok(
    Math.sqrt(diff / norm) <= tol,
    `${what}: gradient relative error ${Math.sqrt(diff / norm)}`,
  );
}

/** A policy perturbed off its initial weights, so that some actions saturate and others do not. */
function perturbed(theta: Params, seed: number, scale: number): Params {
  const rng = new RNG(seed);
  return theta.map((t) =>
    t.add(
      tf.tensor(
        Array.from({ length: t.size }, () => scale * rng.normal()),
        t.shape,
      ),
    ),
  );
}

/** A small ensemble fitted for a few epochs on random arm transitions (normalisation included). */
function fittedEnsemble(angles: boolean): DynamicsEnsemble {
  const rng = new RNG(3);
  const n = 400;
  const states = Float32Array.from({ length: n * 4 }, () => rng.uniform(-2, 2));
  const actions = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1, 1));
  const nextStates = states.map((s, i) => s + 0.05 * Math.sin(3 * s) + 0.02 * actions[i % 2]!);
  const model = new DynamicsEnsemble(4, 2, new RNG(4), {
    ...DYNAMICS_DEFAULTS,
    maxEpochs: 3,
    ...(angles ? { angleIndices: [0, 1] } : {}),
  });
  model.fit({ states, actions, nextStates }, rng);
  return model;
}

describe('rolloutLoss: a rollout loss with its gradient in plain JavaScript', () => {
  const G = 3;
  const H = 20;
  const makeGoals = () =>
    tf.tensor2d([
      [0.5, 1, 0, 0],
      [-1, 2, 0, 0],
      [2.5, -0.5, 0, 0],
    ]);
  const makeStart = () =>
    tf.tensor2d([
      [0.1, 0.2, 0.5, -1],
      [-2, 1.5, 0, 0.3],
      [3, -0.7, -2, 1],
    ]);
  const objectives: ReacherObjective[] = [
    { taskLoss: 'joint', wrapAngles: false },
    { taskLoss: 'joint-nearest', wrapAngles: true },
    { taskLoss: 'fingertip', wrapAngles: false },
  ];

  it('through the ensemble (members mean, per member, angles as cos/sin) equals tfjs autodiff of the tensor rollout', () => {
    const goals = makeGoals();
    const start = makeStart();
    const theta = perturbed(tileParams(reacherInitialPolicy(0), G), 1, 0.3);
    for (const angles of [false, true]) {
      const model = fittedEnsemble(angles);
      for (const perMember of [false, true]) {
        for (const objective of objectives) {
          const dynamics = { kind: 'ensemble' as const, model, perMember };
          const f = (th: tf.Tensor[]) =>
            reacherModelTaskLoss(dynamics, th, start, goals, H, objective);
          assertClose(
            valueAndGrads(f, theta),
            withTensorRollouts(f, theta),
            2e-4,
            `angles ${angles}, perMember ${perMember}, ${objective.taskLoss}`,
          );
        }
      }
      model.dispose();
    }
  });

  it("through the reacher's twin equals tfjs autodiff of the twin's tensor rollout", () => {
    const goals = makeGoals();
    const start = makeStart();
    const twin = reacherTwin(REACHER_DEFAULTS);
    const theta = perturbed(tileParams(reacherInitialPolicy(1), G), 2, 0.3);
    const f = (th: tf.Tensor[]) =>
      reacherModelTaskLoss({ kind: 'twin', twin }, th, start, goals, H);
    assertClose(valueAndGrads(f, theta), withTensorRollouts(f, theta), 2e-3, 'reacher twin');
  });

  it("through the car's twin, with the gradient through the states the policy reads, equals tfjs autodiff", () => {
    const env = new RapierMountainCarContinuousEnv();
    const twin = mountainCarTwin(env.params);
    const goals4 = carGoals({ extraGoalPosition: -0.93, extraSteps: 30 }, env);
    const carStart = tf.tensor2d([
      [-0.5, 0],
      [-0.45, 0.1],
      [-0.6, -0.2],
    ]);
    // Large weights: the throttle saturates at ±1 on some steps (the clamp's mask matters).
    const theta = perturbed(tileParams(carInitialPolicy(0), G), 5, 0.3);
    const saturated = tf.tidy(
      () => carPolicyActions(theta, carStart).abs().greaterEqual(1).any().dataSync()[0],
    );
    assert.equal(saturated, 1, 'some throttle is clamped at the start');
    for (const shaped of [false, true]) {
      const f = (th: tf.Tensor[]) => carModelTaskLoss(twin, th, carStart, 40, goals4, shaped);
      assertClose(valueAndGrads(f, theta), withTensorRollouts(f, theta), 2e-3, `car ${shaped}`);
    }
    env.close();
  });

  it('says what is wrong with a mismatched start, goal or horizon', () => {
    const goals = makeGoals();
    const start = makeStart();
    const theta = tileParams(reacherInitialPolicy(0), G);
    const twin = reacherTwin(REACHER_DEFAULTS);
    const args = {
      policy: REACHER_POLICY,
      dynamics: twinDynamics(twin),
      start: start.dataSync(),
      goals: goals.dataSync(),
      horizon: 5,
      detachPolicyInput: true,
      loss: (s: tf.Tensor3D) => s.sum() as tf.Scalar,
    };
    assert.throws(
      () => rolloutLoss(theta, { ...args, horizon: 0 }),
      /horizon must be an integer >= 1, got 0/,
    );
    assert.throws(
      () => rolloutLoss(theta, { ...args, start: [1, 2] }),
      /start must hold 3 × 4 states, got 2 values/,
    );
    assert.throws(
      () => rolloutLoss(theta, { ...args, goals: undefined }),
      /the policy reads 8 inputs: 4 state entries and 4 goal entries per policy, got 0 goal values for 3 policies/,
    );
  });
});

describe('policyActor: batched feedback policies in plain JavaScript', () => {
  it('acts as policyActions does (state then goal, scaled, clamped), one policy per row', () => {
    const G = 4;
    const theta = perturbed(tileParams(reacherInitialPolicy(2), G), 6, 0.5);
    const rng = new RNG(7);
    const states = Float32Array.from({ length: G * 4 }, () => rng.uniform(-3, 3));
    const goals = Float32Array.from({ length: G * 4 }, () => rng.uniform(-2, 2));
    const got = policyActor(theta, REACHER_POLICY, goals)(states);
    const want = tf.tidy(() =>
      reacherPolicyActions(
        theta,
        tf.tensor2d(states, [G, 4]),
        tf.tensor2d(goals, [G, 4]),
      ).dataSync(),
    );
    assert.equal(got.length, G * 2);
    got.forEach((a, i) => {
      assert.ok(Math.abs(a - want[i]!) < 1e-5, `action ${i}: ${a} vs ${want[i]}`);
    });
    assert.ok(
      got.some((a) => Math.abs(a) === 1),
      'some action is clamped',
    );
    assert.throws(
      () => policyActor(theta, REACHER_POLICY, goals)(states.subarray(0, 4)),
      /expected 4 × 4 states, got 4 values/,
    );
  });
});
