import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../agents/index.js';
import { RNG } from '../../envs/index.js';
import {
  bestPpoCurve,
  CAR_PG_TASK,
  initLearnedLoss,
  initPgPolicies,
  learnedPolicyLoss,
  makePgEnvs,
  meanSamplesToTarget,
  metaGradient,
  normalisedAdvantages,
  type PgMethodCurve,
  type PgRollouts,
  type PgTask,
  pgLossSpec,
  pgMetaStep,
  pgTestMethods,
  policyLogProb,
  policyParts,
  REACHER_PG_TASK,
  reinforceLoss,
  rolloutPgPolicies,
  rolloutTensors,
  stdLogit,
  trainPgPolicies,
  withLearnedStd,
} from '../../ml3/index.js';

before(async () => {
  await selectBackend('wasm');
});

/**
 * 2 reacher tasks of 6 steps with K = 3 episodes each: envs, policies, a learned loss; with
 * `learnStd`, the policies learn their σ.
 */
function smallReacher(seed: number, learnStd = false) {
  const task: PgTask = withLearnedStd({ ...REACHER_PG_TASK, horizon: 6 }, learnStd);
  const G = 2;
  const K = 3;
  const rng = new RNG(seed);
  const envs = makePgEnvs(task, G * K);
  const theta = initPgPolicies(task, G, rng);
  const phi = initLearnedLoss(pgLossSpec(task), rng, { biasInit: 0.1 });
  const options = [task.sampleTask(rng), task.sampleTask(rng)];
  return { task, K, rng, envs, theta, phi, options };
}

describe('model-free ML3 (learned policy losses)', () => {
  it('advantages: discounted returns-to-go minus the per-step mean over episodes, over the std', () => {
    // One task, two episodes of 2 steps, γ = 0.5; the second episode ends after its first step.
    const adv = normalisedAdvantages([1, 2, 3, 0], [1, 1, 1, 0], 1, 2, 2, 0.5);
    // returns-to-go: ep0 [1 + 0.5·2, 2] = [2, 2]; ep1 [3, 0]. Per-step means: [2.5, 1].
    const raw = [2 - 2.5, 2 - 1, 3 - 2.5]; // the masked step is left out
    const m = raw.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(raw.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
    const expected = [raw[0]! / std, raw[1]! / std, raw[2]! / std, 0];
    for (const [i, v] of expected.entries())
      assert.ok(Math.abs(adv[i]! - v) < 1e-6, `A${i}: ${adv[i]} vs ${v}`);
  });

  for (const [base, learnStd] of [
    ['none', false],
    ['reinforce', false],
    ['reinforce', true],
  ] as const) {
    it(`the meta-gradient through the inner PG step matches finite differences (base ${base}${learnStd ? ', learned σ' : ''})`, () => {
      const { task, K, rng, envs, theta, phi, options } = smallReacher(4, learnStd);
      const before = rolloutPgPolicies(task, envs, theta, options, K, rng);
      const after = rolloutPgPolicies(task, envs, theta, options, K, rng);
      const objective = (p: tf.Tensor[]) =>
        metaGradient({
          phi: p,
          theta0: theta,
          innerSteps: 1,
          innerGradClip: 0,
          innerLr: 0.1,
          innerLoss: (th, ph) => learnedPolicyLoss(task, th, ph, before, base),
          taskLoss: (th) => reinforceLoss(task, th, after),
        });
      const r = objective(phi);
      // One random direction per parameter tensor (the output bias cannot change ∇θ M: its
      // meta-gradient is 0), central differences of L_T(θ'(φ + ε d)).
      const dirRng = new RNG(9);
      for (let t = 0; t + 1 < phi.length; t++) {
        const d = tf.tensor(
          Float32Array.from({ length: phi[t]!.size }, () => dirRng.normal()),
          phi[t]!.shape,
        );
        const dNorm = Math.sqrt(tf.tidy(() => d.square().sum().dataSync()[0]!));
        const analytic = tf.tidy(() => r.grads[t]!.mul(d).sum().dataSync()[0]!) / dNorm;
        const eps = 2e-2;
        const at = (s: number) => {
          const shifted = phi.map((p, i) => (i === t ? p.add(d.mul(s / dNorm)) : p));
          const o = objective(shifted);
          for (const x of [...o.grads, ...o.adapted]) x.dispose();
          shifted[t]!.dispose();
          return o.taskLoss;
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        assert.ok(
          Math.abs(analytic - fd) <= 0.03 * Math.abs(fd) + 1e-4,
          `φ[${t}]: analytic ${analytic} vs finite difference ${fd}`,
        );
        assert.ok(Math.abs(fd) > 1e-4, `φ[${t}] moves the task loss`);
        d.dispose();
      }
      for (const x of [...r.grads, ...r.adapted, ...theta, ...phi]) x.dispose();
      for (const env of envs) env.close();
    });
  }

  it('a learned σ: θ ends with log σ per policy, episodes are drawn at each policy’s σ, and every loss reaches it', () => {
    const { task, K, rng, envs, theta, phi, options } = smallReacher(6, true);
    assert.deepEqual(theta.at(-1)!.shape, [2, 1, 2]);
    const initial = tf.tidy(() => (policyParts(task, theta).logStd as tf.Tensor).dataSync()[0]!);
    assert.ok(Math.abs(initial - Math.log(task.actionStd)) < 1e-5, `log σ₀ ${initial}`);
    assert.equal(pgLossSpec(task).inputs.length, pgLossSpec(REACHER_PG_TASK).inputs.length + 2);
    // Policy 0 pushed far below the floor (σ = 0.05), policy 1 at σ = 0.5: the spread follows.
    const rho = [-30, -30, stdLogit(0.5), stdLogit(0.5)];
    const moved = [...theta.slice(0, -1), tf.tensor3d(rho, [2, 1, 2])];
    const r = rolloutPgPolicies(task, envs, moved, options, K, rng);
    const spread = tf.tidy(() => {
      const x = rolloutTensors(task, r);
      const { mu } = policyLogProb(task, moved, x);
      return Array.from(x.actions.sub(mu).mul(x.mask).square().mean([1, 2]).sqrt().dataSync());
    });
    assert.ok(spread[0]! > 0.03 && spread[0]! < 0.07, `σ at the floor 0.05: spread ${spread[0]}`);
    assert.ok(spread[1]! > 0.3 && spread[1]! < 0.7, `σ 0.5: spread ${spread[1]}`);
    // Every loss has a gradient for log σ: the learned loss, REINFORCE (through log π).
    for (const loss of [
      (...th: tf.Tensor[]) => learnedPolicyLoss(task, th, phi, r, 'none'),
      (...th: tf.Tensor[]) => reinforceLoss(task, th, r),
    ]) {
      const g = tf.tidy(() => tf.grads(loss)(moved).at(-1)!.abs().max().dataSync()[0]!);
      assert.ok(g > 0, 'log σ gets a gradient');
    }
    for (const t of [...theta, ...phi, moved.at(-1)!]) t.dispose();
    for (const env of envs) env.close();
  });

  it('meta-test with a learned σ: every method learns it from σ₀, the curve records it, no tensor leaks', () => {
    const task = withLearnedStd({ ...REACHER_PG_TASK, horizon: 8 }, true);
    const phi = initLearnedLoss(pgLossSpec(task), new RNG(1), { biasInit: 0.1 });
    const options = [task.sampleTask(new RNG(2)), task.sampleTask(new RNG(3))];
    const before = tf.memory().numTensors;
    for (const method of [
      { kind: 'learned', phi, base: 'reinforce', lr: 0.1, clip: 0 },
      { kind: 'reinforce', lr: 0.1, optimizer: 'sgd' },
      { kind: 'ppo', lr: 1e-2, epochs: 2, clipCoef: 0.2 },
    ] as const) {
      const run = () =>
        trainPgPolicies({
          task,
          method,
          taskOptions: options,
          episodesPerTask: 2,
          iterations: 3,
          initRng: new RNG(3),
          rng: new RNG(4),
        });
      const curve = run();
      assert.deepEqual(run(), curve, `${method.kind}: same seed, same curve`);
      assert.ok(Math.abs(curve.actionStd[0]! - task.actionStd) < 1e-6, `${curve.actionStd[0]}`);
      assert.ok(
        curve.actionStd.slice(1).every((s) => s !== curve.actionStd[0]),
        method.kind,
      );
      assert.ok(
        curve.actionStd.every((s) => s >= 0.05 - 1e-6 && s <= 1),
        'σ within its range',
      );
    }
    assert.equal(tf.memory().numTensors, before);
    for (const t of phi) t.dispose();
  });

  it('K = 2 inner steps: each step learns on episodes of the policy it updates, the outer loss on those of θ_2', () => {
    const { task, K, envs, theta, phi, options } = smallReacher(5);
    const alpha = 0.1;
    const base = 'reinforce';
    const tensorsBefore = tf.memory().numTensors;
    const r = pgMetaStep({
      task,
      envs,
      phi,
      theta,
      taskOptions: options,
      episodesPerTask: K,
      innerSteps: 2,
      innerLr: alpha,
      innerClip: 0,
      base,
      extra: false,
      rng: new RNG(11),
    });
    // The same by hand: the episodes come from one RNG stream in the order θ₀, θ₁, θ₂.
    const replay = new RNG(11);
    const step = (th: tf.Tensor[], data: PgRollouts) =>
      tf.tidy(() => {
        const g = tf.grads((...t: tf.Tensor[]) => learnedPolicyLoss(task, t, phi, data, base))(th);
        return th.map((t, i) => t.sub(g[i]!.mul(alpha)));
      });
    const e0 = rolloutPgPolicies(task, envs, theta, options, K, replay);
    const theta1 = step(theta, e0);
    const e1 = rolloutPgPolicies(task, envs, theta1, options, K, replay);
    const theta2 = step(theta1, e1);
    const e2 = rolloutPgPolicies(task, envs, theta2, options, K, replay);
    assert.deepEqual(Array.from(r.before.returns), Array.from(e0.returns));
    assert.deepEqual(Array.from(r.after.returns), Array.from(e2.returns));
    assert.notDeepEqual(Array.from(e1.returns), Array.from(e0.returns));
    for (const [i, t] of theta2.entries()) {
      const diff = tf.tidy(() => t.sub(r.adapted[i]!).abs().max().dataSync()[0]!);
      assert.ok(diff < 1e-6, `θ_2[${i}] differs by ${diff}`);
    }
    const outer = tf.tidy(() => reinforceLoss(task, theta2, e2).dataSync()[0]!);
    assert.ok(Math.abs(r.taskLoss - outer) < 1e-5, `${r.taskLoss} vs ${outer}`);
    assert.ok(r.grads.some((g) => tf.tidy(() => g.abs().max().dataSync()[0]!) > 0));
    for (const x of [...r.grads, ...r.adapted, ...theta1, ...theta2]) x.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore);
    for (const x of [...theta, ...phi]) x.dispose();
    for (const env of envs) env.close();
  });

  it('meta-test training is deterministic per seed, leaks no tensors, and counts env steps', () => {
    const task: PgTask = { ...CAR_PG_TASK, horizon: 20 };
    const phi = initLearnedLoss(pgLossSpec(task), new RNG(1));
    const options = [task.sampleTask(new RNG(2))];
    const before = tf.memory().numTensors;
    const run = (kind: 'learned' | 'ppo') =>
      trainPgPolicies({
        task,
        method:
          kind === 'learned'
            ? { kind, phi, base: 'none', lr: 0.1, clip: 0 }
            : { kind, lr: 1e-2, epochs: 2, clipCoef: 0.2 },
        taskOptions: options,
        episodesPerTask: 2,
        iterations: 3,
        initRng: new RNG(3),
        rng: new RNG(4),
      });
    for (const kind of ['learned', 'ppo'] as const) {
      const a = run(kind);
      assert.deepEqual(run(kind), a);
      assert.deepEqual(a.envSteps, [0, 40, 80, 120]); // 1 task × 2 episodes × 20 steps (no goal reached)
    }
    assert.equal(tf.memory().numTensors, before);
    for (const t of phi) t.dispose();
  });

  it("meta-test applies the learned loss's inner clip: a loose bound changes nothing, a tight one holds the policy still", () => {
    const task: PgTask = { ...CAR_PG_TASK, horizon: 20 };
    const phi = initLearnedLoss(pgLossSpec(task), new RNG(1));
    const options = [task.sampleTask(new RNG(2))];
    const run = (lr: number, clip: number) =>
      trainPgPolicies({
        task,
        method: { kind: 'learned', phi, base: 'none', lr, clip },
        taskOptions: options,
        episodesPerTask: 2,
        iterations: 3,
        initRng: new RNG(3),
        rng: new RNG(4),
      }).meanReturn;
    const plain = run(1, 0);
    const still = run(0, 0); // lr 0: θ never moves
    assert.notDeepEqual(plain, still, 'the learned loss moves the policy');
    assert.deepEqual(run(1, 1e9), plain);
    const tight = run(1, 1e-9);
    for (const [i, r] of tight.entries())
      assert.ok(Math.abs(r - still[i]!) < 1e-6, `${i}: ${r} vs ${still[i]}`);
    for (const t of phi) t.dispose();
  });
});

describe('model-free ML3 test: PPO at its best rate', () => {
  /** A method's curve over 3 seeds of 4 iterations of 100 env steps. */
  const curve = (
    method: string,
    samplesToTarget: (number | null)[],
    finalReturn = [0, 0, 0],
  ): PgMethodCurve => ({
    method,
    lr: 0,
    envSteps: [0, 100, 200, 300],
    meanReturn: [0, 0, 0, 0],
    stdReturn: [0, 0, 0, 0],
    terminatedFraction: [0, 0, 0, 0],
    actionStd: [0.2, 0.2, 0.2, 0.2],
    samplesToTarget,
    finalReturn,
  });

  it('PPO runs at 0.3, 1 and 3 times the baseline rate, named by rate', () => {
    const names = pgTestMethods({ baselineLr: 1e-2, innerLr: 0.1, ppoEpochs: 4 } as never).map(
      ({ name, method }) => `${name}:${method.lr}`,
    );
    assert.deepEqual(names, [
      'ml3:0.1',
      'reinforce-sgd:0.1',
      'reinforce-adam:0.01',
      'ppo-lr0.003:0.003',
      'ppo-lr0.01:0.01',
      'ppo-lr0.03:0.03',
    ]);
  });

  it('a seed that never reaches the target costs one iteration past the budget', () => {
    assert.equal(meanSamplesToTarget(curve('x', [100, 200, 300])), 200);
    assert.equal(meanSamplesToTarget(curve('x', [100, null, 200])), (100 + 401 + 200) / 3);
  });

  it('the best PPO needs the fewest mean samples; a tie goes to the higher final return', () => {
    const slow = curve('ppo-lr0.003', [300, 300, 300], [5, 5, 5]);
    const lucky = curve('ppo-lr0.01', [100, null, null], [1, 1, 1]); // mean (100 + 401 + 401) / 3
    const tie = curve('ppo-lr0.03', [300, 300, 300], [6, 6, 6]);
    const ml3 = curve('ml3', [0, 0, 0]); // not a PPO run: never chosen
    assert.equal(bestPpoCurve([ml3, slow, lucky, tie]).method, 'ppo-lr0.03');
    assert.equal(
      bestPpoCurve([ml3, slow, curve('ppo-lr0.01', [100, 100, 100])]).method,
      'ppo-lr0.01',
    );
    assert.throws(() => bestPpoCurve([ml3]), /no PPO curve/);
  });
});
