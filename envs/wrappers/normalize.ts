/**
 * `NormalizeObservation` and `NormalizeReward`, after Gymnasium's wrappers (running statistics,
 * updated while `updateRunningMean` is true; freeze them for evaluation).
 */
import type { Env, StepResult } from '../core/env.js';
import { InvalidArgument } from '../core/errors.js';
import { savedNumber } from '../core/savedState.js';
import { Box, type BoxArray } from '../spaces/box.js';
import { RunningMeanStd, type RunningMeanStdState } from './runningMeanStd.js';
import { ObservationWrapper, Wrapper } from './wrapper.js';

/**
 * Normalises Box observations to zero mean and unit variance with running statistics:
 * `(obs − mean) / sqrt(var + epsilon)`, returned as float32 in `Box(−∞, ∞)`.
 */
export class NormalizeObservation<Act> extends ObservationWrapper<Float32Array, Act, BoxArray> {
  /** The running statistics (exposed for checkpoints). */
  readonly obsRms: RunningMeanStd;
  /** Whether observations update the statistics (set false to evaluate). */
  updateRunningMean = true;
  private readonly epsilon: number;

  /**
   * @param env an env with a Box observation space
   * @param epsilon added to the variance before the square root
   */
  constructor(env: Env<BoxArray, Act>, epsilon = 1e-8) {
    super(env);
    const space = env.observationSpace;
    if (!(space instanceof Box)) {
      throw new InvalidArgument(
        `NormalizeObservation needs a Box observation space, got ${String(space)}`,
      );
    }
    this.observationSpace = new Box(-Infinity, Infinity, space.shape, 'float32');
    this.obsRms = new RunningMeanStd(space.size);
    this.epsilon = epsilon;
  }

  protected override saveOwnState(): unknown {
    return this.obsRms.getState();
  }

  protected override loadOwnState(own: unknown): void {
    this.obsRms.setState(own as RunningMeanStdState);
  }

  override observation(obs: BoxArray): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs);
    const out = new Float32Array(obs.length);
    const { mean, var: variance } = this.obsRms;
    for (let i = 0; i < obs.length; i++)
      out[i] = (obs[i]! - mean[i]!) / Math.sqrt(variance[i]! + this.epsilon);
    return out;
  }
}

/**
 * Scales rewards so the discounted return has roughly unit variance:
 * `G ← G·γ·(1 − terminated) + r`, statistics of G, `r / sqrt(var(G) + epsilon)`.
 */
export class NormalizeReward<Obs, Act> extends Wrapper<Obs, Act> {
  /** Running statistics of the discounted return. */
  readonly returnRms = new RunningMeanStd(1);
  /** Whether rewards update the statistics. */
  updateRunningMean = true;
  private discountedReward = 0;
  private readonly gamma: number;
  private readonly epsilon: number;

  /**
   * @param env the env to wrap
   * @param gamma discount of the return whose variance is tracked
   * @param epsilon added to the variance before the square root
   */
  constructor(env: Env<Obs, Act>, gamma = 0.99, epsilon = 1e-8) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1))
      throw new InvalidArgument(`gamma must be in [0, 1], got ${gamma}`);
    this.gamma = gamma;
    this.epsilon = epsilon;
  }

  protected override saveOwnState(): unknown {
    return { returnRms: this.returnRms.getState(), discountedReward: this.discountedReward };
  }

  protected override loadOwnState(own: unknown): void {
    const s = (own ?? {}) as Record<string, unknown>;
    this.returnRms.setState(s.returnRms as RunningMeanStdState);
    this.discountedReward = savedNumber(s, 'discountedReward', 'NormalizeReward');
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    const [, reward, terminated] = result;
    this.discountedReward = this.discountedReward * this.gamma * (terminated ? 0 : 1) + reward;
    if (this.updateRunningMean) this.returnRms.update([this.discountedReward]);
    result[1] = reward / Math.sqrt(this.returnRms.var[0]! + this.epsilon);
    return result;
  }
}
