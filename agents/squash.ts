/**
 * tanh squashing of a Gaussian policy onto a bounded Box (SB3's `squash_output`): the policy
 * samples u ~ N(μ, σ) and the env receives low + (tanh(u) + 1)/2 · (high − low), so every action
 * is inside the bounds and a mean far past them still feels the reward's pull back (through
 * tanh's slope), where a clipped Gaussian's samples past a bound all look alike to the env.
 */
import { Box, type BoxDtype, InvalidArgument } from '../envs/index.js';

/** The finite bounds actions are squashed into. */
export interface SquashBounds {
  low: number[];
  high: number[];
}

/** The bounds of a Box action space, which must be finite for squashing. */
export function squashBounds(space: unknown): SquashBounds {
  if (!(space instanceof Box) || !(space as Box<BoxDtype>).isBounded())
    throw new InvalidArgument(
      `squashed (tanh) actions need a bounded Box action space, got ${String(space)}`,
    );
  return { low: Array.from(space.low), high: Array.from(space.high) };
}

/**
 * Writes the squashed actions of pre-squash actions `u` ([B × A] row-major; A = the bounds'
 * length) into `out` and returns it.
 */
export function squashActions<T extends Float32Array | Float64Array>(
  u: ArrayLike<number>,
  bounds: SquashBounds,
  out: T,
): T {
  const A = bounds.low.length;
  for (let i = 0; i < u.length; i++) {
    const lo = bounds.low[i % A]!;
    const hi = bounds.high[i % A]!;
    out[i] = lo + 0.5 * (Math.tanh(u[i]!) + 1) * (hi - lo);
  }
  return out;
}
