/**
 * The policy-gradient training loop (CleanRL's `ppo_continuous_action.py` main loop) as a stateful
 * object: one call of {@link PolicyGradientTrainer.update} collects a rollout on a vector env with
 * one batched forward pass per vector step and runs PPO's (or REINFORCE's) gradient epochs. Its
 * whole state — parameters, Adam moments, RNG, every sub-env and wrapper — round-trips through
 * JSON, so a run checkpoints between updates and resumes bit-exactly.
 *
 * Length (~450 lines): one class — rollout, GAE, gradient epochs, state round trip and policy
 * export all work on its private buffers and state; the exported policy and its evaluation live
 * in `pgPolicy.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mean, variance } from '../envs/core/stats.js';
import {
  AutoresetMode,
  Box,
  InvalidArgument,
  make,
  NormalizeObservation,
  RNG,
  type RNGState,
  SyncVectorEnv,
  type Wrapper,
} from '../envs/index.js';
import { cpuMlpForward } from './nn/cpuMlp.js';
import { type AdamState, ClippedAdam, tensorsFromJson, tensorsToJson } from './nn/optim.js';
import type { PgPolicyFile } from './pgPolicy.js';
import {
  ActorCritic,
  gae,
  minibatchObjective,
  type PgArgs,
  type PgMetrics,
  wrapForPolicyGradient,
} from './ppo.js';

/** The JSON state of a {@link PolicyGradientTrainer} between updates. */
export interface PgTrainerState {
  /** Updates done. */
  update: number;
  globalStep: number;
  params: { shape: number[]; values: number[] }[];
  adam: AdamState;
  rng: RNGState;
  envs: unknown;
  nextObs: number[];
  nextDone: number[];
  /** Training time so far (for `charts/SPS` across resumes). */
  elapsedMs: number;
}

/** PPO / REINFORCE on a registered env with Box observations and actions. */
export class PolicyGradientTrainer {
  readonly agent: ActorCritic;
  /** Updates the config asks for (`totalTimesteps / (numEnvs·numSteps)`). */
  readonly numUpdates: number;
  private readonly envs: SyncVectorEnv<Float32Array, Float32Array>;
  private readonly adam: ClippedAdam;
  private rng: RNG;
  private updateCount = 0;
  private globalStep = 0;
  private elapsedMs = 0;
  private nextObs: Float32Array;
  private nextDone: Float64Array;
  // Rollout buffers, [T × N × width], reused across updates.
  private readonly obsBuf: Float32Array;
  private readonly actBuf: Float32Array;
  private readonly logpBuf: Float32Array;
  private readonly rewBuf: Float64Array;
  private readonly doneBuf: Float64Array;
  private readonly valBuf: Float64Array;

  /**
   * @param envId a registered env id (Box observations and actions)
   * @param args PPO/REINFORCE settings
   * @param seed seeds the initial weights, the envs and the sampling noise
   */
  constructor(
    readonly envId: string,
    readonly args: Readonly<PgArgs>,
    readonly seed: number,
  ) {
    this.envs = new SyncVectorEnv(
      Array.from(
        { length: args.numEnvs },
        () => () => wrapForPolicyGradient(make(envId), args.gamma),
      ),
      { autoresetMode: AutoresetMode.SAME_STEP },
    );
    const obsSpace = this.envs.singleObservationSpace;
    const actSpace = this.envs.singleActionSpace;
    if (!(obsSpace instanceof Box) || !(actSpace instanceof Box)) {
      this.envs.close();
      throw new InvalidArgument(
        `policy gradient needs Box observations and actions, ${envId} has ${String(obsSpace)} / ${String(actSpace)}`,
      );
    }
    this.rng = new RNG(RNG.deriveSeed(seed, 'pg'));
    this.agent = new ActorCritic(
      obsSpace.size,
      actSpace.size,
      args.hidden,
      new RNG(RNG.deriveSeed(seed, 'pg/init')),
    );
    // CleanRL's Adam: ε 1e-5, gradients clipped to a global norm of maxGradNorm.
    const lr = args.learningRate;
    this.adam = new ClippedAdam(this.agent.params, lr, args.maxGradNorm, 0.9, 0.999, 1e-5);
    const batch = args.numEnvs * args.numSteps;
    this.numUpdates = Math.floor(args.totalTimesteps / batch);
    if (this.numUpdates < 1) {
      this.envs.close();
      throw new InvalidArgument(
        `totalTimesteps ${args.totalTimesteps} is less than one rollout of numEnvs × numSteps = ${args.numEnvs} × ${args.numSteps} = ${batch} env steps, so no update would run; give at least ${batch} (--total-timesteps) or fewer steps per rollout (--num-steps)`,
      );
    }
    this.obsBuf = new Float32Array(batch * obsSpace.size);
    this.actBuf = new Float32Array(batch * actSpace.size);
    this.logpBuf = new Float32Array(batch);
    this.rewBuf = new Float64Array(batch);
    this.doneBuf = new Float64Array(batch);
    this.valBuf = new Float64Array(batch);
    [this.nextObs] = this.envs.reset({ seed: RNG.deriveSeed(seed, 'pg/env') });
    this.nextDone = new Float64Array(args.numEnvs);
  }

  /** Updates done so far. */
  get updatesDone(): number {
    return this.updateCount;
  }

  /** Env steps taken so far (summed over envs). */
  get envSteps(): number {
    return this.globalStep;
  }

  /**
   * Collects one rollout of `numSteps` vector steps and runs the gradient epochs.
   * @returns CleanRL's metrics for this update (`charts/episodic_return` when episodes ended)
   */
  update(): PgMetrics {
    const { args, agent } = this;
    const N = args.numEnvs;
    const T = args.numSteps;
    const O = (this.envs.singleObservationSpace as Box).size;
    const A = (this.envs.singleActionSpace as Box).size;
    const batch = N * T;
    const tStart = performance.now();
    this.updateCount += 1;
    const lr = args.annealLr
      ? (1 - (this.updateCount - 1) / this.numUpdates) * args.learningRate
      : args.learningRate;
    this.adam.lr = lr;
    const { episodeReturns, episodeLengths, envMs } = this.collectRollout();
    const inferenceMs = performance.now() - tStart - envMs;
    const tUpdate = performance.now();
    const nextValue = tf.tidy(() =>
      agent.forward(agent.params, tf.tensor2d(this.nextObs, [N, O])).value.dataSync(),
    );
    const { advantages, returns } = gae(
      this.rewBuf,
      this.valBuf,
      this.doneBuf,
      nextValue,
      this.nextDone,
      N,
      args.gamma,
      // REINFORCE with a baseline: Monte-Carlo returns (λ = 1) minus V(s); the critic only
      // bootstraps where the rollout cuts an episode.
      args.algo === 'reinforce' ? 1 : args.gaeLambda,
    );
    const stats = this.gradientEpochs(advantages, returns, batch, O, A);
    const varY = variance(returns);
    const explained =
      varY === 0 ? Number.NaN : 1 - variance(returns.map((r, i) => r - this.valBuf[i]!)) / varY;
    const now = performance.now();
    this.elapsedMs += now - tStart;
    const metrics: PgMetrics = {
      global_step: this.globalStep,
      'charts/learning_rate': lr,
      'losses/policy_loss': stats.pg,
      'losses/value_loss': stats.v,
      'losses/entropy': stats.ent,
      'losses/approx_kl': stats.kl,
      'losses/clipfrac': stats.clip,
      'losses/explained_variance': explained,
      'charts/SPS': this.globalStep / (this.elapsedMs / 1000),
      'perf/env_ms': envMs,
      'perf/inference_ms': inferenceMs,
      'perf/update_ms': now - tUpdate,
    };
    if (episodeReturns.length) {
      metrics['charts/episodic_return'] = mean(episodeReturns);
      metrics['charts/episodic_length'] = mean(episodeLengths);
    }
    return metrics;
  }

  /**
   * `numSteps` vector steps with one batched forward pass each, into the rollout buffers.
   * Returns the episodes that ended and the time spent stepping the envs.
   */
  private collectRollout(): { episodeReturns: number[]; episodeLengths: number[]; envMs: number } {
    const { args, agent, envs } = this;
    const N = args.numEnvs;
    const T = args.numSteps;
    const O = (envs.singleObservationSpace as Box).size;
    const A = (envs.singleActionSpace as Box).size;
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    let envMs = 0;
    // The policy acts in plain JS on this update's weights (read once): no tfjs op per step.
    const net = agent.readCpu();
    const std = Float64Array.from(net.logStd, Math.exp);
    const logNorm = net.logStd.reduce((s, l) => s + l, 0) + 0.5 * A * Math.log(2 * Math.PI);
    const mean = new Float32Array(N * A);
    const value = new Float32Array(N);
    const action = new Float32Array(N * A);
    for (let t = 0; t < T; t++) {
      this.globalStep += N;
      this.obsBuf.set(this.nextObs, t * N * O);
      this.doneBuf.set(this.nextDone, t * N);
      cpuMlpForward(net.actor, this.nextObs, N, mean);
      cpuMlpForward(net.critic, this.nextObs, N, value);
      for (let e = 0; e < N; e++) {
        // a = μ + σ ε; log π(a) = Σ −½ z² − log σ − ½ log 2π with z = (a − μ)/σ of the stored a.
        let logp = -logNorm;
        for (let k = 0; k < A; k++) {
          const i = e * A + k;
          action[i] = mean[i]! + std[k]! * this.rng.normal();
          const z = (action[i]! - mean[i]!) / std[k]!;
          logp -= 0.5 * z * z;
        }
        this.logpBuf[t * N + e] = logp;
      }
      this.actBuf.set(action, t * N * A);
      this.valBuf.set(value, t * N);
      const tEnv = performance.now();
      const [o, r, term, trunc, infos] = envs.step(action);
      envMs += performance.now() - tEnv;
      this.rewBuf.set(r, t * N);
      this.nextObs = o;
      for (let i = 0; i < N; i++) this.nextDone[i] = term[i] || trunc[i] ? 1 : 0;
      const final = infos.finalInfo as
        | { episode?: { r: Float64Array; l: Float64Array }; _episode?: Uint8Array }
        | undefined;
      if (final?.episode && final._episode) {
        for (const [i, m] of final._episode.entries()) {
          if (!m) continue;
          episodeReturns.push(final.episode.r[i]!);
          episodeLengths.push(final.episode.l[i]!);
        }
      }
    }
    return { episodeReturns, episodeLengths, envMs };
  }

  /** PPO's minibatch epochs (or REINFORCE's single full-batch step); returns mean diagnostics. */
  private gradientEpochs(
    advantages: Float64Array,
    returns: Float64Array,
    batch: number,
    O: number,
    A: number,
  ): { pg: number; v: number; ent: number; kl: number; clip: number } {
    const { args, agent } = this;
    const sums = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0 };
    let n = 0;
    const epochs = args.algo === 'ppo' ? args.updateEpochs : 1;
    const minibatches = args.algo === 'ppo' ? args.numMinibatches : 1;
    const mbSize = Math.floor(batch / minibatches);
    const obsMb = new Float32Array(mbSize * O);
    const actMb = new Float32Array(mbSize * A);
    const oldLogpMb = new Float32Array(mbSize);
    const advMb = new Float32Array(mbSize);
    const retMb = new Float32Array(mbSize);
    const oldVMb = new Float32Array(mbSize);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = this.rng.permutation(batch);
      for (let m = 0; m < minibatches; m++) {
        for (let k = 0; k < mbSize; k++) {
          const j = order[m * mbSize + k]!;
          obsMb.set(this.obsBuf.subarray(j * O, (j + 1) * O), k * O);
          actMb.set(this.actBuf.subarray(j * A, (j + 1) * A), k * A);
          oldLogpMb[k] = this.logpBuf[j]!;
          advMb[k] = advantages[j]!;
          retMb[k] = returns[j]!;
          oldVMb[k] = this.valBuf[j]!;
        }
        const grads = tf.tidy(() => {
          const obs = tf.tensor2d(obsMb, [mbSize, O]);
          const act = tf.tensor2d(actMb, [mbSize, A]);
          const oldLogp = tf.tensor1d(oldLogpMb);
          let adv = tf.tensor1d(advMb);
          if (args.normAdv && mbSize > 1) {
            const { mean, variance } = tf.moments(adv);
            adv = adv.sub(mean).div(variance.sqrt().add(1e-8));
          }
          const ret = tf.tensor1d(retMb);
          const oldV = tf.tensor1d(oldVMb);
          const g = tf.grads((...p: tf.Tensor[]) =>
            minibatchObjective(agent, args, p, { obs, act, oldLogp, adv, ret, oldV }, (d) => {
              sums.pg += d[0]!;
              sums.v += d[1]!;
              sums.ent += d[2]!;
              sums.kl += d[3]!;
              sums.clip += d[4]!;
              n += 1;
            }),
          )(agent.params);
          return g.map((t) => tf.keep(t));
        });
        const updated = this.adam.step(agent.params, grads);
        for (const t of [...agent.params, ...grads]) t.dispose();
        agent.params = updated;
      }
    }
    return {
      pg: sums.pg / n,
      v: sums.v / n,
      ent: sums.ent / n,
      kl: sums.kl / n,
      clip: sums.clip / n,
    };
  }

  /** The whole state as JSON (between updates). */
  toJSON(): PgTrainerState {
    return {
      update: this.updateCount,
      globalStep: this.globalStep,
      params: tensorsToJson(this.agent.params),
      adam: this.adam.getState(),
      rng: this.rng.getState(),
      envs: this.envs.saveState(),
      nextObs: Array.from(this.nextObs),
      nextDone: Array.from(this.nextDone),
      elapsedMs: this.elapsedMs,
    };
  }

  /**
   * Rebuilds a trainer from {@link PolicyGradientTrainer.toJSON} under the same env, args and seed.
   * @throws RangeError / InvalidArgument naming the malformed part
   */
  static fromJSON(
    json: PgTrainerState,
    envId: string,
    args: Readonly<PgArgs>,
    seed: number,
  ): PolicyGradientTrainer {
    const trainer = new PolicyGradientTrainer(envId, args, seed);
    try {
      trainer.loadState(json);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return trainer;
  }

  private loadState(json: PgTrainerState): void {
    const N = this.args.numEnvs;
    const count = (v: unknown, what: string) => {
      if (!Number.isInteger(v) || (v as number) < 0)
        throw new RangeError(`trainer state: ${what} must be a non-negative integer`);
      return v as number;
    };
    const update = count(json?.update, 'update');
    const globalStep = count(json.globalStep, 'globalStep');
    const params = tensorsFromJson(
      json.params,
      this.agent.params.map((p) => p.shape),
    );
    if (params.length !== this.agent.params.length) {
      for (const t of params) t.dispose();
      throw new RangeError(
        `trainer state holds ${params.length} parameter tensors, expected ${this.agent.params.length}`,
      );
    }
    try {
      this.adam.setState(json.adam);
      this.rng = RNG.fromState(json.rng);
      const obsSize = this.obsBuf.length / (N * this.args.numSteps);
      if (!Array.isArray(json.nextObs) || json.nextObs.length !== N * obsSize)
        throw new RangeError(`trainer state: nextObs must hold ${N * obsSize} numbers`);
      if (!Array.isArray(json.nextDone) || json.nextDone.length !== N)
        throw new RangeError(`trainer state: nextDone must hold ${N} flags`);
      this.envs.loadState(json.envs);
    } catch (e) {
      for (const t of params) t.dispose();
      throw e;
    }
    for (const t of this.agent.params) t.dispose();
    this.agent.params = params;
    this.nextObs = Float32Array.from(json.nextObs);
    this.nextDone = Float64Array.from(json.nextDone);
    this.updateCount = update;
    this.globalStep = globalStep;
    this.elapsedMs = typeof json.elapsedMs === 'number' ? json.elapsedMs : 0;
  }

  /** The actor, its log-std and sub-env 0's observation statistics, for evaluation. */
  exportPolicy(): PgPolicyFile {
    const { agent } = this;
    const actorCount = (agent.actorSpec.sizes.length - 1) * 2;
    // wrapForPolicyGradient puts exactly one NormalizeObservation in each sub-env's stack.
    const top = this.envs.envs[0] as Wrapper;
    const rms = top.findWrapper(NormalizeObservation)!.obsRms;
    return {
      kind: 'ml3-pg-policy',
      envId: this.envId,
      actorSpec: agent.actorSpec,
      actorParams: tensorsToJson(agent.params.slice(0, actorCount)),
      logStd: Array.from(agent.params[agent.params.length - 1]!.dataSync()),
      obsMean: Array.from(rms.mean),
      obsVar: Array.from(rms.var),
    };
  }

  /** Frees the envs, the parameters and Adam's moments. */
  dispose(): void {
    this.envs.close();
    this.adam.dispose();
    for (const t of this.agent.params) t.dispose();
  }
}

/**
 * Trains a Gaussian policy for `totalTimesteps`, calling `log` once per update with CleanRL's
 * metric names; returns the trained actor-critic (its tensors are the caller's to dispose).
 */
export function trainPolicyGradient(
  envId: string,
  args: PgArgs,
  seed: number,
  log: (update: number, metrics: PgMetrics) => void,
): ActorCritic {
  const trainer = new PolicyGradientTrainer(envId, args, seed);
  try {
    while (trainer.updatesDone < trainer.numUpdates) log(trainer.updatesDone + 1, trainer.update());
    const params = trainer.agent.params.map((p) => tf.keep(p.clone()));
    const agent = trainer.agent;
    trainer.dispose();
    agent.params = params;
    return agent;
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}
