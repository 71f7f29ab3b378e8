#!/usr/bin/env node
/**
 * The `ml3` command line. Commands are added by group (`envs`, and the experiments as they
 * arrive); `demo` is the main job that README's first command runs.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { BackendUnavailableError } from '../agents/index.js';
import { GymError, registry } from '../envs/index.js';
import { addEnvsCommands, parseNonNegativeInt, runEpisodes } from './commands/envs.js';
import { addExperimentGroups } from './commands/experiments.js';
import { addPlanCommand } from './commands/plan.js';
import { UsageError } from './commands/usage.js';
import { sineExperiment } from './experiments/sine.js';
import { CorruptFileError } from './run/files.js';
import { packageVersion } from './run/meta.js';
import { trainExperiment } from './run/train.js';

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('ml3')
    .description('Gymnasium-compatible Rapier environments, agents and ML3 learned losses')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  addEnvsCommands(program);
  addExperimentGroups(program);
  addPlanCommand(program);
  program
    .command('demo')
    .description(
      'the main job: random-policy episodes of every env, then ML3 sine regression (5 seeds) against the MSE loss',
    )
    .option('--out <dir>', 'root folder of runs', 'runs')
    .option(
      '--iterations <n>',
      'meta-iterations of the ML3 run',
      (v) => parseNonNegativeInt(v, '--iterations'),
      500,
    )
    .action(async (opts: { out: string; iterations: number }) => {
      for (const id of registry.keys()) {
        const { episodes } = runEpisodes(id, { policy: 'random', episodes: 3, seed: 0 });
        const returns = episodes.map((e) => e.return.toFixed(2)).join(', ');
        console.log(`${id}: random-policy returns (seed 0) ${returns}`);
      }
      console.log(
        `ML3 sine regression (paper IV.A.1), ${opts.iterations} meta-iterations, seeds 0–4:`,
      );
      const result = await trainExperiment(sineExperiment, {
        config: { ...sineExperiment.defaults, iterations: Math.max(1, opts.iterations) },
        out: opts.out,
        name: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        backend: 'auto',
        backendExplicit: false,
        quiet: false,
        json: false,
      });
      const s = result.summary as {
        testMseMl3: { mean: number; std: number };
        testMseMse: { mean: number; std: number };
      };
      console.log(
        `held-out test MSE after 100 SGD steps: learned loss ${s.testMseMl3.mean.toFixed(3)} ± ${s.testMseMl3.std.toFixed(3)} vs MSE loss ${s.testMseMse.mean.toFixed(3)} ± ${s.testMseMse.std.toFixed(3)}; see ${result.run.path}`,
      );
    });
  return program;
}

/** Runs the CLI with `argv` (user arguments only); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander has printed its own parse errors already.
    if (err instanceof CommanderError) return err.exitCode;
    if (
      err instanceof GymError ||
      err instanceof UsageError ||
      err instanceof CorruptFileError ||
      err instanceof BackendUnavailableError
    ) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** Whether this file is the process's entry point (also through npm's `bin` symlink). */
function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
