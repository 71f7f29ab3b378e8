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

/**
 * The exact two-sided sign test: the probability, under "either side is equally likely", of a
 * split of `wins + losses` paired comparisons at least as uneven as the one seen (ties are left
 * out before calling). 1 when there are no comparisons.
 */
export function signTestPValue(wins: number, losses: number): number {
  const n = wins + losses;
  const k = Math.min(wins, losses);
  // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so that n in the thousands stays finite.
  let logChoose = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log((n - i + 1) / i);
    tail += Math.exp(logChoose - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}
