/**
 * An ML3 experiment as the runner sees it, built from its meta-trainer (`ml3/experiments/<name>/
 * train.ts`): the trainer does the science one iteration at a time; this adapter adds the flag
 * schema, checkpoint error wording, the summary (files, plots, GIFs) and the test command.
 */
import type { MetaTrainConfig, MetaTrainer } from '../../ml3/index.js';
import type { ConfigSchema, Experiment, Preset, RunTools, TestCommand } from '../run/experiment.js';
import { CorruptFileError } from '../run/files.js';
import type { PlotSpec } from '../run/plots.js';

/** What an ML3 experiment adds to its meta-trainer. */
export interface MetaExperimentSpec<
  C extends MetaTrainConfig,
  S extends MetaTrainer,
  T extends object,
> {
  name: string;
  description: string;
  schema: ConfigSchema<C>;
  defaults: Readonly<C>;
  /** Named sets of config values (`--preset`); the config then needs a `preset` field. */
  presets?: Readonly<Record<string, Preset<C>>>;
  progressMetric: string;
  plots: readonly PlotSpec[];
  /** A fresh trainer (may log, e.g. the first model fit). */
  create(config: C, log: (message: string) => void): S;
  /** A trainer from its JSON; throws (any error) on malformed input. */
  restore(json: unknown, config: C): S;
  /** Writes the run's artifacts and returns the summary. */
  summarize(trainer: S, config: C, tools: RunTools): Promise<Record<string, unknown>>;
  test?: TestCommand<T>;
}

/** The runner's {@link Experiment} of an ML3 meta-trainer. */
export function metaExperiment<C extends MetaTrainConfig, S extends MetaTrainer, T extends object>(
  spec: MetaExperimentSpec<C, S, T>,
): Experiment<C, S, T> {
  return {
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
    defaults: spec.defaults,
    presets: spec.presets,
    usesTensorflow: true,
    progressMetric: spec.progressMetric,
    plots: spec.plots,
    test: spec.test,
    iterations: (c) => c.iterations,
    checkpointEvery: (c) => c.checkpointEvery,
    init: (config, tools) => spec.create(config, tools.log),
    step: (trainer, iteration) => trainer.step(iteration),
    save: (trainer) => trainer.toJSON(),
    load(json, config) {
      try {
        return spec.restore(json, config);
      } catch (err) {
        throw new CorruptFileError(
          `corrupt ${spec.name} checkpoint state: ${(err as Error).message}`,
        );
      }
    },
    summarize: (trainer, config, tools) => spec.summarize(trainer, config, tools),
    dispose: (trainer) => trainer.dispose(),
  };
}
