/** `Dict` and `Tuple`: spaces made of other spaces, after `gymnasium.spaces.Dict` / `Tuple`. */
import { InvalidSpace } from '../core/errors.js';
import { RNG } from '../core/rng.js';
import { Space, type SpaceJSON } from './space.js';

/** The element type of a space. */
export type SpaceElement<S> = S extends Space<infer T> ? T : never;

const INT32_MAX = 2 ** 31 - 1;

/** Seeds `children` from a fresh generator seeded with `seed`; returns that generator and all seeds. */
function seedChildren(seed: number | undefined, children: Space<unknown>[]) {
  const rng = new RNG(seed);
  const seeds = [rng.seed!];
  for (const child of children) seeds.push(...child.seed(rng.integers(INT32_MAX)));
  return { rng, seeds };
}

/**
 * A dictionary of named sub-spaces; keys are kept sorted (Gymnasium's rule), elements are plain
 * objects with exactly those keys.
 *
 * @example
 * const obs = new Dict({ position: new Box(-1, 1, [2]), gear: new Discrete(3) });
 */
export class Dict<
  S extends Record<string, Space<unknown>> = Record<string, Space<unknown>>,
> extends Space<{
  [K in keyof S]: SpaceElement<S[K]>;
}> {
  /** Sub-spaces by key, in sorted key order. */
  readonly spaces: Readonly<S>;
  readonly isFlattenable: boolean;

  /**
   * @param spaces sub-spaces by key (at least one)
   * @param seed optional seed; children are seeded from it
   */
  constructor(spaces: S, seed?: number) {
    const keys = Object.keys(spaces).sort();
    for (const k of keys) {
      if (!(spaces[k] instanceof Space)) throw new InvalidSpace(`Dict entry "${k}" is not a Space`);
    }
    super(undefined);
    this.spaces = Object.freeze(Object.fromEntries(keys.map((k) => [k, spaces[k]]))) as S;
    this.isFlattenable = keys.every((k) => spaces[k]!.isFlattenable);
    if (seed !== undefined) this.seed(seed);
  }

  /** Sorted keys. */
  keys(): string[] {
    return Object.keys(this.spaces);
  }

  /** `[key, sub-space]` pairs in sorted key order. */
  entries(): [string, Space<unknown>][] {
    return Object.entries(this.spaces);
  }

  override seed(seed?: number): number[] {
    const { rng, seeds } = seedChildren(seed, Object.values(this.spaces));
    this.npRandom = rng;
    return seeds;
  }

  override sample(mask?: Record<string, unknown>): { [K in keyof S]: SpaceElement<S[K]> } {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(this.spaces)) out[k] = s.sample(mask?.[k]);
    return out as { [K in keyof S]: SpaceElement<S[K]> };
  }

  override contains(x: unknown): x is { [K in keyof S]: SpaceElement<S[K]> } {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const keys = this.keys();
    const xk = Object.keys(x);
    if (xk.length !== keys.length) return false;
    return keys.every((k) => k in x && this.spaces[k]!.contains((x as Record<string, unknown>)[k]));
  }

  override equals(other: Space<unknown>): boolean {
    if (!(other instanceof Dict)) return false;
    const a = this.keys();
    const b = other.keys();
    return (
      a.length === b.length &&
      a.every((k, i) => k === b[i] && this.spaces[k]!.equals(other.spaces[k]!))
    );
  }

  override toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const [k, s] of Object.entries(this.spaces)) spaces[k] = s.toJSON();
    return { type: 'Dict', spaces };
  }

  override toString(): string {
    return `Dict(${Object.entries(this.spaces)
      .map(([k, s]) => `'${k}': ${s}`)
      .join(', ')})`;
  }
}

/**
 * A fixed-length tuple of sub-spaces; elements are arrays.
 *
 * @example
 * const obs = new Tuple([new Discrete(2), new Box(0, 1, [3])]);
 */
export class Tuple<S extends readonly Space<unknown>[] = readonly Space<unknown>[]> extends Space<{
  -readonly [K in keyof S]: SpaceElement<S[K]>;
}> {
  /** The sub-spaces in order. */
  readonly spaces: S;
  readonly isFlattenable: boolean;

  /**
   * @param spaces the sub-spaces
   * @param seed optional seed; children are seeded from it
   */
  constructor(spaces: S, seed?: number) {
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) throw new InvalidSpace(`Tuple entry ${i} is not a Space`);
    });
    super(undefined);
    this.spaces = Object.freeze([...spaces]) as unknown as S;
    this.isFlattenable = spaces.every((s) => s.isFlattenable);
    if (seed !== undefined) this.seed(seed);
  }

  /** The sub-spaces, untyped (for generic code over spaces). */
  get children(): readonly Space<unknown>[] {
    return this.spaces;
  }

  override seed(seed?: number): number[] {
    const { rng, seeds } = seedChildren(seed, [...this.spaces]);
    this.npRandom = rng;
    return seeds;
  }

  override sample(mask?: readonly unknown[]): { -readonly [K in keyof S]: SpaceElement<S[K]> } {
    return this.spaces.map((s, i) => s.sample(mask?.[i])) as {
      -readonly [K in keyof S]: SpaceElement<S[K]>;
    };
  }

  override contains(x: unknown): x is { -readonly [K in keyof S]: SpaceElement<S[K]> } {
    return (
      Array.isArray(x) &&
      x.length === this.spaces.length &&
      this.spaces.every((s, i) => s.contains(x[i]))
    );
  }

  override equals(other: Space<unknown>): boolean {
    return (
      other instanceof Tuple &&
      other.spaces.length === this.spaces.length &&
      this.spaces.every((s, i) => s.equals(other.spaces[i]!))
    );
  }

  override toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  override toString(): string {
    return `Tuple(${this.spaces.join(', ')})`;
  }
}
