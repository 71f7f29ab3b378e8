/**
 * `ml3 eval <learned.json>`: runs the held-out test protocol of whichever experiment produced a
 * learned-loss file, on fresh goals/tasks, and prints the comparison: how users judge a learned
 * loss or reward they did not train themselves. The file carries what the protocol needs (the
 * optimizee's initial parameters, the dynamics model) in its `context`.
 */

import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { BACKEND_NAMES, type BackendName, selectBackend, stackParams } from '../../agents/index.js';
import {
  evaluateSineLosses,
  loadLearnedLoss,
  oneStepTheta,
  PG_ML3_DEFAULTS,
  REACHER_INITIAL_POLICIES,
  type ReacherInitialPolicy,
  SHAPED_SINE_DEFAULTS,
  SINE_DEFAULTS,
  trainingConfig,
} from '../../ml3/index.js';
import { evaluateCarFile } from '../experiments/mountainCar.js';
import { evaluatePgMl3File } from '../experiments/pgMl3.js';
import { evaluateReacherFile } from '../experiments/reacher.js';
import { assertFiniteResult, userPath, writeJsonAtomic } from '../run/files.js';
import { commandDescription } from './catalog.js';
import { parseNonNegativeInt } from './envs.js';
import { UsageError } from './usage.js';

/** Options of `ml3 eval`. */
interface EvalOptions {
  goals: number;
  seed: number;
  steps?: number;
  planners: boolean;
  modelPolicySteps: number;
  curve?: boolean;
  selectionGoals?: number;
  initialPolicy?: string;
  out?: string;
  json?: boolean;
  backend: string;
}

/** Evaluates one learned-loss file by its experiment's protocol; returns the results. */
export async function evaluateLearnedLoss(
  path: string,
  options: EvalOptions,
  log: (message: string) => void,
): Promise<Record<string, unknown>> {
  const { phi, document } = loadLearnedLoss(path);
  for (const t of phi) t.dispose();
  const experiment = document.training?.experiment;
  const out = options.out;
  if (out) userPath('--out', out, () => mkdirSync(out, { recursive: true }));
  switch (experiment) {
    case 'reacher':
      return evaluateReacherFile(
        path,
        {
          goals: options.goals,
          seed: options.seed,
          planners: options.planners,
          modelPolicySteps: options.modelPolicySteps,
          steps: options.steps,
          curve: options.curve,
          selectionGoals: options.selectionGoals,
          ...(options.initialPolicy === undefined
            ? {}
            : { initialPolicy: options.initialPolicy as ReacherInitialPolicy }),
        },
        { dir: options.out, log },
      );
    case 'mountain-car':
      return evaluateCarFile(path, {
        dir: options.out,
        log,
        steps: options.steps,
        baselines: true,
      });
    case 'sine': {
      const trained = trainingConfig(document, SINE_DEFAULTS);
      const result = evaluateSineLosses([path], trained.innerLr, {
        seed: options.seed,
        testTasks: options.goals,
        testSteps: options.steps ?? trained.testSteps,
      });
      const m = (k: 'testMseMl3' | 'testMseMse') => result[k].toFixed(3);
      log(
        `test MSE on ${options.goals} fresh tasks: learned loss ${m('testMseMl3')}, MSE loss ${m('testMseMse')}`,
      );
      return { learnedLoss: path, ...result };
    }
    case 'shaped-sine': {
      const trained = trainingConfig(document, SHAPED_SINE_DEFAULTS);
      const loaded = loadLearnedLoss(path);
      const batched = stackParams([loaded.phi]);
      const theta = oneStepTheta(batched, trained, trained.testFrequency)[0]!;
      for (const t of batched) t.dispose();
      log(`θ after one SGD step toward frequency ${trained.testFrequency}: ${theta.toFixed(3)}`);
      return { learnedLoss: path, target: trained.testFrequency, thetaAfterOneStep: theta };
    }
    case 'pg-ml3': {
      const trained = trainingConfig(document, PG_ML3_DEFAULTS);
      return evaluatePgMl3File(
        path,
        {
          tasks: options.goals,
          iterations: options.steps ?? trained.testIterations,
          seeds: 3,
          seed: options.seed,
          baselineLr: trained.baselineLr,
          targetReturn: trained.targetReturn,
        },
        { dir: options.out, log },
      );
    }
    default:
      throw new UsageError(
        `${path} was trained by "${String(experiment)}"; ml3 eval knows reacher, mountain-car, sine, shaped-sine and pg-ml3`,
      );
  }
}

/** Adds `ml3 eval`. */
export function addEvalCommand(program: Command): void {
  program
    .command('eval <learned-loss.json>')
    .description(commandDescription('eval'))
    .option(
      '--goals <n>',
      'held-out goals (reacher) or tasks (sine)',
      (v) => parseNonNegativeInt(v, '--goals'),
      10,
    )
    .option(
      '--seed <n>',
      'seed of the held-out goals or tasks',
      (v) => parseNonNegativeInt(v, '--seed'),
      1,
    )
    .option('--steps <n>', "SGD steps of the fresh model (default: the experiment's)", (v) =>
      parseNonNegativeInt(v, '--steps'),
    )
    .option('--no-planners', 'reacher: skip the CEM/MPPI planners')
    .option(
      '--model-policy-steps <n>',
      'reacher: Adam steps of the gradient planner (0 skips it)',
      (v) => parseNonNegativeInt(v, '--model-policy-steps'),
      100,
    )
    .option(
      '--curve',
      'reacher: also the distance after K = 1, 2, 5, 10, 20 SGD steps for the learned and the task loss, each at its best learning rate (a table, and step-curve.png with --out)',
    )
    .option(
      '--selection-goals <n>',
      "reacher --curve: goals of the training distribution each method's learning rate per K is chosen on (default 10)",
      (v) => parseNonNegativeInt(v, '--selection-goals'),
    )
    .option(
      '--initial-policy <kind>',
      `reacher: where the fresh policies start, in place of the file's (${REACHER_INITIAL_POLICIES.join(', ')})`,
    )
    .option('--out <dir>', 'write results.json and GIFs into this folder')
    .option('--json', 'print the results as JSON')
    .option('--backend <name>', `TensorFlow.js backend (${BACKEND_NAMES.join(', ')})`, 'auto')
    .action(async (path: string, opts: EvalOptions) => {
      if (opts.goals < 1) throw new UsageError('--goals must be at least 1');
      if (opts.selectionGoals !== undefined && opts.selectionGoals < 1)
        throw new UsageError('--selection-goals must be at least 1');
      if (
        opts.initialPolicy !== undefined &&
        !(REACHER_INITIAL_POLICIES as readonly string[]).includes(opts.initialPolicy)
      )
        throw new UsageError(
          `--initial-policy must be one of ${REACHER_INITIAL_POLICIES.join(', ')}, got "${opts.initialPolicy}"`,
        );
      await selectBackend(opts.backend as BackendName);
      const log = opts.json ? (m: string) => console.error(m) : (m: string) => console.log(m);
      const result = await evaluateLearnedLoss(path, opts, log);
      assertFiniteResult(result, `ml3 eval ${path}`);
      if (opts.out) writeJsonAtomic(`${opts.out}/results.json`, result);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
    });
}
