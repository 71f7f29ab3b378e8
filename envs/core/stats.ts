/**
 * Summary statistics of plain number lists, one definition for the whole package (episode
 * returns, per-seed results, benchmark timings).
 */

/** The arithmetic mean (NaN for an empty list). */
export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return sum / xs.length;
}

/** The population variance mean (x − x̄)². */
export function variance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += (xs[i]! - m) ** 2;
  return sum / xs.length;
}

/** The population standard deviation √(mean (x − x̄)²). */
export function std(xs: ArrayLike<number>): number {
  return Math.sqrt(variance(xs));
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: ArrayLike<number>): number {
  const s = Array.from(xs).sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * The q-quantile of a non-empty list, linearly interpolated between order statistics (NumPy's
 * default): `quantile(xs, 0.5)` is the median.
 */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const s = Array.from(xs).sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}
