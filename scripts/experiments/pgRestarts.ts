/**
 * The bookkeeping of `ml3 pg train --restarts N`: the budget split into N trainings, one after
 * another, each from fresh weights with a seed of its own (restart 0: the run's seed), each
 * running its updates in full.
 */
import { RNG } from '../../envs/index.js';
import type { PgConfig, PgRunState } from './pg.js';

/** The config fields the split depends on (`restarts` absent in configs saved before it: 1). */
type RestartConfig = Pick<PgConfig, 'totalTimesteps' | 'numEnvs' | 'numSteps' | 'seed'> & {
  restarts?: number;
};

/** Env steps of one restart's budget: its trainer anneals and schedules over these. */
export function restartBudget(c: RestartConfig): number {
  return Math.floor(c.totalTimesteps / (c.restarts ?? 1));
}

/** Updates of one restart (all of the run's without restarts). */
export function updatesPerRestart(c: RestartConfig): number {
  return Math.floor(restartBudget(c) / (c.numEnvs * c.numSteps));
}

/** Updates a config asks for (over all restarts). */
export const updatesOf = (c: RestartConfig): number => (c.restarts ?? 1) * updatesPerRestart(c);

/** The seed of restart `r`: the run's own for the first, one derived from it for the others. */
export function restartSeed(c: RestartConfig, r: number): number {
  return r === 0 ? c.seed : RNG.deriveSeed(c.seed, `pg/restart-${r}`);
}

/** Env steps of the restarts before `restart` (each runs its updates in full). */
export const stepsBefore = (c: RestartConfig, restart: number): number =>
  restart * updatesPerRestart(c) * c.numEnvs * c.numSteps;

/** Env steps the run has taken, over its restarts so far. */
export const runEnvSteps = (state: PgRunState, c: RestartConfig): number =>
  stepsBefore(c, state.restart) + state.trainer.envSteps;
