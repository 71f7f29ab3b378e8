/**
 * Vector `NormalizeObservation` and `NormalizeReward`, after `gymnasium.wrappers.vector`: one set
 * of running statistics for all sub-envs, updated with the whole batch at each step.
 */
import type { Info } from '../../core/env.js';
import { InvalidArgument } from '../../core/errors.js';
import { batchSpace } from '../../spaces/batch.js';
import { Box, type BoxArray } from '../../spaces/box.js';
import type { Space } from '../../spaces/space.js';
import type { VectorEnv, VectorResetArgs, VectorStepResult } from '../../vector/vectorEnv.js';
import { RunningMeanStd } from '../runningMeanStd.js';
import { VectorWrapper } from './vectorWrapper.js';

/**
 * Normalises batched Box observations with running statistics over all sub-envs' rows:
 * `(obs − mean) / sqrt(var + epsilon)`, float32, in `Box(−∞, ∞)`.
 */
export class NormalizeObservation<BAct> extends VectorWrapper<BoxArray, BAct, Float32Array> {
  /** The running statistics (exposed for checkpoints). */
  readonly obsRms: RunningMeanStd;
  /** Whether observations update the statistics (set false to evaluate). */
  updateRunningMean = true;
  private readonly epsilon: number;
  private readonly size: number;

  /**
   * @param env a vector env whose sub-envs have a Box observation space
   * @param epsilon added to the variance before the square root
   */
  constructor(env: VectorEnv<BoxArray, BAct>, epsilon = 1e-8) {
    super(env);
    const single = env.singleObservationSpace;
    if (!(single instanceof Box)) {
      throw new InvalidArgument(
        `NormalizeObservation (vector) needs a Box observation space, got ${String(single)}`,
      );
    }
    this.size = single.size;
    this.singleObservationSpace = new Box(-Infinity, Infinity, single.shape, 'float32');
    this.observationSpace = batchSpace(
      this.singleObservationSpace,
      this.numEnvs,
    ) as Space<Float32Array>;
    this.obsRms = new RunningMeanStd(single.size);
    this.epsilon = epsilon;
  }

  override reset(args?: VectorResetArgs): [Float32Array, Info] {
    const [obs, infos] = this.env.reset(args);
    return [this.normalize(obs), infos];
  }

  override step(actions: BAct): VectorStepResult<Float32Array> {
    const [obs, ...rest] = this.env.step(actions);
    return [this.normalize(obs), ...rest];
  }

  private normalize(obs: BoxArray): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs, obs.length / this.size);
    const out = new Float32Array(obs.length);
    const { mean, var: variance } = this.obsRms;
    const { size, epsilon } = this;
    for (let i = 0; i < obs.length; i++) {
      const j = i % size;
      out[i] = (obs[i]! - mean[j]!) / Math.sqrt(variance[j]! + epsilon);
    }
    return out;
  }
}

/**
 * Scales rewards so each sub-env's discounted return has roughly unit variance:
 * `G_i ← G_i·γ·(1 − terminated_i) + r_i`, one running variance over all G_i,
 * `r_i / sqrt(var(G) + epsilon)`.
 */
export class NormalizeReward<BObs, BAct> extends VectorWrapper<BObs, BAct> {
  /** Running statistics of the discounted return. */
  readonly returnRms = new RunningMeanStd(1);
  /** Whether rewards update the statistics. */
  updateRunningMean = true;
  /** Each sub-env's running discounted return. */
  readonly accumulatedReward: Float64Array;
  private readonly gamma: number;
  private readonly epsilon: number;

  /**
   * @param env the vector env to wrap
   * @param gamma discount of the return whose variance is tracked
   * @param epsilon added to the variance before the square root
   */
  constructor(env: VectorEnv<BObs, BAct>, gamma = 0.99, epsilon = 1e-8) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1))
      throw new InvalidArgument(`gamma must be in [0, 1], got ${gamma}`);
    this.gamma = gamma;
    this.epsilon = epsilon;
    this.accumulatedReward = new Float64Array(this.numEnvs);
  }

  override step(actions: BAct): VectorStepResult<BObs> {
    const result = this.env.step(actions);
    const [, rewards, terminations] = result;
    const g = this.accumulatedReward;
    for (let i = 0; i < this.numEnvs; i++)
      g[i] = g[i]! * this.gamma * (terminations[i] ? 0 : 1) + rewards[i]!;
    if (this.updateRunningMean) this.returnRms.update(g, this.numEnvs);
    const std = Math.sqrt(this.returnRms.var[0]! + this.epsilon);
    const scaled = new Float64Array(this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) scaled[i] = rewards[i]! / std;
    result[1] = scaled;
    return result;
  }
}
