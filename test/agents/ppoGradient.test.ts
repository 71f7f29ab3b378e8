import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ActorCritic, minibatchObjective, SDE_EPSILON } from '../../agents/actorCritic.js';
import { selectBackend } from '../../agents/index.js';
import { gaussianLogProb, PG_DEFAULTS, type PgArgs } from '../../agents/ppo.js';
import { type Minibatch, PpoGradient, policyLogStd } from '../../agents/ppoGradient.js';
import { RNG } from '../../envs/index.js';

before(async () => {
  await selectBackend('wasm');
});

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log π(a|s) of the rows {@link randomMinibatch} draws (the same RNG stream), via tfjs. */
function currentLogProb(agent: ActorCritic, rows: number, O: number, A: number, seed: number) {
  const rng = new RNG(seed);
  const obs = Float32Array.from({ length: rows * O }, () => rng.normal());
  const act = Float32Array.from({ length: rows * A }, () => rng.normal());
  const params = agent.tensors();
  const logp = tf.tidy(() => {
    const f = agent.forward(params, tf.tensor2d(obs, [rows, O]));
    return gaussianLogProb(
      tf.tensor2d(act, [rows, A]),
      f.mean,
      f.logStd,
    ).dataSync() as Float32Array;
  });
  for (const t of params) t.dispose();
  return logp;
}

/** A random minibatch whose ratios (old log π = log π ± 0.3) straddle the clip range and whose values straddle oldV ± ε. */
function randomMinibatch(agent: ActorCritic, rows: number, seed: number): Minibatch {
  const rng = new RNG(seed);
  const O = agent.actorSpec.sizes[0]!;
  const A = agent.actorSpec.sizes.at(-1)!;
  return {
    obs: Float32Array.from({ length: rows * O }, () => rng.normal()),
    act: Float32Array.from({ length: rows * A }, () => rng.normal()),
    oldLogp: currentLogProb(agent, rows, O, A, seed).map((l) => l + rng.uniform(-0.3, 0.3)),
    adv: Float64Array.from({ length: rows }, () => rng.normal()),
    ret: Float64Array.from({ length: rows }, () => rng.normal()),
    oldV: Float64Array.from({ length: rows }, () => rng.uniform(-0.4, 0.4)),
  };
}

/** tfjs's gradient of `minibatchObjective` (advantages normalised as the trainer does). */
function referenceGradient(agent: ActorCritic, args: PgArgs, mb: Minibatch, rows: number) {
  const O = agent.actorSpec.sizes[0]!;
  const A = agent.actorSpec.sizes.at(-1)!;
  let adv = Array.from(mb.adv.subarray(0, rows));
  if (args.normAdv) {
    const mu = adv.reduce((s, x) => s + x, 0) / rows;
    const sd = Math.sqrt(adv.reduce((s, x) => s + (x - mu) ** 2, 0) / (rows - 1));
    adv = adv.map((x) => (x - mu) / (sd + 1e-8));
  }
  let diagnostics: number[] = [];
  const params = agent.tensors();
  const grads = tf.tidy(() => {
    const batch = {
      obs: tf.tensor2d(mb.obs.subarray(0, rows * O), [rows, O]),
      act: tf.tensor2d(mb.act.subarray(0, rows * A), [rows, A]),
      oldLogp: tf.tensor1d(mb.oldLogp.subarray(0, rows)),
      adv: tf.tensor1d(adv),
      ret: tf.tensor1d(Float32Array.from(mb.ret.subarray(0, rows))),
      oldV: tf.tensor1d(Float32Array.from(mb.oldV.subarray(0, rows))),
    };
    const g = tf.grads((...p: tf.Tensor[]) =>
      minibatchObjective(agent, args, p, batch, (d) => {
        diagnostics = Array.from(d);
      }),
    )(params);
    return g.map((t) => tf.keep(t));
  });
  const flat = Float64Array.from(grads.flatMap((g) => Array.from(g.dataSync())));
  for (const t of [...params, ...grads]) t.dispose();
  return { grad: flat, diagnostics };
}

describe('the plain-JS PPO gradient (ppoGradient.ts)', () => {
  const cases: [string, Partial<PgArgs>, boolean][] = [
    ['PPO, clipped value loss', {}, false],
    ['PPO, plain value loss, entropy bonus', { clipVloss: false, entCoef: 0.01 }, false],
    ['REINFORCE with a baseline', { algo: 'reinforce' }, false],
    ['PPO with gSDE and an entropy bonus', { entCoef: 0.05 }, true],
    ['PPO, raw advantages', { normAdv: false, clipCoef: 0.1 }, false],
  ];
  for (const [name, overrides, sde] of cases) {
    it(`equals tfjs's gradient of minibatchObjective: ${name}`, () => {
      const args = { ...PG_DEFAULTS, ...overrides };
      const rng = new RNG(11);
      const agent = new ActorCritic(3, 2, [8, 6], rng, { sde, logStdInit: -0.5 });
      // A non-uniform log-std, so every entry's gradient is distinct.
      agent.logStd.forEach((_, i) => {
        agent.logStd[i] = -0.5 + 0.1 * rng.normal();
      });
      // A larger actor head than CleanRL's 0.01 gain, so the mean's gradient is not tiny.
      const head = agent.views[4]!;
      head.forEach((_, i) => {
        head[i] = 0.5 * rng.normal();
      });
      const rows = 13;
      const mb = randomMinibatch(agent, rows, 12);
      const ref = referenceGradient(agent, args, mb, rows);
      const cpu = new PpoGradient(agent, rows);
      const d = cpu.compute(args, mb, rows);
      const got = [d.pg, d.v, d.ent, d.kl, d.clip];
      for (const [i, x] of got.entries())
        assert.ok(
          Math.abs(x - ref.diagnostics[i]!) < 1e-4,
          `diagnostic ${i}: ${x} vs ${ref.diagnostics[i]}`,
        );
      if (args.algo === 'ppo') assert.ok(d.clip > 0 && d.clip < 1, `clip fraction ${d.clip}`);
      assert.equal(cpu.grad.length, ref.grad.length);
      const scale = Math.max(...ref.grad.map(Math.abs));
      for (let i = 0; i < ref.grad.length; i++)
        assert.ok(
          Math.abs(cpu.grad[i]! - ref.grad[i]!) < 1e-4 * scale + 1e-6,
          `∂L/∂θ[${i}]: ${cpu.grad[i]} vs ${ref.grad[i]}`,
        );
    });
  }

  it('the entropy bonus lowers the loss gradient of every log-std by exactly entCoef', () => {
    const agent = new ActorCritic(3, 2, [8], new RNG(2));
    const mb = randomMinibatch(agent, 10, 3);
    const g0 = new PpoGradient(agent, 10);
    const g1 = new PpoGradient(agent, 10);
    const d0 = g0.compute(PG_DEFAULTS, mb, 10);
    const d1 = g1.compute({ ...PG_DEFAULTS, entCoef: 0.25 }, mb, 10);
    const n = agent.theta.length;
    // L = … − entCoef·H and ∂H/∂log σ_j = 1: the gradient descends toward more entropy.
    for (let i = 0; i < n; i++) {
      const expected = i >= n - 2 ? g0.grad[i]! - 0.25 : g0.grad[i]!;
      assert.ok(Math.abs(g1.grad[i]! - expected) < 1e-12, `θ[${i}]`);
    }
    // The reported entropy is the Gaussian's: Σ_j log σ_j + ½ + ½ log 2π (log σ = 0 here).
    assert.ok(Math.abs(d0.ent - 2 * (0.5 + HALF_LOG_2PI)) < 1e-12);
    assert.equal(d1.ent, d0.ent);
  });

  it("gSDE's std, log-probability and entropy match a hand computation", () => {
    // One observation x = 1, one hidden layer of 2 tanh units with known pre-activations, one
    // action: latent h = (tanh 0.5, tanh −0.8), σ = (0.3, 2), so var = h₁²·0.09 + h₂²·4 + ε.
    const agent = new ActorCritic(1, 1, [2], new RNG(0), { sde: true });
    const [h1, h2] = [Math.tanh(0.5), Math.tanh(-0.8)];
    agent.setParameters([
      [0.5, -0.8], // actor W0 [1 × 2]
      [0, 0], // b0
      [1.5, -2], // actor head W1 [2 × 1]
      [0.25], // b1
      [0, 0], // critic W0
      [0, 0],
      [0, 0], // critic W1
      [0],
      [Math.log(0.3), Math.log(2)], // log σ [2 × 1]
    ]);
    const variance = h1 * h1 * 0.09 + h2 * h2 * 4 + SDE_EPSILON;
    const std = Math.sqrt(variance);
    const out = new Float64Array(1);
    policyLogStd(agent, [h1, h2], 1, out);
    // Parameters are float32: agreement to float32 rounding of log 0.3 and log 2.
    assert.ok(Math.abs(out[0]! - Math.log(std)) < 1e-7);
    const mu = 1.5 * h1 - 2 * h2 + 0.25;
    const action = Math.fround(0.7);
    const z = (action - mu) / std;
    const logp = -0.5 * z * z - Math.log(std) - HALF_LOG_2PI;
    const entropy = 0.5 + HALF_LOG_2PI + Math.log(std);
    // REINFORCE with Â = 1 and no normalisation: policy loss = −log π(a|s); entropy reported.
    const args = { ...PG_DEFAULTS, algo: 'reinforce' as const, normAdv: false };
    const mb: Minibatch = {
      obs: Float32Array.of(1),
      act: Float32Array.of(action),
      oldLogp: Float32Array.of(0),
      adv: Float64Array.of(1),
      ret: Float64Array.of(0),
      oldV: Float64Array.of(0),
    };
    const g = new PpoGradient(agent, 1);
    const d = g.compute(args, mb, 1);
    assert.ok(Math.abs(d.pg - -logp) < 1e-6, `${d.pg} vs ${-logp}`);
    assert.ok(Math.abs(d.ent - entropy) < 1e-6, `${d.ent} vs ${entropy}`);
    // ∂(−log π)/∂ℓ_i = −(z² − 1)·h_i² σ_i² / var.
    const n = agent.theta.length;
    const expected = [h1 * h1 * 0.09, h2 * h2 * 4].map((w) => (-(z * z - 1) * w) / variance);
    for (const i of [0, 1]) assert.ok(Math.abs(g.grad[n - 2 + i]! - expected[i]!) < 1e-6, `ℓ${i}`);
  });
});
