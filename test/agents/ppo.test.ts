import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { orthogonal } from '../../agents/actorCritic.js';
import { selectBackend } from '../../agents/index.js';
import { PgPolicy } from '../../agents/pgPolicy.js';
import {
  logStdCeiling,
  PolicyGradientTrainer,
  trainPolicyGradient,
} from '../../agents/pgTrainer.js';
import {
  gae,
  PG_DEFAULTS,
  type PgArgs,
  ppoLosses,
  wrapForPolicyGradient,
} from '../../agents/ppo.js';
import { squashBounds } from '../../agents/squash.js';
import {
  Box,
  Env,
  make,
  type ResetArgs,
  type ResetResult,
  RNG,
  register,
  registry,
  type StepResult,
} from '../../envs/index.js';

before(async () => {
  await selectBackend('wasm');
});

/** 4 updates of 2 envs × 64 steps, 2 minibatches × 2 epochs: a run that resumes in a second. */
const SMALL_RUN = {
  ...PG_DEFAULTS,
  totalTimesteps: 4 * 2 * 64,
  numEnvs: 2,
  numSteps: 64,
  numMinibatches: 2,
  updateEpochs: 2,
};

/** A metrics line without its wall-clock fields. */
const strip = (m: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(m).filter(([k]) => !k.startsWith('perf/') && k !== 'charts/SPS'),
  );

/** x ∈ [−1, 1] moves by 0.2·a; reward −x²; 10 steps. The best policy pushes toward 0. */
class CenterEnv extends Env<Float32Array, ArrayLike<number>> {
  observationSpace = new Box(-1, 1, [1]);
  actionSpace = new Box(-1, 1, [1]);
  private x = 0;
  override reset({ seed }: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(seed);
    this.x = this.npRandom.uniform(-1, 1);
    return [Float32Array.of(this.x), {}];
  }
  override step(a: ArrayLike<number>): StepResult<Float32Array> {
    this.x = Math.min(1, Math.max(-1, this.x + 0.2 * a[0]!));
    return [Float32Array.of(this.x), -this.x * this.x, false, false, {}];
  }
}
if (!registry.has('test/Center-v0'))
  register({ id: 'test/Center-v0', entryPoint: () => new CenterEnv(), maxEpisodeSteps: 10 });

/** Actions every {@link BoundsEnv} received, in order. */
const received: number[] = [];
/** Asymmetric action bounds [−2, 3] × [0, 1]; records each action it is sent; reward −a₀². */
class BoundsEnv extends Env<Float32Array, ArrayLike<number>> {
  observationSpace = new Box(-1, 1, [1]);
  actionSpace = new Box([-2, 0], [3, 1]);
  override reset({ seed }: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(seed);
    return [Float32Array.of(this.npRandom.uniform(-1, 1)), {}];
  }
  override step(a: ArrayLike<number>): StepResult<Float32Array> {
    received.push(a[0]!, a[1]!);
    return [Float32Array.of(this.npRandom.uniform(-1, 1)), -a[0]! * a[0]!, false, false, {}];
  }
}
if (!registry.has('test/Bounds-v0'))
  register({ id: 'test/Bounds-v0', entryPoint: () => new BoundsEnv(), maxEpisodeSteps: 5 });

/** 4 short PPO updates on the point task whose log-std moves as fast as Adam allows (sign of entCoef). */
function entropyDriven(entCoef: number): PgArgs {
  return {
    ...PG_DEFAULTS,
    totalTimesteps: 4 * 128,
    numEnvs: 2,
    numSteps: 64,
    numMinibatches: 2,
    learningRate: 0.05,
    entCoef,
  };
}

describe('policy gradient pieces', () => {
  it('GAE matches a hand computation', () => {
    // One env, 3 steps, γ = 0.9, λ = 0.8; the episode ends after step 1 (obs 2 starts a new one).
    const { advantages, returns } = gae([1, 2, 3], [0.5, 1, 1.5], [0, 0, 1], [2], [0], 1, 0.9, 0.8);
    const d2 = 3 + 0.9 * 2 - 1.5; // bootstraps from the next value
    const d1 = 2 + 0 - 1; // next obs starts a new episode: no bootstrap
    const d0 = 1 + 0.9 * 1 - 0.5;
    const expected = [d0 + 0.9 * 0.8 * d1, d1, d2];
    for (const [i, v] of expected.entries())
      assert.ok(Math.abs(advantages[i]! - v) < 1e-12, `A${i}`);
    assert.ok(Math.abs(returns[0]! - (expected[0]! + 0.5)) < 1e-12);
  });

  it("PPO's clipped losses match hand-computed values", () => {
    const oldLogp = tf.tensor1d([0, 0]);
    const newLogp = tf.tensor1d([Math.log(1.5), Math.log(0.5)]); // ratios 1.5, 0.5
    const adv = tf.tensor1d([1, 1]);
    const r = ppoLosses(
      newLogp,
      oldLogp,
      adv,
      tf.tensor1d([2, 0]),
      tf.tensor1d([1, 0]),
      tf.tensor1d([0, 0]),
      0.2,
      true,
    );
    // max(−A·r, −A·clip(r)) = max(−1.5, −1.2) = −1.2 and max(−0.5, −0.8) = −0.5 → mean −0.85
    assert.ok(Math.abs(r.pgLoss.dataSync()[0]! + 0.85) < 1e-6);
    // value: max((2−0)², (1 + clip(1, ±0.2) − 0)²) = max(4, 1.44) = 4 and 0 → 0.5·mean = 1
    assert.ok(Math.abs(r.vLoss.dataSync()[0]! - 1) < 1e-6);
    assert.equal(r.clipFrac.dataSync()[0], 1);
  });

  it('orthogonal init has orthonormal columns times the gain', () => {
    const m = orthogonal(5, 3, 2, new RNG(0));
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let d = 0;
        for (let r = 0; r < 5; r++) d += m[r * 3 + a]! * m[r * 3 + b]!;
        assert.ok(Math.abs(d - (a === b ? 4 : 0)) < 1e-5);
      }
    }
  });

  it('PPO learns to center a point within seconds', () => {
    const returns: number[] = [];
    const agent = trainPolicyGradient(
      'test/Center-v0',
      {
        ...PG_DEFAULTS,
        totalTimesteps: 8192,
        numEnvs: 4,
        numSteps: 128,
        numMinibatches: 4,
        updateEpochs: 4,
        learningRate: 3e-3,
      },
      0,
      (_u, m) => {
        if (m['charts/episodic_return'] !== undefined) returns.push(m['charts/episodic_return']);
      },
    );
    const first = returns.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const last = returns.slice(-3).reduce((a, b) => a + b, 0) / 3;
    // Raw episodic returns (RecordEpisodeStatistics sits below the reward normalisation).
    assert.ok(last > first, `episodic return ${first.toFixed(3)} → ${last.toFixed(3)}`);
    // The mean action pushes toward the centre from either side (observations are normalised).
    const mean = tf.tidy(() => {
      const params = agent.tensors();
      return agent.forward(params, tf.tensor2d([[1.5], [-1.5]])).mean.dataSync();
    });
    assert.ok(mean[0]! < 0 && mean[1]! > 0, `mean actions ${Array.from(mean)}`);
  });

  it('gSDE held per episode (sdeSampleFreq 0) resumes bit-exactly: its matrices are in the state', () => {
    const args = {
      ...SMALL_RUN,
      sde: true,
      sdeSampleFreq: 0,
      logStdInit: -1,
    };
    // 50-step episodes: matrices are redrawn mid-rollout and carried across updates.
    const id = 'rapier/Reacher-v1';
    const a = new PolicyGradientTrainer(id, args, 4);
    a.update();
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    assert.equal(saved.exploration.length, 2 * 64 * 2);
    const straight = [strip(a.update()), strip(a.update())];
    const b = PolicyGradientTrainer.fromJSON(saved, id, args, 4);
    assert.deepEqual([strip(b.update()), strip(b.update())], straight);
    assert.deepEqual(b.agent.theta, a.agent.theta);
    assert.throws(
      () => PolicyGradientTrainer.fromJSON({ ...saved, exploration: [1] }, id, args, 4),
      /exploration must hold 256 finite numbers/,
    );
    a.dispose();
    b.dispose();
  });

  it('the log-std floor holds the learned log-std at or above it', () => {
    // A negative entropy coefficient drives the log-std down as fast as Adam allows.
    const args = entropyDriven(-1);
    const free = trainPolicyGradient('test/Center-v0', args, 0, () => {});
    assert.ok(
      free.logStd.every((l) => l < -0.3),
      `without a floor: ${Array.from(free.logStd)}`,
    );
    const floored = trainPolicyGradient(
      'test/Center-v0',
      { ...args, logStdMin: -0.3 },
      0,
      () => {},
    );
    assert.deepEqual(Array.from(floored.logStd), [Math.fround(-0.3)]);
  });

  it('the log-std ceiling falls linearly from the initial log-std to logStdEnd and binds after each update', () => {
    const schedule = { ...PG_DEFAULTS, logStdInit: -1, logStdEnd: -3 };
    assert.equal(logStdCeiling(schedule, 1, 5), -1);
    assert.equal(logStdCeiling(schedule, 3, 5), -2);
    assert.equal(logStdCeiling(schedule, 5, 5), -3);
    assert.equal(logStdCeiling(schedule, 1, 1), -3);
    // Held at the initial log-std for the first half of the updates, then falling.
    const late = { ...schedule, logStdDecayStart: 0.5 };
    assert.equal(logStdCeiling(late, 3, 5), -1);
    assert.equal(logStdCeiling(late, 4, 5), -2);
    assert.equal(logStdCeiling(late, 5, 5), -3);
    assert.throws(
      () => new PolicyGradientTrainer('test/Center-v0', { ...schedule, logStdDecayStart: 1 }, 0),
      /logStdDecayStart .* must be in \[0, 1\), got 1/,
    );
    // The default (and any end at or above the initial log-std) is no ceiling.
    assert.equal(logStdCeiling(PG_DEFAULTS, 1, 5), Number.POSITIVE_INFINITY);
    assert.equal(logStdCeiling({ ...schedule, logStdEnd: -1 }, 3, 5), Number.POSITIVE_INFINITY);
    // A positive entropy coefficient drives the log-std up as fast as Adam allows.
    const args = entropyDriven(1);
    const free = trainPolicyGradient('test/Center-v0', args, 0, () => {});
    assert.ok(
      free.logStd.every((l) => l > 0.3),
      `without a ceiling: ${Array.from(free.logStd)}`,
    );
    const trainer = new PolicyGradientTrainer('test/Center-v0', { ...args, logStdEnd: -0.6 }, 0);
    const seen: number[] = [];
    for (let u = 0; u < trainer.numUpdates; u++) {
      trainer.update();
      seen.push(trainer.agent.logStd[0]!);
    }
    // 4 updates: the ceiling is 0, −0.2, −0.4, −0.6 after each.
    assert.deepEqual(
      seen,
      [0, -0.2, -0.4, -0.6].map((c) => Math.fround(c)),
    );
    trainer.dispose();
  });

  it('with the return trigger the ceiling waits for a training return of logStdDecayReturn, then falls over the updates left', () => {
    const trigger = {
      ...PG_DEFAULTS,
      logStdInit: -1,
      logStdEnd: -3,
      logStdDecayTrigger: 'return' as const,
    };
    // Not triggered yet: the initial log-std, whatever the schedule says.
    assert.equal(logStdCeiling(trigger, 5, 5), -1);
    // Triggered by update 3 of 5: held through 3, then −2 at 4 and −3 at the last.
    assert.equal(logStdCeiling(trigger, 3, 5, 3), -1);
    assert.equal(logStdCeiling(trigger, 4, 5, 3), -2);
    assert.equal(logStdCeiling(trigger, 5, 5, 3), -3);
    // The later of the schedule's start and the trigger: 0.75 of the updates here.
    const late = { ...trigger, logStdDecayStart: 0.75 };
    assert.equal(logStdCeiling(late, 4, 5, 2), -1);
    assert.equal(logStdCeiling(late, 5, 5, 2), -3);
    assert.throws(
      () =>
        new PolicyGradientTrainer(
          'test/Center-v0',
          { ...trigger, logStdDecayTrigger: 'soon' as never },
          0,
        ),
      /logStdDecayTrigger must be 'schedule' or 'return'/,
    );

    // In training: the entropy bonus pushes the log-std up to the ceiling after every update.
    const args = { ...entropyDriven(1), logStdEnd: -0.6, logStdDecayTrigger: 'return' as const };
    const run = (threshold: number) => {
      const trainer = new PolicyGradientTrainer(
        'test/Center-v0',
        { ...args, logStdDecayReturn: threshold },
        0,
      );
      const returns: number[] = [];
      const logStd: number[] = [];
      for (let u = 0; u < trainer.numUpdates; u++) {
        returns.push(trainer.update()['charts/episodic_return']!);
        logStd.push(trainer.agent.logStd[0]!);
      }
      const from = trainer.logStdDecayFrom;
      trainer.dispose();
      return { returns, logStd, from };
    };
    // Rewards are −x² ≤ 0: a return of 1 is never reached, so the noise never narrows.
    const never = run(1);
    assert.deepEqual(never.logStd, [0, 0, 0, 0]);
    assert.equal(never.from, undefined);
    // The threshold of update 3's return: the fall starts after the first update reaching it
    // (the runs agree until then), and is −0.6 at the last update.
    const threshold = never.returns[2]!;
    const first = never.returns.findIndex((r) => r >= threshold) + 1;
    const triggered = run(threshold);
    assert.equal(triggered.from, first);
    assert.deepEqual(triggered.returns.slice(0, first), never.returns.slice(0, first));
    const p0 = (first - 1) / 3;
    assert.deepEqual(
      triggered.logStd,
      [1, 2, 3, 4].map((u) => {
        const p = (u - 1) / 3;
        return Math.fround(p <= p0 ? 0 : (-0.6 * (p - p0)) / (1 - p0));
      }),
    );
    assert.equal(triggered.logStd[3], Math.fround(-0.6));
  });

  it('the return trigger is in the trainer state: a run saved after it resumes bit-exactly', () => {
    const args = {
      ...SMALL_RUN,
      logStdInit: -0.5,
      logStdEnd: -2,
      logStdDecayTrigger: 'return' as const,
      logStdDecayReturn: -1e9,
    };
    const id = 'rapier/Reacher-v1';
    const a = new PolicyGradientTrainer(id, args, 3);
    a.update();
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    assert.equal(saved.logStdDecayFrom, 1);
    const straight = [strip(a.update()), strip(a.update())];
    const b = PolicyGradientTrainer.fromJSON(saved, id, args, 3);
    assert.deepEqual([strip(b.update()), strip(b.update())], straight);
    assert.ok(straight[1]!['charts/log_std_ceiling']! < -0.5);
    assert.throws(
      () => PolicyGradientTrainer.fromJSON({ ...saved, logStdDecayFrom: 5 }, id, args, 3),
      /logStdDecayFrom must be an update done \(1…1\), got 5/,
    );
    a.dispose();
    b.dispose();
  });

  it('without observation normalisation the exported policy reads raw observations', () => {
    const args = {
      ...PG_DEFAULTS,
      totalTimesteps: 2 * 64,
      numEnvs: 2,
      numSteps: 32,
      numMinibatches: 2,
      normObs: false,
    };
    const trainer = new PolicyGradientTrainer('test/Center-v0', args, 3);
    trainer.update();
    const file = trainer.exportPolicy();
    assert.deepEqual(file.obsMean, [0]);
    const raw = [0.3, -0.7];
    const expected = tf.tidy(() =>
      trainer.agent.forward(trainer.agent.tensors(), tf.tensor2d(raw, [2, 1])).mean.dataSync(),
    );
    const got = new PgPolicy(file).act(raw);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-5);
    trainer.dispose();
  });

  it('REINFORCE with a baseline also improves on the point task', () => {
    const returns: number[] = [];
    trainPolicyGradient(
      'test/Center-v0',
      {
        ...PG_DEFAULTS,
        algo: 'reinforce',
        totalTimesteps: 8192,
        numEnvs: 8,
        numSteps: 64,
        learningRate: 1e-2,
      },
      1,
      (_u, m) => {
        if (m['charts/episodic_return'] !== undefined) returns.push(m['charts/episodic_return']);
      },
    );
    const first = returns.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const last = returns.slice(-3).reduce((a, b) => a + b, 0) / 3;
    assert.ok(last > first, `episodic return ${first.toFixed(3)} → ${last.toFixed(3)}`);
  });

  it('a trainer saved to JSON mid-run resumes bit-exactly, and the exported policy acts as its actor', () => {
    const args = SMALL_RUN;
    const id = 'rapier/MountainCarContinuous-v0';
    const before = tf.memory().numTensors;
    const a = new PolicyGradientTrainer(id, args, 5);
    a.update();
    a.update();
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    const straight = [strip(a.update()), strip(a.update())];
    const b = PolicyGradientTrainer.fromJSON(saved, id, args, 5);
    const resumed = [strip(b.update()), strip(b.update())];
    assert.deepEqual(resumed, straight);
    assert.deepEqual(b.agent.theta, a.agent.theta);
    // The exported policy normalises raw observations as the env stack did.
    const policy = new PgPolicy(JSON.parse(JSON.stringify(a.exportPolicy())));
    const raw = [-0.5, 0.01, -1.1, -0.03];
    const file = policy.file;
    const normed = raw.map((x, i) =>
      Math.min(
        10,
        Math.max(-10, (x - file.obsMean[i % 2]!) / Math.sqrt(file.obsVar[i % 2]! + 1e-8)),
      ),
    );
    const expected = tf.tidy(() =>
      a.agent.forward(a.agent.tensors(), tf.tensor2d(normed, [2, 2])).mean.dataSync(),
    );
    const got = policy.act(raw);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-5);
    assert.throws(
      () =>
        PolicyGradientTrainer.fromJSON({ ...saved, params: saved.params.slice(1) }, id, args, 5),
      /parameter tensors|shape/,
    );
    assert.throws(() => new PgPolicy({ ...file, obsVar: [1] }), /wrong size/);
    policy.dispose();
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives the trainers and the policy');
  });

  it('squashed actions: the env gets low + (tanh(u) + 1)/2·(high − low) of the stored u, and so does the exported policy', () => {
    const args = { ...SMALL_RUN, totalTimesteps: 2 * 64, squash: true, logStdInit: 1 };
    received.length = 0;
    const trainer = new PolicyGradientTrainer('test/Bounds-v0', args, 2);
    trainer.update();
    // The rollout stores the Gaussian's samples u (step-major, [T × N × A]); the env saw them squashed.
    const u = (trainer as unknown as { rollout: { act: Float32Array } }).rollout.act;
    assert.equal(received.length, u.length);
    const expected = Array.from(u, (x, i) => {
      const [lo, hi] = i % 2 === 0 ? [-2, 3] : [0, 1];
      return Math.fround(lo + 0.5 * (Math.tanh(x) + 1) * (hi - lo));
    });
    assert.deepEqual(received, expected);
    // σ = e: many samples fall past the bounds, none of the env's actions do.
    assert.ok(u.some((x, i) => (i % 2 === 0 ? x < -2 || x > 3 : x < 0 || x > 1)));
    assert.ok(received.every((a, i) => (i % 2 === 0 ? a >= -2 && a <= 3 : a >= 0 && a <= 1)));
    const file = trainer.exportPolicy();
    assert.deepEqual(file.squash, { low: [-2, 0], high: [3, 1] });
    const raw = [0.4];
    const mean = tf.tidy(() =>
      trainer.agent
        .forward(
          trainer.agent.tensors(),
          tf.tensor2d([[(0.4 - file.obsMean[0]!) / Math.sqrt(file.obsVar[0]! + 1e-8)]]),
        )
        .mean.dataSync(),
    );
    const got = new PgPolicy(file).act(raw);
    assert.ok(Math.abs(got[0]! - (-2 + 2.5 * (Math.tanh(mean[0]!) + 1))) < 1e-5);
    assert.ok(Math.abs(got[1]! - 0.5 * (Math.tanh(mean[1]!) + 1)) < 1e-5);
    assert.throws(
      () => new PgPolicy({ ...file, squash: { low: [3, 0], high: [-2, 1] } }),
      /squash must hold/,
    );
    trainer.dispose();
    assert.throws(() => squashBounds(new Box(-Infinity, 1, [1])), /need a bounded Box/);
    // The squashing wrapper checks what it is sent, as ClipAction does.
    const env = wrapForPolicyGradient(make('test/Bounds-v0'), 0.99, { ...args, squash: true });
    env.reset({ seed: 0 });
    assert.throws(() => env.step([0.1]), /squashed actions: the action must have 2 element/);
    assert.throws(() => env.step([0.1, Number.NaN]), /action element 1 is NaN/);
    env.close();
  });
});
