/** The experiments the CLI offers, by command name. */
import type { Experiment } from '../run/experiment.js';
import { cemExperiment } from './cem.js';
import { mountainCarExperiment } from './mountainCar.js';
import { pgExperiment } from './pg.js';
import { pgMl3Experiment } from './pgMl3.js';
import { reacherExperiment } from './reacher.js';
import { shapedSineExperiment } from './shapedSine.js';
import { sineExperiment } from './sine.js';

/** All experiments (each becomes `ml3 <name> train|test`). */
export const EXPERIMENTS = [
  cemExperiment,
  sineExperiment,
  shapedSineExperiment,
  reacherExperiment,
  mountainCarExperiment,
  pgExperiment,
  pgMl3Experiment,
] as const satisfies readonly Experiment[];

/** The experiment of a command name, or undefined. */
export function findExperiment(name: string): Experiment<object, unknown> | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
