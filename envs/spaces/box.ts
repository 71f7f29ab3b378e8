/**
 * `Box`: a (possibly unbounded) box in R^n, after `gymnasium.spaces.Box`. Elements are flat
 * row-major typed arrays of the box's dtype.
 */
import { InvalidSpace } from '../core/errors.js';
import {
  formatShape,
  isTypedArray,
  Space,
  type SpaceJSON,
  shapeSize,
  shapesEqual,
} from './space.js';

/** Element types a Box can hold. */
export type BoxDtype = 'float32' | 'float64' | 'int32' | 'uint8';

/** The typed array that holds an element of a Box of dtype `D`. */
export type BoxArray<D extends BoxDtype = BoxDtype> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

const CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255] } as const;

/** The dtype whose typed array `x` is, or `undefined` for other arrays. */
export function dtypeOf(x: unknown): BoxDtype | undefined {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** NumPy's `can_cast(from, to, "safe")` restricted to the Box dtypes. */
export function canCast(from: BoxDtype, to: BoxDtype): boolean {
  if (from === to || to === 'float64') return true;
  if (from === 'uint8') return true; // uint8 fits in int32, float32
  return false; // int32 → float32 loses precision; float64 → float32 narrows; floats → ints
}

/** The shortest decimal that rounds to the same float32 (how NumPy prints float32 values). */
export function shortestFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}

/** Allocates a zeroed typed array of a dtype. */
export function allocArray<D extends BoxDtype>(dtype: D, length: number): BoxArray<D> {
  return new CONSTRUCTORS[dtype](length) as BoxArray<D>;
}

function isIntDtype(dtype: BoxDtype): dtype is 'int32' | 'uint8' {
  return dtype === 'int32' || dtype === 'uint8';
}

function bound(value: number | ArrayLike<number>, size: number, what: string): Float64Array {
  if (typeof value === 'number') return new Float64Array(size).fill(value);
  if (value.length !== size) {
    throw new InvalidSpace(`Box ${what} has ${value.length} elements, the shape needs ${size}`);
  }
  return Float64Array.from(value);
}

/**
 * A box `[low, high]` of shape `shape` and dtype `dtype`; bounds may be ±Infinity for float boxes.
 *
 * `sample()` follows Gymnasium: uniform where both bounds are finite, `low + Exp(1)` where only
 * the lower bound is, `high − Exp(1)` where only the upper is, and N(0, 1) where neither is.
 *
 * @example
 * const actions = new Box(-1, 1, [2]);          // float32 by default
 * const pixels = new Box(0, 255, [64, 64, 3], 'uint8');
 */
export class Box<D extends BoxDtype = 'float32'> extends Space<BoxArray<D>> {
  /** Lower bounds per element (float32 boxes: rounded to float32), flat row-major. */
  readonly low: Float64Array;
  /** Upper bounds per element, flat row-major. */
  readonly high: Float64Array;
  /** Element type. */
  readonly dtype: D;
  /** Number of elements. */
  readonly size: number;
  declare readonly shape: readonly number[];
  readonly isFlattenable = true;
  private readonly boundedBelow: Uint8Array;
  private readonly boundedAbove: Uint8Array;

  /**
   * @param low lower bound, a scalar (broadcast) or one value per element
   * @param high upper bound, a scalar or one value per element
   * @param shape element shape; inferred from an array bound when omitted
   * @param dtype element type (default float32, as Gymnasium)
   * @param seed optional seed of the sampling RNG
   */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    dtype: D = 'float32' as D,
    seed?: number,
  ) {
    if (!(dtype in CONSTRUCTORS)) {
      throw new InvalidSpace(
        `Box dtype must be one of ${Object.keys(CONSTRUCTORS).join(', ')}, got ${String(dtype)}`,
      );
    }
    const inferred =
      shape ??
      (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : [1]);
    if (!inferred.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidSpace(
        `Box shape must be a list of non-negative integers, got [${inferred.join(', ')}]`,
      );
    }
    super(inferred, seed);
    this.dtype = dtype;
    this.size = shapeSize(inferred);
    this.low = bound(low, this.size, 'low');
    this.high = bound(high, this.size, 'high');
    for (let i = 0; i < this.size; i++) {
      let lo = this.low[i]!;
      let hi = this.high[i]!;
      if (Number.isNaN(lo) || Number.isNaN(hi)) {
        throw new InvalidSpace(`Box bounds must not be NaN (element ${i}: low ${lo}, high ${hi})`);
      }
      if (isIntDtype(dtype)) {
        const [min, max] = INT_RANGE[dtype];
        // Gymnasium maps infinite bounds of integer boxes to the dtype's limits.
        lo = lo === -Infinity ? min : lo;
        hi = hi === Infinity ? max : hi;
        if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi > max) {
          throw new InvalidSpace(
            `${dtype} Box bounds must be integers in [${min}, ${max}] (element ${i}: low ${lo}, high ${hi})`,
          );
        }
      } else if (dtype === 'float32') {
        lo = Math.fround(lo);
        hi = Math.fround(hi);
      }
      if (lo > hi) {
        throw new InvalidSpace(`Box low must be <= high, element ${i} has low ${lo} > high ${hi}`);
      }
      this.low[i] = lo;
      this.high[i] = hi;
    }
    this.boundedBelow = Uint8Array.from(this.low, (v) => (v > -Infinity ? 1 : 0));
    this.boundedAbove = Uint8Array.from(this.high, (v) => (v < Infinity ? 1 : 0));
  }

  /**
   * Whether the box is bounded: `"both"` (default) both sides of every element, `"below"` or
   * `"above"` one side.
   */
  isBounded(manner: 'both' | 'below' | 'above' = 'both'): boolean {
    const below = this.boundedBelow.every((b) => b === 1);
    const above = this.boundedAbove.every((b) => b === 1);
    if (manner === 'below') return below;
    if (manner === 'above') return above;
    return below && above;
  }

  override sample(mask?: unknown): BoxArray<D> {
    if (mask !== undefined) {
      throw new InvalidSpace('Box.sample does not support a mask (Gymnasium neither)');
    }
    const rng = this.npRandom;
    const out = allocArray(this.dtype, this.size);
    const int = isIntDtype(this.dtype);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      // Integer boxes sample [low, high + 1) and floor, so `high` is reachable.
      const hi = int ? this.high[i]! + 1 : this.high[i]!;
      let v: number;
      if (this.boundedBelow[i] && this.boundedAbove[i]) v = rng.uniform(lo, hi);
      else if (this.boundedBelow[i]) v = lo + rng.exponential();
      else if (this.boundedAbove[i]) v = hi - rng.exponential();
      else v = rng.normal();
      if (int) v = Math.min(Math.floor(v), this.high[i]!);
      out[i] = v;
    }
    return out;
  }

  override contains(x: unknown): x is BoxArray<D> {
    let values: ArrayLike<number>;
    if (isTypedArray(x)) {
      const dt = dtypeOf(x);
      if (dt === undefined || !canCast(dt, this.dtype)) return false;
      values = x;
    } else if (Array.isArray(x)) {
      if (!x.every((v) => typeof v === 'number')) return false;
      if (isIntDtype(this.dtype) && !x.every((v) => Number.isInteger(v))) return false;
      values = x;
    } else if (typeof x === 'number' && this.size === 1 && this.shape.length === 0) {
      values = [x];
    } else {
      return false;
    }
    if (values.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = values[i]!;
      if (!(v >= this.low[i]! && v <= this.high[i]!)) return false; // NaN fails too
    }
    return true;
  }

  override equals(other: Space<unknown>): boolean {
    return (
      other instanceof Box &&
      other.dtype === this.dtype &&
      shapesEqual(other.shape, this.shape) &&
      other.low.every((v, i) => Object.is(v, this.low[i])) &&
      other.high.every((v, i) => Object.is(v, this.high[i]))
    );
  }

  override toJSON(): SpaceJSON {
    // JSON has no Infinity: infinite bounds are written as the strings "inf" / "-inf".
    const enc = (v: number) => (Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf');
    return {
      type: 'Box',
      low: Array.from(this.low, enc),
      high: Array.from(this.high, enc),
      shape: [...this.shape],
      dtype: this.dtype,
    };
  }

  override toString(): string {
    const uniform = (a: Float64Array) => a.every((v) => v === a[0]);
    const num = (v: number) => (this.dtype === 'float32' ? shortestFloat32(v) : String(v));
    const fmt = (a: Float64Array) =>
      this.size > 0 && uniform(a) ? num(a[0]!) : `[${Array.from(a, num).join(', ')}]`;
    return `Box(${fmt(this.low)}, ${fmt(this.high)}, ${formatShape(this.shape)}, ${this.dtype})`;
  }
}
