/**
 * The policy-gradient training loop (CleanRL's `ppo_continuous_action.py` main loop) as a stateful
 * object: one call of {@link PolicyGradientTrainer.update} collects a rollout on a vector env with
 * one batched forward pass per vector step and runs PPO's (or REINFORCE's) gradient epochs. All
 * of it runs in plain JavaScript (`ppoGradient.ts`, `nn/cpuMlp.ts`, `nn/cpuAdam.ts`): for
 * CleanRL's 64 × 64 networks tfjs's per-op cost was 80% of the run (see docs/agents.md). Its
 * whole state — parameters, Adam moments, RNG, every sub-env and wrapper — round-trips through
 * JSON, so a run checkpoints between updates and resumes bit-exactly.
 *
 * The rollout and its buffers live in `pgRollout.ts`, the minibatch gradient in `ppoGradient.ts`,
 * the exported policy and its evaluation in `pgPolicy.ts`.
 */
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
import { ActorCritic } from './actorCritic.js';
import { logStdCeiling, logStdScheduleError } from './logStdCeiling.js';
import { FlatClippedAdam } from './nn/cpuAdam.js';
import type { AdamState } from './nn/optim.js';
import type { PgPolicyFile } from './pgPolicy.js';
import { PolicyRollout } from './pgRollout.js';
import { gae, type PgArgs, type PgMetrics, wrapForPolicyGradient } from './ppo.js';
import {
  type Minibatch,
  type MinibatchDiagnostics,
  meanDiagnostics,
  PpoGradient,
} from './ppoGradient.js';
import { squashBounds } from './squash.js';

export { logStdCeiling } from './logStdCeiling.js';

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
  /** gSDE's exploration matrices when they outlive a rollout (`sdeSampleFreq` 0). */
  exploration?: number[];
  /** The update whose training return started the log-std ceiling's fall (`logStdDecayTrigger: 'return'`). */
  logStdDecayFrom?: number;
}

/** PPO / REINFORCE on a registered env with Box observations and actions. */
export class PolicyGradientTrainer {
  readonly agent: ActorCritic;
  /** Updates the config asks for (`totalTimesteps / (numEnvs·numSteps)`). */
  readonly numUpdates: number;
  private readonly envs: SyncVectorEnv<Float32Array, Float32Array>;
  private readonly adam: FlatClippedAdam;
  private readonly gradient: PpoGradient;
  private readonly minibatch: Minibatch;
  private readonly rollout: PolicyRollout;
  private rng: RNG;
  private updateCount = 0;
  private globalStep = 0;
  private elapsedMs = 0;
  private nextObs: Float32Array;
  private nextDone: Float64Array;
  private decayFrom?: number;

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
        () => () => wrapForPolicyGradient(make(envId), args.gamma, args),
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
    const scheduleError = logStdScheduleError(args);
    if (scheduleError) {
      this.envs.close();
      throw new InvalidArgument(scheduleError);
    }
    this.rng = new RNG(RNG.deriveSeed(seed, 'pg'));
    this.agent = new ActorCritic(
      obsSpace.size,
      actSpace.size,
      args.hidden,
      new RNG(RNG.deriveSeed(seed, 'pg/init')),
      { sde: args.sde, logStdInit: args.logStdInit, orthoInit: args.orthoInit },
    );
    // CleanRL's Adam: ε 1e-5, gradients clipped to a global norm of maxGradNorm.
    const { agent } = this;
    this.adam = new FlatClippedAdam(
      agent.theta,
      agent.shapes,
      args.learningRate,
      args.maxGradNorm,
      0.9,
      0.999,
      1e-5,
    );
    const batch = args.numEnvs * args.numSteps;
    const rows = args.algo === 'ppo' ? Math.floor(batch / args.numMinibatches) : batch;
    this.gradient = new PpoGradient(agent, rows);
    this.minibatch = {
      obs: new Float32Array(rows * obsSpace.size),
      act: new Float32Array(rows * actSpace.size),
      oldLogp: new Float32Array(rows),
      adv: new Float64Array(rows),
      ret: new Float64Array(rows),
      oldV: new Float64Array(rows),
    };
    this.numUpdates = Math.floor(args.totalTimesteps / batch);
    if (this.numUpdates < 1) {
      this.envs.close();
      throw new InvalidArgument(
        `totalTimesteps ${args.totalTimesteps} is less than one rollout of numEnvs × numSteps = ${args.numEnvs} × ${args.numSteps} = ${batch} env steps, so no update would run; give at least ${batch} (--total-timesteps) or fewer steps per rollout (--num-steps)`,
      );
    }
    this.rollout = new PolicyRollout(agent, args, this.envs);
    [this.nextObs] = this.envs.reset({ seed: RNG.deriveSeed(seed, 'pg/env') });
    this.nextDone = new Float64Array(args.numEnvs);
  }

  /** Updates done so far. */
  get updatesDone(): number {
    return this.updateCount;
  }

  /**
   * The update whose training return started the log-std ceiling's fall
   * (`logStdDecayTrigger: 'return'`); undefined until one has.
   */
  get logStdDecayFrom(): number | undefined {
    return this.decayFrom;
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
    const { args } = this;
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
    const { rollout } = this;
    const { nextObs, episodeReturns, episodeLengths, envMs } = rollout.collect(
      this.nextObs,
      this.nextDone,
      this.rng,
    );
    this.nextObs = nextObs;
    this.globalStep += batch;
    if (
      args.logStdDecayTrigger === 'return' &&
      this.decayFrom === undefined &&
      episodeReturns.length > 0 &&
      mean(episodeReturns) >= args.logStdDecayReturn
    )
      this.decayFrom = this.updateCount;
    const inferenceMs = performance.now() - tStart - envMs;
    const tUpdate = performance.now();
    const nextValue = rollout.values(this.nextObs);
    const { advantages, returns } = gae(
      rollout.rew,
      rollout.val,
      rollout.done,
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
      varY === 0 ? Number.NaN : 1 - variance(returns.map((r, i) => r - rollout.val[i]!)) / varY;
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
    if (args.logStdEnd < args.logStdInit)
      metrics['charts/log_std_ceiling'] = logStdCeiling(
        args,
        this.updateCount,
        this.numUpdates,
        this.decayFrom,
      );
    return metrics;
  }

  /** PPO's minibatch epochs (or REINFORCE's single full-batch step); returns mean diagnostics. */
  private gradientEpochs(
    advantages: Float64Array,
    returns: Float64Array,
    batch: number,
    O: number,
    A: number,
  ): MinibatchDiagnostics {
    const { args, minibatch: mb, rollout } = this;
    const sums = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0 };
    let n = 0;
    const epochs = args.algo === 'ppo' ? args.updateEpochs : 1;
    const minibatches = args.algo === 'ppo' ? args.numMinibatches : 1;
    const mbSize = Math.floor(batch / minibatches);
    const ceiling = logStdCeiling(args, this.updateCount, this.numUpdates, this.decayFrom);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = this.rng.permutation(batch);
      for (let m = 0; m < minibatches; m++) {
        for (let k = 0; k < mbSize; k++) {
          const j = order[m * mbSize + k]!;
          // Index loops, not subarray + set: no view object per row on the hot path.
          for (let i = 0; i < O; i++) mb.obs[k * O + i] = rollout.obs[j * O + i]!;
          for (let i = 0; i < A; i++) mb.act[k * A + i] = rollout.act[j * A + i]!;
          mb.oldLogp[k] = rollout.logp[j]!;
          mb.adv[k] = advantages[j]!;
          mb.ret[k] = returns[j]!;
          mb.oldV[k] = rollout.val[j]!;
        }
        const d = this.gradient.compute(args, mb, mbSize);
        sums.pg += d.pg;
        sums.v += d.v;
        sums.ent += d.ent;
        sums.kl += d.kl;
        sums.clip += d.clip;
        n += 1;
        this.adam.step(this.gradient.grad);
        const logStd = this.agent.logStd;
        for (let i = 0; i < logStd.length; i++) {
          if (logStd[i]! < args.logStdMin) logStd[i] = args.logStdMin;
          if (logStd[i]! > ceiling) logStd[i] = ceiling;
        }
      }
    }
    return meanDiagnostics(sums, n);
  }

  /** The whole state as JSON (between updates). */
  toJSON(): PgTrainerState {
    return {
      update: this.updateCount,
      globalStep: this.globalStep,
      params: this.agent.views.map((v, i) => ({
        shape: [...this.agent.shapes[i]!],
        values: Array.from(v),
      })),
      adam: this.adam.getState(),
      rng: this.rng.getState(),
      envs: this.envs.saveState(),
      nextObs: Array.from(this.nextObs),
      nextDone: Array.from(this.nextDone),
      elapsedMs: this.elapsedMs,
      ...(this.args.sde && this.args.sdeSampleFreq === 0
        ? { exploration: this.rollout.explorationState }
        : {}),
      ...(this.decayFrom !== undefined ? { logStdDecayFrom: this.decayFrom } : {}),
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
    const params = json.params;
    const shapes = this.agent.shapes;
    if (!Array.isArray(params) || params.length !== shapes.length)
      throw new RangeError(
        `trainer state holds ${Array.isArray(params) ? params.length : 'no'} parameter tensors, expected ${shapes.length}`,
      );
    params.forEach((p, i) => {
      if (p?.shape?.join() !== shapes[i]!.join())
        throw new RangeError(`parameter ${i} has shape [${p?.shape}], expected [${shapes[i]}]`);
      if (!Array.isArray(p.values) || !p.values.every((x) => Number.isFinite(x)))
        throw new RangeError(`parameter ${i} holds a value that is not a finite number`);
    });
    const obsSize = this.rollout.obs.length / (N * this.args.numSteps);
    if (!Array.isArray(json.nextObs) || json.nextObs.length !== N * obsSize)
      throw new RangeError(`trainer state: nextObs must hold ${N * obsSize} numbers`);
    if (!Array.isArray(json.nextDone) || json.nextDone.length !== N)
      throw new RangeError(`trainer state: nextDone must hold ${N} flags`);
    this.adam.setState(json.adam);
    this.rng = RNG.fromState(json.rng);
    this.envs.loadState(json.envs);
    if (this.args.sde && this.args.sdeSampleFreq === 0)
      this.rollout.explorationState = json.exploration;
    this.agent.setParameters(params.map((p) => p.values));
    this.nextObs = Float32Array.from(json.nextObs);
    this.nextDone = Float64Array.from(json.nextDone);
    this.updateCount = update;
    this.globalStep = globalStep;
    this.elapsedMs = typeof json.elapsedMs === 'number' ? json.elapsedMs : 0;
    if (json.logStdDecayFrom !== undefined) {
      const from = count(json.logStdDecayFrom, 'logStdDecayFrom');
      if (from < 1 || from > update)
        throw new RangeError(
          `trainer state: logStdDecayFrom must be an update done (1…${update}), got ${from}`,
        );
      this.decayFrom = from;
    }
  }

  /** The actor, its log-std and sub-env 0's observation statistics, for evaluation. */
  exportPolicy(): PgPolicyFile {
    const { agent } = this;
    const actorCount = (agent.actorSpec.sizes.length - 1) * 2;
    // wrapForPolicyGradient puts at most one NormalizeObservation in each sub-env's stack;
    // without it the policy reads raw observations (mean 0, variance 1 − 1e-8: scale 1).
    const top = this.envs.envs[0] as Wrapper;
    const O = (this.envs.singleObservationSpace as Box).size;
    const rms = top.findWrapper(NormalizeObservation)?.obsRms ?? {
      mean: new Float64Array(O),
      var: new Float64Array(O).fill(1 - 1e-8),
    };
    return {
      kind: 'ml3-pg-policy',
      envId: this.envId,
      actorSpec: agent.actorSpec,
      actorParams: agent.views
        .slice(0, actorCount)
        .map((v, i) => ({ shape: [...agent.shapes[i]!], values: Array.from(v) })),
      logStd: Array.from(agent.logStd),
      sde: agent.options.sde,
      ...(this.args.squash
        ? { squash: squashBounds(this.envs.envs[0]!.unwrapped.actionSpace) }
        : {}),
      obsMean: Array.from(rms.mean),
      obsVar: Array.from(rms.var),
    };
  }

  /** Closes the envs. */
  dispose(): void {
    this.envs.close();
  }
}

/**
 * Trains a Gaussian policy for `totalTimesteps`, calling `log` once per update with CleanRL's
 * metric names; returns the trained actor-critic.
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
    return trainer.agent;
  } finally {
    trainer.dispose();
  }
}
