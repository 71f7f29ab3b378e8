/**
 * Running mean and variance (parallel/Welford update of Chan et al.), as Gymnasium's and
 * CleanRL's `RunningMeanStd`, for observation and return normalisation.
 */

/** The saved state of a {@link RunningMeanStd} (for checkpoints). */
export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

/** Tracks per-element mean and (population) variance of a stream of vectors. */
export class RunningMeanStd {
  /** Current mean per element. */
  readonly mean: Float64Array;
  /** Current variance per element. */
  readonly var: Float64Array;
  /** Number of samples seen (starts at `epsilon`, as Gymnasium's). */
  count: number;

  /**
   * @param size vector length
   * @param epsilon initial count (keeps the first update from dividing by zero)
   */
  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds `batchCount` samples given as a flat row-major array of `batchCount × size` values. */
  update(batch: ArrayLike<number>, batchCount = 1): void {
    const size = this.mean.length;
    const total = this.count + batchCount;
    for (let j = 0; j < size; j++) {
      let bMean = 0;
      for (let i = 0; i < batchCount; i++) bMean += batch[i * size + j]!;
      bMean /= batchCount;
      let bVar = 0;
      for (let i = 0; i < batchCount; i++) bVar += (batch[i * size + j]! - bMean) ** 2;
      bVar /= batchCount;
      const delta = bMean - this.mean[j]!;
      const m2 =
        this.var[j]! * this.count +
        bVar * batchCount +
        (delta * delta * this.count * batchCount) / total;
      this.mean[j] = this.mean[j]! + (delta * batchCount) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }

  /** A JSON-serialisable copy of the statistics. */
  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restores statistics saved by {@link RunningMeanStd.getState}. */
  setState(state: RunningMeanStdState): void {
    const ok = (xs: unknown) =>
      Array.isArray(xs) &&
      xs.length === this.mean.length &&
      xs.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!ok(state?.mean) || !ok(state?.var) || !(state.count > 0)) {
      throw new RangeError(
        `RunningMeanStd state needs mean and var lists of ${this.mean.length} finite numbers and a positive count, got ${JSON.stringify(state)?.slice(0, 120)}`,
      );
    }
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
  }
}
