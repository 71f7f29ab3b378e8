/**
 * The exploration-noise schedule of the policy-gradient trainer: a ceiling on the learned log-std
 * that falls over training (`logStdEnd`, `logStdDecayStart`), optionally only once a training
 * return has been reached (`logStdDecayTrigger: 'return'`).
 */
import type { PgArgs } from './ppo.js';

/** What is wrong with the schedule's settings, or undefined when they are valid. */
export function logStdScheduleError(args: Readonly<PgArgs>): string | undefined {
  if (!(args.logStdDecayStart >= 0 && args.logStdDecayStart < 1))
    return `logStdDecayStart is the fraction of the updates before the log-std ceiling falls: it must be in [0, 1), got ${args.logStdDecayStart}`;
  if (
    !(['schedule', 'return'] as const).includes(args.logStdDecayTrigger) ||
    !Number.isFinite(args.logStdDecayReturn)
  )
    return `logStdDecayTrigger must be 'schedule' or 'return' and logStdDecayReturn a finite return, got ${String(args.logStdDecayTrigger)} and ${args.logStdDecayReturn}`;
  return undefined;
}

/**
 * The log-std ceiling during update `update` (1-based) of `numUpdates`: `logStdInit` while the
 * training's progress (0 at the first update, 1 at the last) is at most `logStdDecayStart`, then
 * linear to `logStdEnd` at the last update; +∞ when `logStdEnd` is not below `logStdInit` (no
 * ceiling). With `logStdDecayTrigger: 'return'` the fall also waits for `decayFrom`, the update
 * whose training return reached `logStdDecayReturn` (undefined: not yet, so `logStdInit`), and
 * runs from the later of the two to the last update.
 */
export function logStdCeiling(
  args: Readonly<PgArgs>,
  update: number,
  numUpdates: number,
  decayFrom?: number,
): number {
  if (args.logStdEnd >= args.logStdInit) return Number.POSITIVE_INFINITY;
  const progressOf = (u: number) => (numUpdates > 1 ? (u - 1) / (numUpdates - 1) : 1);
  let start = args.logStdDecayStart;
  if (args.logStdDecayTrigger === 'return') {
    if (decayFrom === undefined) return args.logStdInit;
    start = Math.max(start, progressOf(decayFrom));
  }
  const progress = progressOf(update);
  const decay = progress <= start ? 0 : (progress - start) / (1 - start);
  return args.logStdInit + (args.logStdEnd - args.logStdInit) * decay;
}
