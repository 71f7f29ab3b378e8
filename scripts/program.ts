/**
 * The full `ml3` program: every command, by group (`envs`, the experiments, `plot`, `plan`,
 * `eval`, and `demo`, the main job that README's first command runs). `scripts/cli.ts` loads it
 * for any command (it imports TensorFlow.js, Rapier and the experiments).
 */
import { Command, CommanderError } from 'commander';
import { BackendUnavailableError } from '../agents/index.js';
import { GymError, registry } from '../envs/index.js';
import { LearnedLossFileError } from '../ml3/index.js';
import { commandDescription, PROGRAM_DESCRIPTION } from './commands/catalog.js';
import { addEnvsCommands, parseNonNegativeInt, runEpisodes } from './commands/envs.js';
import { addEvalCommand } from './commands/eval.js';
import { addExperimentGroups } from './commands/experiments.js';
import { addPlanCommand } from './commands/plan.js';
import { UsageError } from './commands/usage.js';
import { reacherExperiment } from './experiments/reacher.js';
import { CorruptFileError, NonFiniteResultError } from './run/files.js';
import { packageVersion } from './run/meta.js';
import { trainExperiment } from './run/train.js';

/** Meta-iterations of the demo's reacher run (the experiment's default; ~3 minutes here). */
const DEMO_ITERATIONS = 300;
/** Held-out goals of the demo's test. */
const DEMO_TEST_GOALS = 5;

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('ml3')
    .description(PROGRAM_DESCRIPTION)
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  addEnvsCommands(program);
  addExperimentGroups(program);
  addPlanCommand(program);
  addEvalCommand(program);
  program
    .command('demo')
    .description(commandDescription('demo'))
    .option('--out <dir>', 'root folder of runs', 'runs')
    .option(
      '--iterations <n>',
      'meta-iterations of the ML3 reacher run',
      (v) => parseNonNegativeInt(v, '--iterations'),
      DEMO_ITERATIONS,
    )
    .option(
      '--goals <n>',
      'held-out test goals',
      (v) => parseNonNegativeInt(v, '--goals'),
      DEMO_TEST_GOALS,
    )
    .action(async (opts: { out: string; iterations: number; goals: number }) => {
      for (const id of registry.keys()) {
        const { episodes } = runEpisodes(id, { policy: 'random', episodes: 3, seed: 0 });
        const returns = episodes.map((e) => e.return.toFixed(2)).join(', ');
        console.log(`${id}: random-policy returns (seed 0) ${returns}`);
      }
      const iterations = Math.max(1, opts.iterations);
      console.log(
        `ML3 reward learning on rapier/Reacher-v1 (paper IV.A.2), ${iterations} meta-iterations, then ${opts.goals} held-out goals:`,
      );
      const result = await trainExperiment(reacherExperiment, {
        config: {
          ...reacherExperiment.defaults,
          iterations,
          testGoals: Math.max(1, opts.goals),
          modelPolicySteps: 50,
        },
        out: opts.out,
        name: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        backend: 'auto',
        backendExplicit: false,
        quiet: false,
        json: false,
      });
      console.log(
        `learned reward, plots and a GIF of a test episode: ${result.run.path}; evaluate it again with: ml3 eval ${result.run.path}/learned-loss.json`,
      );
    });
  return program;
}

/** Runs the full program with `argv` (user arguments only); resolves to the exit code. */
export async function runProgram(argv: string[]): Promise<number> {
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
      err instanceof NonFiniteResultError ||
      err instanceof LearnedLossFileError ||
      err instanceof BackendUnavailableError
    ) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
