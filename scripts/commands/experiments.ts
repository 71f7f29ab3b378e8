/**
 * `ml3 <experiment> train|test` for every experiment, with flags generated 1:1 from its config
 * schema, and `ml3 plot <run-dir>`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, type BackendName, selectBackend } from '../../agents/index.js';
import { EXPERIMENTS, findExperiment } from '../experiments/index.js';
import type { ConfigSchema, Experiment, FieldSpec } from '../run/experiment.js';
import { CorruptFileError } from '../run/files.js';
import { writePlots } from '../run/plots.js';
import { RunDir } from '../run/runDir.js';
import { trainExperiment } from '../run/train.js';
import { UsageError } from './usage.js';

/** `checkpointEvery` → `checkpoint-every`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Parses one flag value per its field spec; errors name the flag and what it accepts. */
export function parseField(raw: string, spec: FieldSpec, flag: string): number | boolean | string {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new InvalidArgumentError(`${flag} must be true or false, got "${raw}"`);
    case 'string':
      if ('choices' in spec && !spec.choices.includes(raw)) {
        throw new InvalidArgumentError(
          `${flag} must be one of ${spec.choices.join(', ')}, got "${raw}"`,
        );
      }
      return raw;
    default: {
      const n = Number(raw);
      const isInt = spec.type === 'int';
      const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
      if (raw.trim() === '' || !Number.isFinite(n) || (isInt && !Number.isInteger(n))) {
        throw new InvalidArgumentError(
          `${flag} must be ${isInt ? 'an integer' : 'a number'} in ${range}, got "${raw}"`,
        );
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new InvalidArgumentError(`${flag} must be in ${range}, got ${n}`);
      }
      return n;
    }
  }
}

/** Adds one option per schema field, with the default shown in --help. */
function addSchemaOptions(cmd: Command, schema: ConfigSchema<object>, defaults: object): void {
  for (const [key, spec] of Object.entries(schema) as [string, FieldSpec][]) {
    const flag = `--${kebab(key)}`;
    const value =
      spec.type === 'boolean'
        ? '<true|false>'
        : spec.type === 'string'
          ? '<text>'
          : `<${spec.type}>`;
    const option = new Option(`${flag} ${value}`, spec.doc)
      .default((defaults as Record<string, unknown>)[key])
      .argParser((raw: string) => parseField(raw, spec, flag));
    cmd.addOption(option);
  }
}

/** The config from parsed options (schema keys only). */
function configFrom(
  opts: Record<string, unknown>,
  schema: ConfigSchema<object>,
): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema).map((k) => [k, opts[k]]));
}

function addExperimentCommands(program: Command, exp: Experiment<object, unknown>): void {
  const group = program.command(exp.name).description(exp.description);
  const train = group.command('train').description(`train: ${exp.description}`);
  addSchemaOptions(train, exp.schema, exp.defaults);
  train
    .option('--out <dir>', 'root folder of runs', 'runs')
    .option('--name <name>', 'run name (default: a timestamp)')
    .option('--resume <run-dir>', 'continue a run from its last checkpoint (with its saved config)')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend')
        .choices(BACKEND_NAMES)
        .default('auto'),
    )
    .option('--quiet', 'no progress or messages')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      if (opts.resume) {
        const given = Object.keys(exp.schema).filter((k) => cmd.getOptionValueSource(k) === 'cli');
        if (given.length > 0) {
          throw new UsageError(
            `--resume continues a run with its saved config; drop ${given.map((k) => `--${kebab(k)}`).join(', ')}`,
          );
        }
      }
      const result = await trainExperiment(exp, {
        config: configFrom(opts, exp.schema),
        out: opts.out as string,
        name: opts.name as string | undefined,
        resume: opts.resume as string | undefined,
        backend: opts.backend as BackendName,
        backendExplicit: cmd.getOptionValueSource('backend') === 'cli',
        quiet: Boolean(opts.quiet),
        json: Boolean(opts.json),
      });
      if (result.status === 'interrupted') {
        process.exitCode = 130;
        return;
      }
      if (opts.json) console.log(JSON.stringify(result.summary, null, 2));
    });
  if (exp.test) {
    const t = exp.test;
    const test = group
      .command(t.commandName ?? 'test')
      .description(t.description)
      .argument('[run-dir]', 'the run folder (or --run)')
      .option('--run <run-dir>', 'the run folder');
    addSchemaOptions(test, t.schema, t.defaults);
    if (exp.usesTensorflow) {
      test.addOption(
        new Option('--backend <name>', 'TensorFlow.js backend')
          .choices(BACKEND_NAMES)
          .default('auto'),
      );
    }
    test
      .option('--json', 'print the result as JSON')
      .action(async (runArg: string | undefined, opts: Record<string, unknown>) => {
        const runPath = (opts.run as string | undefined) ?? runArg;
        if (!runPath) throw new UsageError('name the run folder: <run-dir> or --run <run-dir>');
        if (exp.usesTensorflow) await selectBackend(opts.backend as BackendName);
        const result = await t.run(runPath, configFrom(opts, t.schema), {
          log: (m) => console.error(m),
        });
        console.log(opts.json ? JSON.stringify(result, null, 2) : formatResult(result));
      });
  }
}

function formatResult(result: Record<string, unknown>): string {
  return Object.entries(result)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)}`)
    .join('\n');
}

/** Adds every experiment's commands and `ml3 plot`. */
export function addExperimentGroups(program: Command): void {
  for (const exp of EXPERIMENTS) addExperimentCommands(program, exp);
  program
    .command('plot')
    .description("redraw a run's plots (PNG and SVG) from its metrics.jsonl")
    .argument('<run-dir>', 'a run folder')
    .action(async (dir: string) => {
      const run = RunDir.open(dir);
      const { experiment } = run.readConfig();
      const exp = findExperiment(experiment);
      if (!exp)
        throw new CorruptFileError(`${dir} is a run of an unknown experiment "${experiment}"`);
      const written = await writePlots(run.file('plots'), run.readMetrics(), exp.plots);
      console.log(written.join('\n'));
    });
}
