/** `Discrete`: the integers {start, …, start + n − 1}, after `gymnasium.spaces.Discrete`. */
import { InvalidSpace } from '../core/errors.js';
import { Space, type SpaceJSON } from './space.js';

/**
 * Checks an action mask (one 0/1 entry per choice) and returns the allowed offsets.
 * @internal shared by Discrete and MultiDiscrete
 */
export function maskedChoices(mask: unknown, n: number, what: string): number[] {
  if (!(ArrayBuffer.isView(mask) || Array.isArray(mask))) {
    throw new InvalidSpace(`${what} mask must be an array of ${n} zeros and ones`);
  }
  const m = mask as ArrayLike<number>;
  if (m.length !== n) {
    throw new InvalidSpace(`${what} mask must have ${n} entries, got ${m.length}`);
  }
  const allowed: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = m[i];
    if (v !== 0 && v !== 1) {
      throw new InvalidSpace(`${what} mask entries must be 0 or 1, entry ${i} is ${String(v)}`);
    }
    if (v === 1) allowed.push(i);
  }
  return allowed;
}

/**
 * A finite set of integers `start … start + n − 1`; elements are plain numbers.
 *
 * @example
 * const actions = new Discrete(3);   // 0, 1, 2
 * actions.sample(new Uint8Array([1, 0, 1]));   // only 0 or 2
 */
export class Discrete extends Space<number> {
  /** Number of elements. */
  readonly n: number;
  /** Smallest element. */
  readonly start: number;
  readonly isFlattenable = true;

  /**
   * @param n number of elements, a positive integer
   * @param start smallest element (default 0)
   * @param seed optional seed of the sampling RNG
   */
  constructor(n: number, start = 0, seed?: number) {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidSpace(`Discrete n must be a positive integer, got ${n}`);
    }
    if (!Number.isSafeInteger(start)) {
      throw new InvalidSpace(`Discrete start must be an integer, got ${start}`);
    }
    super([], seed);
    this.n = n;
    this.start = start;
  }

  /**
   * A uniform element; with `mask` (n entries of 0/1), uniform over the allowed ones, or `start`
   * when none is allowed (Gymnasium's rule).
   */
  override sample(mask?: ArrayLike<number>): number {
    if (mask === undefined) return this.start + this.npRandom.integers(this.n);
    const allowed = maskedChoices(mask, this.n, 'Discrete');
    if (allowed.length === 0) return this.start;
    return this.start + allowed[this.npRandom.integers(allowed.length)]!;
  }

  override contains(x: unknown): x is number {
    return (
      typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n
    );
  }

  override equals(other: Space<unknown>): boolean {
    return other instanceof Discrete && other.n === this.n && other.start === this.start;
  }

  override toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  override toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}
