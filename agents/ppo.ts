/**
 * Policy-gradient agents after CleanRL's `ppo_continuous_action.py`: PPO with the clipped
 * surrogate, GAE, a value network and a Gaussian policy with a learned log-std; REINFORCE with a
 * value baseline shares the rollout code. Rollouts run on a vector env with one batched forward
 * pass per vector step.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AutoresetMode,
  Box,
  ClipAction,
  type Env,
  InvalidArgument,
  make,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  RNG,
  SyncVectorEnv,
  TransformObservation,
  TransformReward,
} from '../envs/index.js';
import { type MlpSpec, mlp, type Params } from './nn/mlp.js';
import { Adam } from './nn/optim.js';

/** Settings of {@link trainPolicyGradient} (defaults: CleanRL's ppo_continuous_action). */
export interface PgArgs {
  /** `ppo` (clipped surrogate, minibatch epochs) or `reinforce` (one gradient step per rollout). */
  algo: 'ppo' | 'reinforce';
  /** Env steps in all (summed over envs). */
  totalTimesteps: number;
  /** Parallel envs of the rollout. */
  numEnvs: number;
  /** Steps per env per rollout. */
  numSteps: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Anneal the learning rate linearly to 0. */
  annealLr: boolean;
  /** Discount γ. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Minibatches per epoch (PPO). */
  numMinibatches: number;
  /** Epochs per rollout (PPO). */
  updateEpochs: number;
  /** Normalise advantages per minibatch. */
  normAdv: boolean;
  /** Surrogate clipping coefficient ε. */
  clipCoef: number;
  /** Clip the value loss as CleanRL does. */
  clipVloss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Hidden layer sizes of the actor and the critic. */
  hidden: number[];
}

/** CleanRL's ppo_continuous_action defaults. */
export const PG_DEFAULTS: Readonly<PgArgs> = Object.freeze({
  algo: 'ppo',
  totalTimesteps: 1_000_000,
  numEnvs: 1,
  numSteps: 2048,
  learningRate: 3e-4,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 32,
  updateEpochs: 10,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  hidden: [64, 64],
});

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 11–16), CleanRL's form. Arrays are
 * [T × N] row-major (step-major); `dones[t]` flags that obs t starts a new episode.
 * @returns advantages and returns (= advantages + values), [T × N]
 */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  dones: ArrayLike<number>,
  nextValue: ArrayLike<number>,
  nextDone: ArrayLike<number>,
  numEnvs: number,
  gamma: number,
  lambda: number,
): { advantages: Float64Array; returns: Float64Array } {
  const T = rewards.length / numEnvs;
  const advantages = new Float64Array(rewards.length);
  for (let e = 0; e < numEnvs; e++) {
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nonTerminal = t === T - 1 ? 1 - nextDone[e]! : 1 - dones[i + numEnvs]!;
      const nextV = t === T - 1 ? nextValue[e]! : values[i + numEnvs]!;
      const delta = rewards[i]! + gamma * nextV * nonTerminal - values[i]!;
      last = delta + gamma * lambda * nonTerminal * last;
      advantages[i] = last;
    }
  }
  const returns = advantages.map((a, i) => a + values[i]!);
  return { advantages, returns };
}

/** Log-density of a diagonal Gaussian, summed over the action dimension: [B]. */
export function gaussianLogProb(actions: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor {
  const z = actions.sub(mean).div(logStd.exp());
  return z
    .square()
    .mul(-0.5)
    .sub(logStd)
    .sub(0.5 * Math.log(2 * Math.PI))
    .sum(-1);
}

/**
 * PPO's losses (the clipped surrogate, eq. 7 of Schulman et al. 2017; CleanRL's clipped value
 * loss) for one minibatch.
 */
export function ppoLosses(
  newLogProb: tf.Tensor,
  oldLogProb: tf.Tensor,
  advantages: tf.Tensor,
  newValue: tf.Tensor,
  oldValue: tf.Tensor,
  returns: tf.Tensor,
  clipCoef: number,
  clipVloss: boolean,
): { pgLoss: tf.Scalar; vLoss: tf.Scalar; approxKl: tf.Scalar; clipFrac: tf.Scalar } {
  const logRatio = newLogProb.sub(oldLogProb);
  const ratio = logRatio.exp();
  const pg1 = advantages.neg().mul(ratio);
  const pg2 = advantages.neg().mul(ratio.clipByValue(1 - clipCoef, 1 + clipCoef));
  const pgLoss = tf.maximum(pg1, pg2).mean() as tf.Scalar;
  let vLoss: tf.Scalar;
  if (clipVloss) {
    const unclipped = newValue.sub(returns).square();
    const clipped = oldValue
      .add(newValue.sub(oldValue).clipByValue(-clipCoef, clipCoef))
      .sub(returns)
      .square();
    vLoss = tf.maximum(unclipped, clipped).mean().mul(0.5) as tf.Scalar;
  } else {
    vLoss = newValue.sub(returns).square().mean().mul(0.5) as tf.Scalar;
  }
  const approxKl = ratio.sub(1).sub(logRatio).mean() as tf.Scalar; // k3 estimator (CleanRL)
  const clipFrac = ratio.sub(1).abs().greater(clipCoef).cast('float32').mean() as tf.Scalar;
  return { pgLoss, vLoss, approxKl, clipFrac };
}

/** Orthogonal [rows, cols] matrix times `gain` (Gram–Schmidt on Gaussian draws), as torch's orthogonal_. */
export function orthogonal(rows: number, cols: number, gain: number, rng: RNG): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // m orthonormal vectors of length n
  const vs: Float64Array[] = [];
  while (vs.length < m) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const u of vs) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i]! * u[i]!;
      for (let i = 0; i < n; i++) v[i] = v[i]! - d * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm < 1e-8) continue;
    vs.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      out[r * cols + c] = gain * (rows >= cols ? vs[c]![r]! : vs[r]![c]!);
  }
  return out;
}

/** The actor-critic of CleanRL's agent: tanh MLPs, orthogonal init, a state-independent log-std. */
export class ActorCritic {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  /** [actor params…, critic params…, logStd]. */
  params: Params;

  constructor(obsSize: number, actSize: number, hidden: readonly number[], rng: RNG) {
    this.actorSpec = {
      sizes: [obsSize, ...hidden, actSize],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    };
    this.criticSpec = {
      sizes: [obsSize, ...hidden, 1],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    };
    const layers = (spec: MlpSpec, outGain: number) =>
      spec.sizes.slice(0, -1).flatMap((fanIn, l) => {
        const fanOut = spec.sizes[l + 1]!;
        const gain = l === spec.sizes.length - 2 ? outGain : Math.SQRT2;
        return [
          tf.tensor2d(orthogonal(fanIn, fanOut, gain, rng), [fanIn, fanOut]),
          tf.zeros([fanOut]),
        ];
      });
    this.params = [
      ...layers(this.actorSpec, 0.01),
      ...layers(this.criticSpec, 1),
      tf.zeros([actSize]),
    ];
  }

  private get split() {
    const a = (this.actorSpec.sizes.length - 1) * 2;
    const c = (this.criticSpec.sizes.length - 1) * 2;
    return { a, c };
  }

  /** Action mean, log-std and value for observations [B, obs] under `params`. */
  forward(
    params: readonly tf.Tensor[],
    obs: tf.Tensor,
  ): { mean: tf.Tensor; logStd: tf.Tensor; value: tf.Tensor } {
    const { a, c } = this.split;
    return {
      mean: mlp(params.slice(0, a), obs, this.actorSpec),
      value: mlp(params.slice(a, a + c), obs, this.criticSpec).squeeze([1]),
      logStd: params[a + c]!,
    };
  }
}

/** One logged update. */
export type PgMetrics = Record<string, number>;

/** CleanRL's wrapper stack for continuous control. */
export function wrapForPolicyGradient(env: Env, gamma: number): Env {
  let e: Env = new RecordEpisodeStatistics(env);
  e = new ClipAction(e as never) as unknown as Env;
  e = new NormalizeObservation(e as never) as unknown as Env;
  e = new TransformObservation(
    e as Env<Float32Array, unknown>,
    (o: Float32Array) => o.map((v) => Math.min(Math.max(v, -10), 10)),
    e.observationSpace as never,
  ) as unknown as Env;
  e = new NormalizeReward(e, gamma);
  return new TransformReward(e, (r) => Math.min(Math.max(r, -10), 10));
}

function globalNormClip(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum())));
  const scale = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(norm.add(1e-6)));
  return grads.map((g) => g.mul(scale));
}

/**
 * Trains a Gaussian policy on a registered env with Box actions. Calls `log` once per update with
 * CleanRL's metric names (`charts/episodic_return`, `losses/policy_loss`, …).
 */
export function trainPolicyGradient(
  id: string,
  args: PgArgs,
  seed: number,
  log: (update: number, metrics: PgMetrics) => void,
): ActorCritic {
  const envs = new SyncVectorEnv(
    Array.from({ length: args.numEnvs }, () => () => wrapForPolicyGradient(make(id), args.gamma)),
    { autoresetMode: AutoresetMode.SAME_STEP },
  );
  const obsSpace = envs.singleObservationSpace;
  const actSpace = envs.singleActionSpace;
  if (!(obsSpace instanceof Box) || !(actSpace instanceof Box)) {
    envs.close();
    throw new InvalidArgument(
      `policy gradient needs Box observations and actions, ${id} has ${String(obsSpace)} / ${String(actSpace)}`,
    );
  }
  const rng = new RNG(RNG.deriveSeed(seed, 'pg'));
  const agent = new ActorCritic(
    obsSpace.size,
    actSpace.size,
    args.hidden,
    new RNG(RNG.deriveSeed(seed, 'pg/init')),
  );
  const adam = new Adam(agent.params, args.learningRate, 0.9, 0.999, 1e-5);
  const N = args.numEnvs;
  const T = args.numSteps;
  const O = obsSpace.size;
  const A = actSpace.size;
  const batch = N * T;
  const numUpdates = Math.floor(args.totalTimesteps / batch);
  const obsBuf = new Float32Array(batch * O);
  const actBuf = new Float32Array(batch * A);
  const logpBuf = new Float32Array(batch);
  const rewBuf = new Float64Array(batch);
  const doneBuf = new Float64Array(batch);
  const valBuf = new Float64Array(batch);
  let [nextObs] = envs.reset({ seed: RNG.deriveSeed(seed, 'pg/env') }) as [Float32Array, unknown];
  let nextDone = new Float64Array(N);
  const t0 = performance.now();
  let globalStep = 0;
  try {
    for (let update = 1; update <= numUpdates; update++) {
      const lr = args.annealLr
        ? (1 - (update - 1) / numUpdates) * args.learningRate
        : args.learningRate;
      adam.lr = lr;
      const episodeReturns: number[] = [];
      // Where the update's time goes: env stepping, batched inference, the gradient epochs.
      let envMs = 0;
      let inferenceMs = 0;
      const tInference = performance.now();
      for (let t = 0; t < T; t++) {
        globalStep += N;
        obsBuf.set(nextObs, t * N * O);
        doneBuf.set(nextDone, t * N);
        // One batched forward pass for all envs.
        const { action, logp, value } = tf.tidy(() => {
          const obs = tf.tensor2d(nextObs, [N, O]);
          const out = agent.forward(agent.params, obs);
          const eps = tf.tensor2d(
            Float32Array.from({ length: N * A }, () => rng.normal()),
            [N, A],
          );
          const a = out.mean.add(out.logStd.exp().mul(eps));
          return {
            action: a.dataSync() as Float32Array,
            logp: gaussianLogProb(a, out.mean, out.logStd).dataSync(),
            value: out.value.dataSync(),
          };
        });
        actBuf.set(action, t * N * A);
        logpBuf.set(logp, t * N);
        valBuf.set(value, t * N);
        const tEnv = performance.now();
        const [o, r, term, trunc, infos] = envs.step(action);
        envMs += performance.now() - tEnv;
        rewBuf.set(r, t * N);
        nextObs = o as Float32Array;
        nextDone = Float64Array.from(term, (x, i) => (x || trunc[i] ? 1 : 0));
        const final = infos.finalInfo as
          | { episode?: { r: Float64Array }; _episode?: Uint8Array }
          | undefined;
        if (final?.episode && final._episode) {
          for (const [i, m] of final._episode.entries())
            if (m) episodeReturns.push(final.episode.r[i]!);
        }
      }
      inferenceMs += performance.now() - tInference - envMs;
      const tUpdate = performance.now();
      const nextValue = tf.tidy(() =>
        agent.forward(agent.params, tf.tensor2d(nextObs, [N, O])).value.dataSync(),
      );
      const { advantages, returns } = gae(
        rewBuf,
        valBuf,
        doneBuf,
        nextValue,
        nextDone,
        N,
        args.gamma,
        args.gaeLambda,
      );
      const stats = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0, n: 0 };
      const epochs = args.algo === 'ppo' ? args.updateEpochs : 1;
      const minibatches = args.algo === 'ppo' ? args.numMinibatches : 1;
      const mbSize = Math.floor(batch / minibatches);
      for (let epoch = 0; epoch < epochs; epoch++) {
        const order = rng.permutation(batch);
        for (let m = 0; m < minibatches; m++) {
          const idx = order.subarray(m * mbSize, (m + 1) * mbSize);
          const pick = (src: ArrayLike<number>, width: number) => {
            const out = new Float32Array(idx.length * width);
            idx.forEach((j, k) => {
              for (let w = 0; w < width; w++) out[k * width + w] = src[j * width + w]!;
            });
            return out;
          };
          const next = tf.tidy(() => {
            const obs = tf.tensor2d(pick(obsBuf, O), [idx.length, O]);
            const act = tf.tensor2d(pick(actBuf, A), [idx.length, A]);
            const oldLogp = tf.tensor1d(pick(logpBuf, 1));
            let adv = tf.tensor1d(pick(advantages, 1));
            if (args.normAdv && idx.length > 1) {
              const { mean, variance } = tf.moments(adv);
              adv = adv.sub(mean).div(variance.sqrt().add(1e-8));
            }
            const ret = tf.tensor1d(pick(returns, 1));
            const oldV = tf.tensor1d(pick(valBuf, 1));
            const grads = tf.grads((...p: tf.Tensor[]) => {
              const f = agent.forward(p, obs);
              const logp = gaussianLogProb(act, f.mean, f.logStd);
              const ent = f.logStd.add(0.5 + 0.5 * Math.log(2 * Math.PI)).sum() as tf.Scalar;
              const losses =
                args.algo === 'ppo'
                  ? ppoLosses(logp, oldLogp, adv, f.value, oldV, ret, args.clipCoef, args.clipVloss)
                  : {
                      // REINFORCE with a baseline: −log π(a|s)·(G − V(s)).
                      pgLoss: logp.mul(adv).mean().neg() as tf.Scalar,
                      vLoss: f.value.sub(ret).square().mean().mul(0.5) as tf.Scalar,
                      approxKl: tf.scalar(0),
                      clipFrac: tf.scalar(0),
                    };
              // Read the diagnostics here: tensors made inside tf.grads are freed when it returns.
              stats.pg += losses.pgLoss.dataSync()[0]!;
              stats.v += losses.vLoss.dataSync()[0]!;
              stats.ent += ent.dataSync()[0]!;
              stats.kl += losses.approxKl.dataSync()[0]!;
              stats.clip += losses.clipFrac.dataSync()[0]!;
              stats.n += 1;
              return losses.pgLoss
                .sub(ent.mul(args.entCoef))
                .add(losses.vLoss.mul(args.vfCoef)) as tf.Scalar;
            })(agent.params);
            return globalNormClip(grads, args.maxGradNorm).map((g) => tf.keep(g));
          });
          const updated = adam.step(agent.params, next);
          for (const t of [...agent.params, ...next]) t.dispose();
          agent.params = updated;
        }
      }
      const varY = variance(returns);
      const explained =
        varY === 0 ? Number.NaN : 1 - variance(returns.map((r, i) => r - valBuf[i]!)) / varY;
      const metrics: PgMetrics = {
        global_step: globalStep,
        'charts/learning_rate': lr,
        'losses/policy_loss': stats.pg / stats.n,
        'losses/value_loss': stats.v / stats.n,
        'losses/entropy': stats.ent / stats.n,
        'losses/approx_kl': stats.kl / stats.n,
        'losses/clipfrac': stats.clip / stats.n,
        'losses/explained_variance': explained,
        'charts/SPS': globalStep / ((performance.now() - t0) / 1000),
        'perf/env_ms': envMs,
        'perf/inference_ms': inferenceMs,
        'perf/update_ms': performance.now() - tUpdate,
      };
      if (episodeReturns.length)
        metrics['charts/episodic_return'] =
          episodeReturns.reduce((a, b) => a + b, 0) / episodeReturns.length;
      log(update, metrics);
    }
  } finally {
    envs.close();
    adam.dispose();
  }
  return agent;
}

function variance(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - m) ** 2;
  return v / xs.length;
}
