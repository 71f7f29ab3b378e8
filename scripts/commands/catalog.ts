/**
 * The `ml3` top-level commands: usage term and one-line description, defined once. The full
 * program takes its descriptions from here, and `ml3`, `ml3 --help` and `ml3 --version` print
 * from here without loading TensorFlow.js, Rapier and the experiments (see `scripts/cli.ts`).
 */
export const TOP_LEVEL_COMMANDS = [
  { name: 'envs', term: 'envs', description: 'list, check and run the registered environments' },
  {
    name: 'cem',
    term: 'cem',
    description: 'cross-entropy-method search of a linear policy on a registered env',
  },
  {
    name: 'sine',
    term: 'sine',
    description: 'ML3 learned loss for sine regression (paper IV.A.1), all seeds batched',
  },
  {
    name: 'shaped-sine',
    term: 'shaped-sine',
    description: 'ML3 loss shaping with extra information on y = sin(theta x) (paper IV.B)',
  },
  {
    name: 'reacher',
    term: 'reacher',
    description: 'ML3 reward learning for model-based RL on rapier/Reacher-v1 (paper IV.A.2)',
  },
  {
    name: 'mountain-car',
    term: 'mountain-car',
    description:
      'ML3 exploration with extra information on rapier/MountainCarContinuous-v0 (paper IV.B)',
  },
  {
    name: 'pg',
    term: 'pg',
    description: 'PPO or REINFORCE (CleanRL defaults) on a registered env with Box actions',
  },
  {
    name: 'pg-ml3',
    term: 'pg-ml3',
    description: 'model-free ML3: meta-train a learned policy loss (reacher targets or car starts)',
  },
  {
    name: 'plot',
    term: 'plot <run-dir>',
    description: "redraw a run's plots (PNG and SVG) from its metrics.jsonl",
  },
  {
    name: 'plan',
    term: 'plan [options]',
    description:
      'sampling model-predictive control (CEM or MPPI) of an env that supports snapshots (the Rapier envs), rolled out in the real simulator, with the true or a learned reward',
  },
  {
    name: 'eval',
    term: 'eval [options] <learned-loss.json>',
    description:
      "run the held-out test protocol of the experiment that trained a learned-loss file and print the comparison (reacher: vs the task loss, a gradient planner, CEM/MPPI; mountain-car: the real car's outcome; sine: vs MSE)",
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description:
      'the main job: random-policy episodes of every env, then ML3 reward learning for the Rapier reacher at a small budget, evaluated on held-out goals against the task loss, a gradient planner and CEM/MPPI',
  },
] as const;

/** A top-level command's name. */
export type TopLevelCommand = (typeof TOP_LEVEL_COMMANDS)[number]['name'];

/** The description of a top-level command. */
export function commandDescription(name: TopLevelCommand): string {
  return TOP_LEVEL_COMMANDS.find((c) => c.name === name)!.description;
}

/** The program's own description. */
export const PROGRAM_DESCRIPTION =
  'Gymnasium-compatible Rapier environments, agents and ML3 learned losses';
