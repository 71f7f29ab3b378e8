/**
 * What an experiment is to the runner: a typed config with a schema (the CLI flags map onto it
 * 1:1), a state that advances one iteration at a time and round-trips through JSON (so runs
 * checkpoint and resume exactly), a summary, plots and an optional test command.
 */
import type { PlotSpec } from './plots.js';
import type { RunDir } from './runDir.js';

/** One config field: its type, help text and allowed values. */
export type FieldSpec =
  | { type: 'number'; doc: string; min?: number; max?: number }
  | { type: 'int'; doc: string; min?: number; max?: number }
  | { type: 'boolean'; doc: string }
  | { type: 'string'; doc: string; choices?: readonly string[] };

/** A schema with one field per config key. */
export type ConfigSchema<C> = { [K in keyof C]: FieldSpec };

/** Numbers logged for one iteration (a line of metrics.jsonl). */
export type Metrics = Record<string, number>;

/** Tools the runner hands to an experiment. */
export interface RunTools {
  /** The run folder (media, extra artifacts). */
  run: RunDir;
  /** Prints a line unless `--quiet` (stderr when `--json` keeps stdout for the summary). */
  log(message: string): void;
}

/** A training experiment (`ml3 <name> train`). */
export interface Experiment<C extends object = Record<string, unknown>, S = unknown> {
  /** Command name, e.g. `cem`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** The config's fields. */
  readonly schema: ConfigSchema<C>;
  /** Default config (a `seed` and a `checkpointEvery` field are expected). */
  readonly defaults: Readonly<C>;
  /** Whether it trains with TensorFlow.js (then `--backend` applies). */
  readonly usesTensorflow: boolean;
  /** Number of iterations the config asks for. */
  iterations(config: C): number;
  /** Iterations between checkpoints. */
  checkpointEvery(config: C): number;
  /** The key metric shown on the progress bar. */
  readonly progressMetric: string;
  /** A fresh state from the config (seeded from `config.seed`). */
  init(config: C, tools: RunTools): Promise<S> | S;
  /** Advances one iteration (0-based) and returns its metrics. */
  step(state: S, iteration: number, config: C): Promise<Metrics> | Metrics;
  /** The state as JSON, including every RNG state. */
  save(state: S): unknown;
  /** Rebuilds a state from {@link Experiment.save}'s JSON; throws on malformed input. */
  load(json: unknown, config: C, tools: RunTools): Promise<S> | S;
  /** Final numbers (written to summary.json), and any media. */
  summarize(
    state: S,
    config: C,
    tools: RunTools,
  ): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Frees what the state holds (envs, tensors). */
  dispose?(state: S): void;
  /** Plots drawn from metrics.jsonl. */
  readonly plots: readonly PlotSpec[];
  /** `ml3 <name> test`: evaluates a finished run. */
  readonly test?: TestCommand;
}

/** A test command over a run folder. */
export interface TestCommand<T extends object = Record<string, unknown>> {
  /** Sub-command name (default `test`; `ml3 pg eval`). */
  readonly commandName?: string;
  readonly description: string;
  readonly schema: ConfigSchema<T>;
  readonly defaults: Readonly<T>;
  run(runPath: string, options: T, tools: Omit<RunTools, 'run'>): Promise<Record<string, unknown>>;
}
