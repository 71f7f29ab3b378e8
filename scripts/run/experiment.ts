/**
 * What an experiment is to the runner: a typed config with a schema (the CLI flags map onto it
 * 1:1), a state that advances one iteration at a time and round-trips through JSON (so runs
 * checkpoint and resume exactly), a summary, plots and an optional test command.
 */
import type { Metrics } from '../../ml3/index.js';
import type { PlotSpec } from './plots.js';
import type { RunDir } from './runDir.js';

/** A numeric config field. */
export interface NumberField {
  type: 'number' | 'int';
  doc: string;
  min?: number;
  max?: number;
}
/** A boolean config field (`--flag true|false`). */
export interface BooleanField {
  type: 'boolean';
  doc: string;
}
/** A free-text config field. */
export interface TextField {
  type: 'string';
  doc: string;
}
/** A config field with a fixed set of values (its config type is their literal union). */
export interface ChoiceField<T extends string = string> {
  type: 'string';
  doc: string;
  choices: readonly T[];
}

/** One config field: its type, help text and allowed values. */
export type FieldSpec = NumberField | BooleanField | TextField | ChoiceField;

/** The field spec a config value of type `V` needs: a union of strings needs its `choices`. */
export type FieldFor<V> = [V] extends [boolean]
  ? BooleanField
  : [V] extends [number]
    ? NumberField
    : [V] extends [string]
      ? string extends V
        ? TextField
        : ChoiceField<V & string>
      : never;

/** A schema with one field per config key, typed by the key's value. */
export type ConfigSchema<C> = { [K in keyof C]-?: FieldFor<C[K]> };

/** Numbers logged for one iteration (a line of metrics.jsonl). */
export type { Metrics };

/** Tools the runner hands to an experiment. */
export interface RunTools {
  /** The run folder (media, extra artifacts). */
  run: RunDir;
  /** Prints a line unless `--quiet` (stderr when `--json` keeps stdout for the summary). */
  log(message: string): void;
}

/** A training experiment (`ml3 <name> train`). */
export interface Experiment<C extends object = object, S = unknown, T extends object = object> {
  /** Command name, e.g. `cem`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** The config's fields. */
  readonly schema: ConfigSchema<C>;
  /** Default config (a `seed` and a `checkpointEvery` field are expected). */
  readonly defaults: Readonly<C>;
  /**
   * Named sets of config values (`--preset <name>`, a `preset` field of the config): applied over
   * the defaults, under any flag given on the command line; the run's config.json records the
   * preset's name and every value it set.
   */
  readonly presets?: Readonly<Record<string, Preset<C>>>;
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
  readonly test?: TestCommand<T>;
}

/** A named set of config values with one line saying where they come from. */
export interface Preset<C> {
  doc: string;
  values: Partial<C>;
}

/**
 * `config` with its `preset` applied: every preset value replaces the config's unless
 * `isExplicit(key)` (a flag the user gave). Unknown preset names throw `RangeError`.
 */
export function applyPreset<C extends object>(
  exp: Pick<Experiment<C>, 'presets' | 'name'>,
  config: C,
  isExplicit: (key: string) => boolean,
): C {
  const name = (config as { preset?: unknown }).preset;
  if (name === undefined || !exp.presets) return config;
  const preset = exp.presets[name as string];
  if (!preset)
    throw new RangeError(
      `unknown preset "${String(name)}" for ${exp.name}: one of ${Object.keys(exp.presets).join(', ')}`,
    );
  const out = { ...config } as Record<string, unknown>;
  for (const [k, v] of Object.entries(preset.values)) if (!isExplicit(k)) out[k] = v;
  return out as C;
}

/** A test command over a run folder. */
export interface TestCommand<T extends object = object> {
  /** Sub-command name (default `test`; `ml3 pg eval`). */
  readonly commandName?: string;
  readonly description: string;
  readonly schema: ConfigSchema<T>;
  readonly defaults: Readonly<T>;
  run(runPath: string, options: T, tools: Omit<RunTools, 'run'>): Promise<Record<string, unknown>>;
}
