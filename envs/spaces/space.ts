/**
 * The base class of every space, after `gymnasium.spaces.Space`: a set of valid observations or
 * actions with its own seedable RNG for `sample()`.
 */
import { RNG } from '../core/rng.js';

/** The JSON form of a space (see `spaceFromJSON`). */
export type SpaceJSON =
  | {
      type: 'Box';
      low: (number | string)[];
      high: (number | string)[];
      shape: number[];
      dtype: string;
    }
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'MultiDiscrete'; nvec: number[]; start: number[]; shape: number[] }
  | { type: 'MultiBinary'; shape: number[] }
  | { type: 'Dict'; spaces: Record<string, SpaceJSON> }
  | { type: 'Tuple'; spaces: SpaceJSON[] };

/**
 * A space of values of type `T`.
 *
 * Every space owns an RNG: `seed(n)` makes `sample()` reproducible; without a seed the RNG is
 * created from OS entropy on first use (Gymnasium's rule).
 */
export abstract class Space<T = unknown> {
  /** Shape of one element (row-major), or `undefined` for composite spaces. */
  readonly shape: readonly number[] | undefined;
  private rng: RNG | undefined;

  protected constructor(shape: readonly number[] | undefined, seed?: number) {
    this.shape = shape === undefined ? undefined : Object.freeze([...shape]);
    if (seed !== undefined) this.seed(seed);
  }

  /** This space's generator (created from entropy on first use if never seeded). */
  get npRandom(): RNG {
    if (this.rng === undefined) this.rng = new RNG();
    return this.rng;
  }

  set npRandom(rng: RNG) {
    this.rng = rng;
  }

  /**
   * Seeds this space's RNG (composite spaces seed their children from it) and returns the seeds
   * used, this space's first.
   */
  seed(seed?: number): number[] {
    this.rng = new RNG(seed);
    return [this.rng.seed!];
  }

  /** A random element of the space, drawn with this space's RNG. */
  abstract sample(mask?: unknown): T;

  /** Whether `x` is an element of the space (type, shape and bounds). */
  abstract contains(x: unknown): x is T;

  /** Structural equality (same type, shape, bounds/sizes, dtype). */
  abstract equals(other: Space<unknown>): boolean;

  /** The JSON form, from which `spaceFromJSON` rebuilds an equal space. */
  abstract toJSON(): SpaceJSON;

  /** Whether every element has the same shape and a flat array form (Box, Discrete, …). */
  abstract readonly isFlattenable: boolean;
}

/** Number of elements of a shape (1 for the scalar shape `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether two shapes are equal. */
export function shapesEqual(a: readonly number[] | undefined, b: readonly number[] | undefined) {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** `[2, 3]` → `"(2, 3)"`, NumPy's way of printing shapes (so messages read like Gymnasium's). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Whether `x` is a typed array (not a DataView). */
export function isTypedArray(x: unknown): x is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Whether `x` is a typed array or an array of numbers (only checks the container, O(1)). */
export function isNumericArrayLike(x: unknown): x is ArrayLike<number> {
  return isTypedArray(x) || Array.isArray(x);
}
