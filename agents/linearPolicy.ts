/**
 * A linear policy over a flat parameter vector, for derivative-free search (CEM): continuous
 * actions `clip(W·ô + b)` (ô the observation scaled by its space's finite bounds), discrete
 * actions `argmax(W·ô + b)`.
 */
import { Box, Discrete, type Env, InvalidArgument } from '../envs/index.js';

/** A linear policy bound to an env's spaces. */
export class LinearPolicy {
  /** Observation size. */
  readonly obsSize: number;
  /** Outputs: the action size (Box) or the number of actions (Discrete). */
  readonly outSize: number;
  /** Length of the parameter vector: (obsSize + 1) · outSize. */
  readonly numParams: number;
  private readonly scale: Float64Array;
  private readonly actionSpace: Box | Discrete;
  private readonly scores: Float64Array;

  constructor(observationSpace: unknown, actionSpace: unknown) {
    if (!(observationSpace instanceof Box)) {
      throw new InvalidArgument(
        `a linear policy needs a Box observation space, got ${String(observationSpace)}`,
      );
    }
    if (!(actionSpace instanceof Box) && !(actionSpace instanceof Discrete)) {
      throw new InvalidArgument(
        `a linear policy needs a Box or Discrete action space, got ${String(actionSpace)}`,
      );
    }
    this.obsSize = observationSpace.size;
    this.actionSpace = actionSpace as Box | Discrete;
    this.outSize = actionSpace instanceof Box ? actionSpace.size : actionSpace.n;
    this.numParams = (this.obsSize + 1) * this.outSize;
    // Scale each observation by its largest finite bound so the weights are O(1).
    this.scale = Float64Array.from({ length: this.obsSize }, (_, i) => {
      const m = Math.max(Math.abs(observationSpace.low[i]!), Math.abs(observationSpace.high[i]!));
      return Number.isFinite(m) && m > 0 ? 1 / m : 1;
    });
    this.scores = new Float64Array(this.outSize);
  }

  /** The action for `obs` under `params` (a Float32Array for Box spaces, a number for Discrete). */
  act(params: ArrayLike<number>, obs: ArrayLike<number>): Float32Array | number {
    const n = this.obsSize;
    for (let k = 0; k < this.outSize; k++) {
      const row = k * (n + 1);
      let s = params[row + n]!;
      for (let i = 0; i < n; i++) s += params[row + i]! * obs[i]! * this.scale[i]!;
      this.scores[k] = s;
    }
    const space = this.actionSpace;
    if (space instanceof Discrete) {
      let best = 0;
      for (let k = 1; k < this.outSize; k++) if (this.scores[k]! > this.scores[best]!) best = k;
      return space.start + best;
    }
    const out = new Float32Array(this.outSize);
    for (let k = 0; k < this.outSize; k++)
      out[k] = Math.min(Math.max(this.scores[k]!, space.low[k]!), space.high[k]!);
    return out;
  }

  /** Runs one episode (reset with `seed`) and returns its return and length. */
  episode(
    env: Env,
    params: ArrayLike<number>,
    seed?: number,
  ): { return: number; length: number; terminated: boolean } {
    let [obs] = env.reset(seed === undefined ? {} : { seed });
    let total = 0;
    for (let t = 1; ; t++) {
      const [next, reward, terminated, truncated] = env.step(
        this.act(params, obs as ArrayLike<number>),
      );
      total += reward;
      obs = next;
      if (terminated || truncated) return { return: total, length: t, terminated };
    }
  }
}
