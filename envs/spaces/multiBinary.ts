/** `MultiBinary`: arrays of zeros and ones, after `gymnasium.spaces.MultiBinary`. */
import { InvalidSpace } from '../core/errors.js';
import {
  formatShape,
  isNumericArrayLike,
  Space,
  type SpaceJSON,
  shapeSize,
  shapesEqual,
} from './space.js';

/**
 * Binary arrays of a fixed shape; elements are Int8Arrays (flat, row-major).
 *
 * @example
 * const buttons = new MultiBinary(4);
 */
export class MultiBinary extends Space<Int8Array> {
  /** Number of entries. */
  readonly size: number;
  declare readonly shape: readonly number[];
  readonly isFlattenable = true;

  /**
   * @param n number of entries, or a shape
   * @param seed optional seed of the sampling RNG
   */
  constructor(n: number | readonly number[], seed?: number) {
    const shape = typeof n === 'number' ? [n] : [...n];
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new InvalidSpace(
        `MultiBinary n must be a positive integer or shape, got ${formatShape(shape)}`,
      );
    }
    super(shape, seed);
    this.size = shapeSize(shape);
  }

  /** A uniform element; `mask` entries 0 or 1 fix that entry, 2 leaves it random (Gymnasium's rule). */
  override sample(mask?: ArrayLike<number>): Int8Array {
    const out = new Int8Array(this.size);
    const rng = this.npRandom;
    if (mask !== undefined && (!isNumericArrayLike(mask) || mask.length !== this.size)) {
      throw new InvalidSpace(`MultiBinary mask must have ${this.size} entries of 0, 1 or 2`);
    }
    for (let i = 0; i < this.size; i++) {
      const m = mask === undefined ? 2 : mask[i];
      if (m === 0 || m === 1) out[i] = m;
      else if (m === 2) out[i] = rng.integers(2);
      else throw new InvalidSpace(`MultiBinary mask entries must be 0, 1 or 2, entry ${i} is ${m}`);
    }
    return out;
  }

  override contains(x: unknown): x is Int8Array {
    if (!isNumericArrayLike(x) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }

  override equals(other: Space<unknown>): boolean {
    return other instanceof MultiBinary && shapesEqual(other.shape, this.shape);
  }

  override toJSON(): SpaceJSON {
    return { type: 'MultiBinary', shape: [...this.shape] };
  }

  override toString(): string {
    return `MultiBinary(${this.shape.length === 1 ? this.size : formatShape(this.shape)})`;
  }
}
