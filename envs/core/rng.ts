/**
 * Seeded random number generation: the counterpart of NumPy's `np.random.Generator` as Gymnasium
 * uses it (`env.np_random`, `space.np_random`). Backed by seedrandom's Alea generator, whose whole
 * state is four numbers, so it is cheap to copy, compare and save in a checkpoint.
 */
import seedrandom from 'seedrandom';
import { InvalidSeed } from './errors.js';

/** The serialisable state of an {@link RNG}: JSON round-trips it exactly. */
export interface RNGState {
  /** The generator algorithm; only `"alea"` exists today. */
  readonly algorithm: 'alea';
  /** Alea's internal registers. */
  readonly state: { c: number; s0: number; s1: number; s2: number };
}

/** Largest seed accepted: seeds are non-negative safe integers, as Gymnasium's are non-negative ints. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * Throws {@link InvalidSeed} unless `seed` is a non-negative safe integer.
 * @param seed the value to check
 * @param what how to name the value in the error message
 */
export function assertValidSeed(seed: unknown, what = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidSeed(
      `${what} must be a non-negative integer no larger than ${MAX_SEED}, got ${describe(seed)}`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/**
 * A fresh seed from the operating system's entropy (Web Crypto, in Node and browsers alike), for
 * generators the user did not seed.
 */
export function entropySeed(): number {
  // 48 bits keep the value a safe integer.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return bytes.reduce((seed, byte) => seed * 256 + byte, 0);
}

/**
 * A seeded pseudo-random generator with NumPy-Generator-like methods.
 *
 * @example
 * const rng = new RNG(42);
 * rng.uniform(-1, 1); rng.normal(); rng.integers(0, 10);
 * const saved = rng.getState();   // later: rng.setState(saved)
 */
export class RNG {
  /** The seed this generator started from (`undefined` after {@link RNG.setState}). */
  readonly seed: number | undefined;
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  /**
   * @param seed a non-negative integer; omitted → a seed drawn from OS entropy (see `seed`)
   */
  constructor(seed?: number) {
    const s = seed ?? entropySeed();
    assertValidSeed(s);
    this.seed = s;
    this.prng = seedrandom.alea(String(s), { state: true });
  }

  /** Creates a generator positioned at a saved state. */
  static fromState(state: RNGState): RNG {
    const rng = new RNG(0);
    rng.setState(state);
    return rng;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  random(): number {
    return this.prng.double();
  }

  /** A uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.prng.double();
  }

  /** A normal sample (Box–Muller; one draw per call so the state stays four numbers). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.prng.double(); // (0, 1]: log is finite
    const u2 = this.prng.double();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An exponential sample with the given scale (mean). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.prng.double());
  }

  /**
   * A uniform integer in [low, high) (NumPy's `integers`); with one argument, in [0, low).
   * Throws if the range is empty.
   */
  integers(low: number, high?: number): number {
    let lo = low;
    let hi = high;
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
      throw new RangeError(
        `integers(low, high) needs integers with low < high, got [${lo}, ${hi})`,
      );
    }
    return lo + Math.floor(this.prng.double() * (hi - lo));
  }

  /** Fills `out` with uniform samples in [low, high) and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.prng.double();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng.double() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** The exact current state, as plain JSON-serialisable data. */
  getState(): RNGState {
    const s = this.prng.state();
    return { algorithm: 'alea', state: { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2 } };
  }

  /** Moves the generator to a state from {@link RNG.getState}; validates it first. */
  setState(state: RNGState): void {
    const s = state?.state;
    const ok =
      state?.algorithm === 'alea' &&
      s != null &&
      [s.c, s.s0, s.s1, s.s2].every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new InvalidSeed(
        `not an RNG state: expected { algorithm: "alea", state: { c, s0, s1, s2 } } with finite numbers, got ${JSON.stringify(state)}`,
      );
    }
    this.prng = seedrandom.alea('', { state: { ...s } });
    (this as { seed: number | undefined }).seed = undefined;
  }

  /** An independent generator at the same state. */
  clone(): RNG {
    return RNG.fromState(this.getState());
  }

  /**
   * Derives an integer seed for a named sub-generator (env, action space, network init, …), so one
   * user seed fans out into independent, reproducible streams.
   */
  static deriveSeed(seed: number, name: string): number {
    assertValidSeed(seed);
    const g = seedrandom.alea(`${seed}/${name}`);
    return (g.int32() >>> 0) * 0x10000 + (g.int32() >>> 16);
  }
}

/** Whether two RNG states are identical. */
export function rngStatesEqual(a: RNGState, b: RNGState): boolean {
  return (
    a.algorithm === b.algorithm &&
    a.state.c === b.state.c &&
    a.state.s0 === b.state.s0 &&
    a.state.s1 === b.state.s1 &&
    a.state.s2 === b.state.s2
  );
}
