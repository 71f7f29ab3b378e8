/** `MultiDiscrete`: a vector of Discrete choices, after `gymnasium.spaces.MultiDiscrete`. */
import { InvalidSpace } from '../core/errors.js';
import { maskedChoices } from './discrete.js';
import {
  formatShape,
  isNumericArrayLike,
  Space,
  type SpaceJSON,
  shapeSize,
  shapesEqual,
} from './space.js';

/**
 * Element i is an integer in `[start[i], start[i] + nvec[i])`; elements are Int32Arrays (flat,
 * row-major when `shape` has more than one dimension).
 *
 * @example
 * const keys = new MultiDiscrete([5, 2, 2]);
 */
export class MultiDiscrete extends Space<Int32Array> {
  /** Number of choices per element. */
  readonly nvec: Int32Array;
  /** Smallest value per element. */
  readonly start: Int32Array;
  declare readonly shape: readonly number[];
  readonly isFlattenable = true;

  /**
   * @param nvec choices per element (positive integers)
   * @param start smallest value per element (default all 0)
   * @param shape element shape (default `[nvec.length]`); `nvec` is then flat row-major
   * @param seed optional seed of the sampling RNG
   */
  constructor(
    nvec: ArrayLike<number>,
    start?: ArrayLike<number>,
    shape?: readonly number[],
    seed?: number,
  ) {
    const s = shape ?? [nvec.length];
    if (shapeSize(s) !== nvec.length) {
      throw new InvalidSpace(
        `MultiDiscrete shape ${formatShape(s)} does not fit ${nvec.length} entries of nvec`,
      );
    }
    for (let i = 0; i < nvec.length; i++) {
      const n = nvec[i]!;
      if (!Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1) {
        throw new InvalidSpace(
          `MultiDiscrete nvec entries must be positive integers, entry ${i} is ${n}`,
        );
      }
    }
    if (start !== undefined) {
      if (start.length !== nvec.length) {
        throw new InvalidSpace(
          `MultiDiscrete start has ${start.length} entries, nvec has ${nvec.length}`,
        );
      }
      for (let i = 0; i < start.length; i++) {
        const v = start[i]!;
        if (!Number.isInteger(v) || v + nvec[i]! - 1 > 2 ** 31 - 1 || v < -(2 ** 31)) {
          throw new InvalidSpace(
            `MultiDiscrete start entries must be int32 integers, entry ${i} is ${v}`,
          );
        }
      }
    }
    super(s, seed);
    this.nvec = Int32Array.from(nvec);
    this.start = start === undefined ? new Int32Array(nvec.length) : Int32Array.from(start);
  }

  /**
   * A uniform element; `mask` gives, per element, an array of nvec[i] zeros and ones (an element
   * with no allowed value takes its start).
   */
  override sample(mask?: readonly ArrayLike<number>[]): Int32Array {
    const out = new Int32Array(this.nvec.length);
    const rng = this.npRandom;
    if (mask !== undefined && (!Array.isArray(mask) || mask.length !== this.nvec.length)) {
      throw new InvalidSpace(`MultiDiscrete mask must be a list of ${this.nvec.length} masks`);
    }
    for (let i = 0; i < out.length; i++) {
      if (mask === undefined) {
        out[i] = this.start[i]! + rng.integers(this.nvec[i]!);
      } else {
        const allowed = maskedChoices(mask[i], this.nvec[i]!, `MultiDiscrete element ${i}`);
        out[i] = this.start[i]! + (allowed.length ? allowed[rng.integers(allowed.length)]! : 0);
      }
    }
    return out;
  }

  override contains(x: unknown): x is Int32Array {
    if (!isNumericArrayLike(x) || x instanceof Float32Array || x instanceof Float64Array)
      return false;
    if (x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isInteger(v) || v < this.start[i]! || v >= this.start[i]! + this.nvec[i]!)
        return false;
    }
    return true;
  }

  override equals(other: Space<unknown>): boolean {
    return (
      other instanceof MultiDiscrete &&
      shapesEqual(other.shape, this.shape) &&
      other.nvec.every((v, i) => v === this.nvec[i]) &&
      other.start.every((v, i) => v === this.start[i])
    );
  }

  override toJSON(): SpaceJSON {
    return {
      type: 'MultiDiscrete',
      nvec: Array.from(this.nvec),
      start: Array.from(this.start),
      shape: [...this.shape],
    };
  }

  override toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(', ')}])`;
  }
}
