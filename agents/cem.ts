/**
 * The cross-entropy method (Rubinstein 1999) as an ask/tell optimiser over real vectors: sample a
 * Gaussian population, keep the elite fraction by score, refit the mean and std to the elites.
 * Used for policy search here and, over action sequences, by sampling planners.
 */
import type { RNG } from '../envs/index.js';

/** Settings of {@link CrossEntropyMethod}. */
export interface CemArgs {
  /** Candidates per iteration. */
  populationSize: number;
  /** Fraction of the population refitted to (at least one candidate). */
  eliteFraction: number;
  /** Initial std of every coordinate. */
  initStd: number;
  /** Floor of the std (keeps exploring once the elites agree). */
  minStd: number;
  /** Weight of the new fit in the update: 1 replaces mean/std, smaller values smooth them. */
  smoothing: number;
}

/** Defaults that suit low-dimensional policy search. */
export const CEM_DEFAULTS: Readonly<CemArgs> = Object.freeze({
  populationSize: 32,
  eliteFraction: 0.2,
  initStd: 1,
  minStd: 0.05,
  smoothing: 1,
});

/** The serialisable state of a {@link CrossEntropyMethod}. */
export interface CemState {
  mean: number[];
  std: number[];
}

/** Summary of one `tell`. */
export interface CemUpdate {
  /** Best score of the population. */
  best: number;
  /** Mean score of the elites. */
  eliteMean: number;
  /** Mean score of the population. */
  mean: number;
}

/** Ask/tell CEM maximising a score. */
export class CrossEntropyMethod {
  readonly args: Readonly<CemArgs>;
  private mean: Float64Array;
  private std: Float64Array;

  /**
   * @param dim dimension of the search space
   * @param args settings (see {@link CemArgs})
   * @param initialMean start of the search (default zeros)
   */
  constructor(
    dim: number,
    args: Readonly<CemArgs> = CEM_DEFAULTS,
    initialMean?: ArrayLike<number>,
  ) {
    if (!(Number.isInteger(dim) && dim > 0))
      throw new RangeError(`CEM dimension must be a positive integer, got ${dim}`);
    if (!(args.populationSize >= 2 && Number.isInteger(args.populationSize))) {
      throw new RangeError(`populationSize must be an integer >= 2, got ${args.populationSize}`);
    }
    if (!(args.eliteFraction > 0 && args.eliteFraction <= 1))
      throw new RangeError(`eliteFraction must be in (0, 1], got ${args.eliteFraction}`);
    if (!(args.smoothing > 0 && args.smoothing <= 1))
      throw new RangeError(`smoothing must be in (0, 1], got ${args.smoothing}`);
    if (!(args.initStd > 0 && args.minStd >= 0))
      throw new RangeError('initStd must be > 0 and minStd >= 0');
    this.args = args;
    this.mean = initialMean ? Float64Array.from(initialMean) : new Float64Array(dim);
    if (this.mean.length !== dim)
      throw new RangeError(`initial mean has ${this.mean.length} values, dimension is ${dim}`);
    this.std = new Float64Array(dim).fill(args.initStd);
  }

  /** Number of elites per iteration. */
  get eliteCount(): number {
    return Math.max(1, Math.round(this.args.populationSize * this.args.eliteFraction));
  }

  /** The current mean (a copy): the search's best guess. */
  getMean(): Float64Array {
    return Float64Array.from(this.mean);
  }

  /** Draws a population from N(mean, std²). */
  ask(rng: RNG): Float64Array[] {
    return Array.from({ length: this.args.populationSize }, () => {
      const x = new Float64Array(this.mean.length);
      for (let i = 0; i < x.length; i++) x[i] = this.mean[i]! + this.std[i]! * rng.normal();
      return x;
    });
  }

  /** Refits to the elites of `population` by `scores` (higher is better). */
  tell(population: readonly Float64Array[], scores: readonly number[]): CemUpdate {
    if (population.length !== scores.length || population.length === 0) {
      throw new RangeError('tell needs one score per candidate');
    }
    const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    const elites = order.slice(0, this.eliteCount);
    const a = this.args.smoothing;
    for (let j = 0; j < this.mean.length; j++) {
      let m = 0;
      for (const e of elites) m += population[e]![j]!;
      m /= elites.length;
      let v = 0;
      for (const e of elites) v += (population[e]![j]! - m) ** 2;
      const s = Math.sqrt(v / elites.length);
      this.mean[j] = (1 - a) * this.mean[j]! + a * m;
      this.std[j] = Math.max(this.args.minStd, (1 - a) * this.std[j]! + a * s);
    }
    const eliteMean = elites.reduce((acc, e) => acc + scores[e]!, 0) / elites.length;
    return {
      best: scores[order[0]!]!,
      eliteMean,
      mean: scores.reduce((x, y) => x + y, 0) / scores.length,
    };
  }

  /** The state for a checkpoint. */
  getState(): CemState {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  /** Restores a state from {@link CrossEntropyMethod.getState}. */
  setState(state: CemState): void {
    const ok =
      Array.isArray(state?.mean) &&
      Array.isArray(state.std) &&
      state.mean.length === this.mean.length &&
      state.std.length === this.std.length &&
      [...state.mean, ...state.std].every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw new RangeError(`CEM state must have ${this.mean.length} finite means and stds`);
    this.mean = Float64Array.from(state.mean);
    this.std = Float64Array.from(state.std);
  }
}
