/**
 * `ml3 <experiment> train|test` for every experiment, with flags generated 1:1 from its config
 * schema, and `ml3 plot <run-dir>`.
 */

import { type Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendName, selectBackend } from '../../agents/index.js';
import { EXPERIMENTS, findExperiment } from '../experiments/index.js';
import { applyPreset, type Experiment } from '../run/experiment.js';
import { assertFiniteResult, CorruptFileError } from '../run/files.js';
import { trainRuns } from '../run/multiRun.js';
import { writePlots } from '../run/plots.js';
import { RunDir } from '../run/runDir.js';
import { trainExperiment } from '../run/train.js';
import { commandDescription } from './catalog.js';
import { addSchemaOptions, configFrom, kebab, parseField } from './schemaOptions.js';
import { UsageError } from './usage.js';

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
    .option(
      '--runs <n>',
      'train n runs, seeds seed, seed+1, … (seed, seed+seeds, … for sine), each in its folder <name>-seed<s>, in parallel on worker threads; the same command again resumes them (n = 1, the default: one run in the folder <name>, no suffix)',
      (v) => parseField(v, { type: 'int', doc: '', min: 1 }, '--runs') as number,
      1,
    )
    .option(
      '--workers <n>',
      'worker threads for --runs (default: the number of cores)',
      (v) => parseField(v, { type: 'int', doc: '', min: 1 }, '--workers') as number,
    )
    .option('--quiet', 'no progress or messages')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      if ((opts.runs as number) > 1) {
        await trainSeveral(exp, opts, cmd);
        return;
      }
      if (opts.resume) {
        const given = Object.keys(exp.schema).filter((k) => cmd.getOptionValueSource(k) === 'cli');
        if (given.length > 0) {
          throw new UsageError(
            `--resume continues a run with its saved config; drop ${given.map((k) => `--${kebab(k)}`).join(', ')}`,
          );
        }
      }
      const result = await trainExperiment(exp, {
        config: trainConfig(exp, opts, cmd),
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
        assertFiniteResult(result, `ml3 ${exp.name} ${t.commandName ?? 'test'} ${runPath}`);
        console.log(opts.json ? JSON.stringify(result, null, 2) : formatResult(result));
      });
  }
}

/** The config of `train`: flags over the experiment's preset (if one is named) over its defaults. */
function trainConfig(
  exp: Experiment<object, unknown>,
  opts: Record<string, unknown>,
  cmd: Command,
): Record<string, unknown> {
  return applyPreset<Record<string, unknown>>(
    exp as Pick<Experiment<Record<string, unknown>>, 'presets' | 'name'>,
    configFrom<Record<string, unknown>>(opts, exp.schema as never),
    (key) => cmd.getOptionValueSource(key) === 'cli',
  );
}

/** `train --runs N`: the runs on worker threads, then one line (or JSON object) per run. */
async function trainSeveral(
  exp: Experiment<object, unknown>,
  opts: Record<string, unknown>,
  cmd: Command,
): Promise<void> {
  if (opts.resume)
    throw new UsageError(
      '--runs continues its runs when the same command is given again; drop --resume (or resume one run folder with --resume alone)',
    );
  const outcomes = await trainRuns(exp, {
    config: trainConfig(exp, opts, cmd),
    out: opts.out as string,
    name: (opts.name as string | undefined) ?? new Date().toISOString().replace(/[:.]/g, '-'),
    runs: opts.runs as number,
    workers: opts.workers as number | undefined,
    backend: opts.backend as BackendName,
    backendExplicit: cmd.getOptionValueSource('backend') === 'cli',
    quiet: Boolean(opts.quiet),
    json: Boolean(opts.json),
  });
  if (opts.json) console.log(JSON.stringify(outcomes, null, 2));
  else
    for (const o of outcomes)
      console.log(`seed ${o.seed}: ${o.status}${o.error ? ` (${o.error})` : ''} → ${o.path}`);
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0)
    throw new UsageError(
      `${failed.length} of ${outcomes.length} runs failed: ${failed.map((o) => `seed ${o.seed}: ${o.error}`).join('; ')}`,
    );
  if (outcomes.some((o) => o.status === 'interrupted') || outcomes.length < (opts.runs as number))
    process.exitCode = 130;
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
    .description(commandDescription('plot'))
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
